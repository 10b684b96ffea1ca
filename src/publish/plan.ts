import { contentHash, isSafeRepoPath, OWNERSHIP_FILE, ownershipOf, parseOwnership } from '../ownership';
import { ownershipFile } from '../render/files';

export { isSafeRepoPath, parseOwnership };

/**
 * The pure half of publish (like changesets' assemble-release-plan): given what the base branch
 * of a target repo holds and what joinkey renders for it, decide what to add, change and delete,
 * and which paths joinkey may not touch. No git, no I/O.
 */

/** What the base branch holds: every file path with its git mode, and the contents joinkey might touch. */
export interface BaseTree {
  /** Every file path in the base tree -> git mode ('100644', '100755', '120000' symlink, '160000' submodule). */
  readonly entries: ReadonlyMap<string, string>;
  /** Contents of the regular files at rendered paths, owned paths and OWNERSHIP_FILE that exist. */
  readonly contents: ReadonlyMap<string, string>;
}

export interface FileChange {
  readonly path: string;
  /** Content in the base branch; absent for an added file. */
  readonly before?: string;
  /** Content after the change; absent for a deleted file. */
  readonly after?: string;
  /** Git mode to write (kept from base for changed files). */
  readonly mode?: string;
}

export interface Conflict {
  readonly path: string;
  readonly reason: string;
}

export interface RepoPlan {
  readonly repoId: string;
  readonly adds: readonly FileChange[];
  readonly changes: readonly FileChange[];
  readonly deletes: readonly FileChange[];
  /** Rendered paths whose content already matches the base branch. */
  readonly unchanged: readonly string[];
  /** Paths joinkey may not write; any conflict refuses the whole repo. */
  readonly conflicts: readonly Conflict[];
  /** Things left alone on purpose, e.g. a listed file that lost its marker. */
  readonly warnings: readonly string[];
  /** The ownership list read from the base branch. */
  readonly previouslyOwned: readonly string[];
  /**
   * With publish --adopt: the hand-written files the same commit deletes, edits (superseded blocks
   * cut out, references updated) or adds (moved blocks). They stay hand-written: never listed as owned.
   */
  readonly handOver: readonly HandOverChange[];
}

/** What publish --adopt does to hand-written files of one repo (src/adopt/hand-over.ts decides it). */
export interface HandOver {
  readonly deletes: readonly string[];
  /** path -> new content. */
  readonly edits: ReadonlyMap<string, string>;
  /** path -> content of a new hand-written file. */
  readonly adds: ReadonlyMap<string, string>;
}

export interface HandOverChange extends FileChange {
  readonly change: 'deleted' | 'edited' | 'added';
}

export function isRefused(plan: RepoPlan): boolean {
  return plan.conflicts.length > 0;
}

export function hasChanges(plan: RepoPlan): boolean {
  return plan.adds.length + plan.changes.length + plan.deletes.length + plan.handOver.length > 0;
}

/** Files (path -> content) as the hand-over leaves them. */
export function handedOverFiles(files: ReadonlyMap<string, string>, handOver: HandOver): Map<string, string> {
  const out = new Map(files);
  for (const path of handOver.deletes) out.delete(path);
  for (const [path, content] of [...handOver.edits, ...handOver.adds]) out.set(path, content);
  return out;
}

/** The base as the hand-over leaves it: what planRepo plans the generated files against. */
export function handedOverBase(base: BaseTree, handOver: HandOver): BaseTree {
  const entries = new Map(base.entries);
  for (const path of handOver.deletes) entries.delete(path);
  for (const path of [...handOver.edits.keys(), ...handOver.adds.keys()]) entries.set(path, base.entries.get(path) ?? '100644');
  return { entries, contents: handedOverFiles(base.contents, handOver) };
}

