import { hasMarker, MARKER, OWNERSHIP_FILE, ownershipFile } from '../render/files';

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
}

export function isRefused(plan: RepoPlan): boolean {
  return plan.conflicts.length > 0;
}

export function hasChanges(plan: RepoPlan): boolean {
  return plan.adds.length + plan.changes.length + plan.deletes.length > 0;
}

/** A repo-relative path joinkey will write or delete: no leading '/', no '.', '..' or empty segment, nothing under .git. */
export function isSafeRepoPath(p: string): boolean {
  if (!p || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && s.toLowerCase() !== '.git');
}

/** The paths in an OWNERSHIP_FILE (`{"//": ..., "files": [...]}`), with problems as warnings. */
export function parseOwnership(content: string | undefined): { files: string[]; warnings: string[] } {
  if (content === undefined) return { files: [], warnings: [] };
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch {
    return { files: [], warnings: [`${OWNERSHIP_FILE} in the base branch is not valid JSON; treating no file as owned`] };
  }
  const list = (data as { files?: unknown })?.files;
  if (!Array.isArray(list)) return { files: [], warnings: [`${OWNERSHIP_FILE} in the base branch has no "files" list; treating no file as owned`] };
  const files: string[] = [];
  const warnings: string[] = [];
  for (const f of list) {
    if (typeof f === 'string' && isSafeRepoPath(f)) files.push(f);
    else warnings.push(`${OWNERSHIP_FILE} lists ${JSON.stringify(f)}, which is not a safe repo-relative path; ignored`);
  }
  return { files: [...new Set(files)].sort(), warnings };
}

/** The rendered files of one repo, with OWNERSHIP_FILE added (as render writes it) when the render lacks it. */
export function withOwnershipFile(repoId: string, rendered: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (rendered.has(OWNERSHIP_FILE)) return rendered;
  const out = new Map(rendered);
  out.set(OWNERSHIP_FILE, ownershipFile(repoId, [...rendered.keys()]).content);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const REGULAR = new Set(['100644', '100755']);

/**
 * Decides the change set for one repo.
 * - A rendered path that does not exist in base is added.
 * - One that exists is changed only when joinkey owns it (it carries the marker, or the base
 *   ownership list names it); otherwise it is a conflict. So is a rendered path that is a
 *   directory, a symlink or submodule, or lies below a file, in base.
 * - A path the base ownership list names that is no longer rendered is deleted when it still
 *   carries the marker; one that lost its marker was edited by hand and is kept, with a warning.
 * - Nothing else in the repo is touched.
 */
export function planRepo(repoId: string, base: BaseTree, renderedFiles: ReadonlyMap<string, string>): RepoPlan {
  const rendered = withOwnershipFile(repoId, renderedFiles);
  const owned = parseOwnership(base.contents.get(OWNERSHIP_FILE));
  const ownedSet = new Set(owned.files);
  const warnings = [...owned.warnings];
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
      adds.push({ path, after, mode: '100644' });
      continue;
    }
    const before = base.contents.get(path);
    if (!REGULAR.has(mode) || before === undefined) {
      conflicts.push({ path, reason: `exists in the base branch as a ${mode === '120000' ? 'symlink' : mode === '160000' ? 'submodule' : 'non-regular file'}` });
      continue;
    }
    if (before === after) {
      unchanged.push(path);
      continue;
    }
    if (hasMarker(before) || ownedSet.has(path)) {
      changes.push({ path, before, after, mode });
    } else {
      conflicts.push({ path, reason: `exists in the base branch and was not written by joinkey (no "${MARKER}" marker, not listed in ${OWNERSHIP_FILE}); move or delete it by hand, or point the app elsewhere` });
    }
  }

  for (const path of owned.files) {
    if (rendered.has(path)) continue;
    const mode = base.entries.get(path);
    if (mode === undefined) continue; // already gone
    const before = base.contents.get(path);
    if (!REGULAR.has(mode) || before === undefined) {
      warnings.push(`${path} is listed in ${OWNERSHIP_FILE} but is not a regular file; left in place`);
    } else if (!hasMarker(before)) {
      warnings.push(`${path} is listed in ${OWNERSHIP_FILE} and no longer generated, but lost its marker (edited by hand); left in place`);
    } else {
      deletes.push({ path, before });
    }
  }

  return { repoId, adds, changes, deletes, unchanged, conflicts, warnings, previouslyOwned: owned.files };
}

/** The paths whose base content planRepo reads: rendered ones, owned ones and OWNERSHIP_FILE. */
export function pathsToRead(rendered: ReadonlyMap<string, string>, ownershipContent: string | undefined): string[] {
  return [...new Set([...rendered.keys(), ...parseOwnership(ownershipContent).files, OWNERSHIP_FILE])].sort();
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