/** The hand-written file changes of a hand-over, against the real base (a deleted path the render writes again is the render's change, not the hand-over's). */
function handOverChanges(base: BaseTree, handOver: HandOver, rendered: ReadonlyMap<string, string>): HandOverChange[] {
  const out: HandOverChange[] = [];
  for (const path of handOver.deletes)
    if (!rendered.has(path)) out.push({ path, change: 'deleted', ...(base.contents.has(path) ? { before: base.contents.get(path)! } : {}) });
  for (const [path, after] of handOver.edits)
    out.push({ path, change: 'edited', before: base.contents.get(path)!, after, mode: base.entries.get(path) ?? '100644' });
  for (const [path, after] of handOver.adds) out.push({ path, change: 'added', after, mode: '100644' });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The rendered files of one repo, with its ownership list added (as render writes it) when the
 * render lacks it. `ownership` is where the list lives: OWNERSHIP_FILE, or below an environment's
 * dir in the repo (ownershipFileIn).
 */
export function withOwnershipFile(repoId: string, rendered: ReadonlyMap<string, string>, ownership: string = OWNERSHIP_FILE): ReadonlyMap<string, string> {
  if (rendered.has(ownership)) return rendered;
  const out = new Map(rendered);
  out.set(
    ownership,
    ownershipFile(
      repoId,
      [...rendered].map(([path, content]) => ({ path, hash: contentHash(content) })),
      ownership,
    ).content,
  );
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const REGULAR = new Set(['100644', '100755']);

/**
 * Decides the change set for one repo, from the base branch alone (whatever the bot branch holds
 * or whether it still exists), with the ownership rule of src/ownership.ts.
 * - A rendered path that does not exist in base is added.
 * - One that exists is changed only when it is 'owned' (listed with its hash and its marker line
 *   intact). An 'edited' one (listed, but changed by hand since) and an 'unowned' one (not listed,
 *   even when it quotes the marker) are conflicts: never overwritten, never reverted silently. So
 *   is a rendered path that is a directory, a symlink or submodule, or lies below a file, in base.
 * - A listed path that is no longer rendered is deleted when owned; an edited one is kept, with a
 *   warning.
 * - Nothing else in the repo is touched, but for a hand-over (publish --adopt): its hand-written
 *   deletes, edits and adds go into the same commit, and the generated files are planned against
 *   the base as the hand-over leaves it.
 */
export function planRepo(
  repoId: string,
  realBase: BaseTree,
  renderedFiles: ReadonlyMap<string, string>,
  ownership: string = OWNERSHIP_FILE,
  handOver?: HandOver,
): RepoPlan {
  const rendered = withOwnershipFile(repoId, renderedFiles, ownership);
  const base = handOver ? handedOverBase(realBase, handOver) : realBase;
  const owned = parseOwnership(base.contents.get(ownership));
  const warnings = owned.warnings.map((w) => w.replace(OWNERSHIP_FILE, `${OWNERSHIP_FILE} in the base branch`));
  const adds: FileChange[] = [];
  const changes: FileChange[] = [];
  const deletes: FileChange[] = [];
  const unchanged: string[] = [];
  const conflicts: Conflict[] = [];
  const dirs = directoriesOf(base.entries.keys());

  for (const [path, after] of rendered) {
    if (!isSafeRepoPath(path)) {
      conflicts.push({ path, reason: 'is not a safe repo-relative path' });
      continue;
    }
    const fileAbove = ancestorsOf(path).find((d) => base.entries.has(d));
    if (fileAbove !== undefined) {
      conflicts.push({ path, reason: `cannot be written because "${fileAbove}" is a file in the base branch` });
      continue;
    }
    if (dirs.has(path)) {
      conflicts.push({ path, reason: 'is a directory in the base branch' });
      continue;
    }
    const mode = base.entries.get(path);
    if (mode === undefined) {
      // a hand-written file the hand-over deletes, at a path the render writes: changed in place
      const handWritten = realBase.contents.get(path);
      if (handWritten === after) unchanged.push(path);
      else if (handWritten !== undefined && REGULAR.has(realBase.entries.get(path) ?? ''))
        changes.push({ path, before: handWritten, after, mode: realBase.entries.get(path)! });
      else adds.push({ path, after, mode: '100644' });
      continue;
    }
    const before = base.contents.get(path);
    if (!REGULAR.has(mode) || before === undefined) {
      conflicts.push({
        path,
        reason: `exists in the base branch as a ${mode === '120000' ? 'symlink' : mode === '160000' ? 'submodule' : 'non-regular file'}`,
      });
      continue;
    }
    if (before === after) {
      unchanged.push(path);
      continue;
    }
    const ownership = ownershipOf(path, before, owned);
    if (ownership === 'owned') {
      changes.push({ path, before, after, mode });
    } else if (ownership === 'edited') {
      conflicts.push({
        path,
        reason: `was written by joinkey but edited by hand since (its content or marker line differs from what ${OWNERSHIP_FILE} recorded); joinkey will not revert the edit. Move the edit into apps.yaml, then restore the generated file (npx joinkey synth) or delete it in the base branch`,
      });
    } else {
      conflicts.push({
        path,
        reason: `exists in the base branch and was not written by joinkey (${OWNERSHIP_FILE} does not list it); move or delete it by hand, or point the app elsewhere`,
      });
    }
  }

  for (const path of owned.files.keys()) {
    if (rendered.has(path)) continue;
    const mode = base.entries.get(path);
    if (mode === undefined) continue; // already gone
    const before = base.contents.get(path);
    if (!REGULAR.has(mode) || before === undefined) {
      warnings.push(`${path} is listed in ${OWNERSHIP_FILE} but is not a regular file; left in place`);
    } else if (ownershipOf(path, before, owned) !== 'owned') {
      warnings.push(`${path} is listed in ${OWNERSHIP_FILE} and no longer generated, but was edited by hand since joinkey wrote it; left in place`);
    } else {
      deletes.push({ path, before });
    }
  }

  return {
    repoId,
    adds,
    changes,
    deletes,
    unchanged,
    conflicts,
    warnings,
    previouslyOwned: [...owned.files.keys()].sort(),
    handOver: handOver ? handOverChanges(realBase, handOver, rendered) : [],
  };
}

/** The paths whose base content planRepo reads: rendered ones, owned ones and OWNERSHIP_FILE. */
export function pathsToRead(rendered: ReadonlyMap<string, string>, ownershipContent: string | undefined, ownership: string = OWNERSHIP_FILE): string[] {
  return [...new Set([...rendered.keys(), ...parseOwnership(ownershipContent).files.keys(), ownership])].sort();
}

function ancestorsOf(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function directoriesOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) for (const d of ancestorsOf(p)) dirs.add(d);
  return dirs;
}

/**
 * Why a repo url may not be used, or undefined: credentials in it (`https://user:pass@`,
 * `https://token@`, `ssh://user:pass@`) would be stored in the cache clone's .git/config and show
 * up in git's messages.
 */
export function repoUrlProblem(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url);
  if (!m) return undefined;
  const [, scheme, userinfo] = m;
  if (!userinfo!.includes(':') && !/^https?$/i.test(scheme!)) return undefined; // ssh://git@host: a user name, no secret
  return (
    "has credentials in it (user:password@ or token@), which would be stored in the cache clone's .git/config; " +
    'remove them from the url and give git the credentials another way: a credential helper (git config --global credential.helper store, or your OS keychain), GIT_ASKPASS, or an ssh url with an ssh key'
  );
}
