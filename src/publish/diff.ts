import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accessReviewOfTrees, renderAccessReview, type AccessReviewOfTrees } from '../access';
import { formatFinding, JoinkeyError } from '../errors';
import { conflictFilesByRepo, hcl2jsonParser, liveConflicts, publishedTrees, type HclParser, type LiveFinding } from '../inventory';
import type { RepoTrees } from '../inventory/types';
import { deployedNames, guardLiveChanges, liveAppDirectory, liveChangePlan, renderLiveEffects, type GuardVerdict, type LiveChangePlan } from '../live';
import { readRepoDir } from '../inventory/load';
import type { Model } from '../model/model';
import { OWNERSHIP_FILE, type FileTree } from '../render/files';
import { ownEnvironmentFiles } from '../ownership';
import type { Redactor } from '../util/redact';
import { claimCacheRoot, RepoCache, type GitFactory } from './git';
import { checkRepoUrls, DEFAULT_BOT_BRANCH, publishOrder, type ProgressEvent } from './repos';
import { pathsToRead, planRepo, withOwnershipFile, type BaseTree, type RepoPlan } from './plan';
import { changesOf } from './summary';
import { unifiedDiff } from './unified';

/**
 * `joinkey diff`: the plan of each repo against its base branch (fetched into the cache clone)
 * or a checkout under reposDir/<repoId>, as unified diffs plus a summary table; and the live
 * conflicts (src/inventory) that the render brings into those repos, with both files and lines.
 */

export interface DiffOptions {
  readonly model: Model;
  readonly tree: FileTree;
  readonly git: GitFactory;
  readonly cacheDir: string;
  /** Read checkouts at reposDir/<repoId> instead of fetching. */
  readonly reposDir?: string;
  readonly repos?: readonly string[];
  readonly redact: Redactor;
  readonly progress?: (e: ProgressEvent) => void;
  /** One HCL parser per run (hcl2json is slow to start); a new one when absent. */
  readonly parser?: HclParser;
}

export interface DiffResult {
  readonly repos: readonly RepoDiff[];
  /**
   * The live conflicts the render brings (`generated`), among the repos that could be read, as
   * publish would leave them: publish refuses a repo named by an error among them.
   */
  readonly conflicts: readonly LiveFinding[];
  /** What applying the published repos would do to live objects, and the access each identity gains or loses; absent when no repo could be read. */
  readonly live?: LiveEffectsOfRender;
}

export interface LiveEffectsOfRender {
  readonly plan: LiveChangePlan;
  /** The guard's verdict: which stateful effects apps.yaml acknowledges (publish refuses the others). */
  readonly verdict: GuardVerdict;
  readonly access: AccessReviewOfTrees;
}

export interface RepoDiff {
  readonly repoId: string;
  readonly source: string;
  readonly plan?: RepoPlan;
  readonly error?: string;
}

export async function diffRepos(options: DiffOptions): Promise<DiffResult> {
  const out: RepoDiff[] = [];
  /** Every text file of each repo read, for the live inventory. */
  const checkouts = new Map<string, ReadonlyMap<string, string>>();
  const order = publishOrder(options.model, options.repos);
  if (!options.reposDir) {
    checkRepoUrls(options.model, order, options.redact);
    await claimCacheRoot(options.cacheDir);
  }
  for (const id of order) {
    const repo = options.model.repos.find((r) => r.id === id)!;
    const rendered = withOwnershipFile(id, options.tree.get(id) ?? new Map<string, string>());
    try {
      let base: BaseTree;
      let source: string;
      if (options.reposDir) {
        source = join(options.reposDir, id);
        options.progress?.({ repo: id, message: `reading ${source}` });
        base = await checkoutTree(source, rendered);
        checkouts.set(id, ownEnvironmentFiles(readRepoDir(source), repo.path));
      } else {
        source = `${options.redact(repo.url)} ${repo.branch}`;
        options.progress?.({ repo: id, message: `fetching ${repo.branch} from ${options.redact(repo.url)}`, step: true });
        const cache = await RepoCache.open(options.git, join(options.cacheDir, id), repo.url, options.redact);
        try {
          const heads = await cache.fetch(repo.branch, DEFAULT_BOT_BRANCH);
          base = await cache.baseTree(heads.baseSha, (own) => pathsToRead(rendered, own), OWNERSHIP_FILE, { everyFile: true });
          checkouts.set(id, ownEnvironmentFiles(base.contents, repo.path));
        } finally {
          await cache.close();
        }
      }
      const plan = planRepo(id, base, rendered);
      options.progress?.({
        repo: id,
        message: `${plan.adds.length} added, ${plan.changes.length} changed, ${plan.deletes.length} deleted, ${plan.conflicts.length} conflicts`,
      });
      out.push({ repoId: id, source, plan });
    } catch (e) {
      out.push({ repoId: id, source: id, error: options.redact(e instanceof JoinkeyError ? e.message : String((e as Error)?.message ?? e)) });
    }
  }
  const parser = options.parser ?? hcl2jsonParser();
  const conflicts = await renderConflicts(checkouts, options.tree, parser);
  const live = await liveEffectsOfRender(checkouts, options.tree, options.model, parser);
  return { repos: out, conflicts, ...(live ? { live } : {}) };
}

/**
 * The change plan and the access review between the repos read (`checkouts`) and the same repos
 * with the render published into them (publishedTrees), the render of the repos read only.
 */
export async function liveEffectsOfRender(checkouts: RepoTrees, tree: FileTree, model: Model, parser: HclParser): Promise<LiveEffectsOfRender | undefined> {
  if (!checkouts.size) return undefined;
  const after = publishedTrees(checkouts, new Map([...tree].filter(([repo]) => checkouts.has(repo))));
  const apps = liveAppDirectory(model, checkouts);
  const plan = await liveChangePlan(checkouts, after, { parser, apps, deployedApps: deployedNames(model) });
  return { plan, verdict: guardLiveChanges(plan, model), access: await accessReviewOfTrees(checkouts, after, { parser, apps }) };
}

/** The BaseTree of a working directory (its .git is skipped). */
export async function checkoutTree(dir: string, rendered: ReadonlyMap<string, string>): Promise<BaseTree> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) throw new JoinkeyError(`no checkout at ${dir}; clone the repo there or drop --repos-dir`);
  const entries = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const d of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (d.name !== '.git') await walk(p);
      } else if (d.isSymbolicLink()) entries.set(p, '120000');
      else if (d.isFile()) entries.set(p, '100644');
    }
  };
  await walk('');
  const contents = new Map<string, string>();
  const read = async (p: string) => {
    if (entries.get(p) === '100644' && !contents.has(p)) contents.set(p, await readFile(join(dir, p), 'utf8'));
  };
  await read(OWNERSHIP_FILE);
  for (const p of pathsToRead(rendered, contents.get(OWNERSHIP_FILE))) await read(p);
  return { entries, contents };
}

/**
 * Pure: the diff text for all repos, then the live conflicts (each at its generated side, the
 * other side on the next line), the "## Live effects" and "## Access changes" sections, then the
 * summary table with the conflicts' count per repo (the repo of the generated side) and in total.
 */
export function formatDiff(diffs: readonly RepoDiff[], color: boolean, conflicts: readonly LiveFinding[] = [], live?: LiveEffectsOfRender): string {
  const out: string[] = [];
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  for (const d of diffs) {
    out.push(bold(`=== ${d.repoId} (${d.source})`));
    if (d.error) {
      out.push(red(`error: ${d.error}`), '');
      continue;
    }
    const plan = d.plan!;
    for (const c of plan.conflicts) out.push(red(`CONFLICT ${c.path} ${c.reason}`));
    for (const f of changesOf(plan)) out.push(unifiedDiff(f.path, f.before, f.after, { color }).trimEnd());
    for (const w of plan.warnings) out.push(`warning: ${w}`);
    if (!plan.adds.length && !plan.changes.length && !plan.deletes.length && !plan.conflicts.length) out.push('no differences');
    out.push('');
  }
  const errors = conflicts.filter((f) => f.severity === 'error');
  if (conflicts.length) {
    out.push(bold(red(`=== Conflicts: ${conflicts.length} with files already in the repos (${errors.length} refuse publish)`)));
    for (const f of conflicts) out.push((f.severity === 'error' ? red : (s: string) => s)(formatFinding(f)));
    out.push('');
  }
  if (live) {
    out.push(renderLiveEffects(live.plan.effects, live.plan.suggestions, live.verdict.acknowledged));
    if (live.plan.notes.length) out.push('Not planned:', '', ...live.plan.notes.map((n) => `- ${n}`), '');
    out.push(renderAccessReview(live.access.changes, live.access.notes));
  }
  const rows = [['REPO', 'ADDED', 'CHANGED', 'DELETED', 'UNCHANGED', 'CONFLICTS', 'LIVE-CONFLICTS']];
  for (const d of diffs) {
    const p = d.plan;
    const live = String(conflicts.filter((f) => repoOfFile(f.file) === d.repoId).length);
    rows.push(
      p ? [d.repoId, ...[p.adds, p.changes, p.deletes, p.unchanged, p.conflicts].map((x) => String(x.length)), live] : [d.repoId, 'error', '', '', '', '', ''],
    );
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    out.push(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  if (conflicts.length) {
    const refused = [...conflictFilesByRepo(conflicts).keys()];
    out.push(
      red(
        `${conflicts.length} live conflict${conflicts.length === 1 ? '' : 's'} (${errors.length} error${errors.length === 1 ? '' : 's'}, ${conflicts.length - errors.length} warning${conflicts.length - errors.length === 1 ? '' : 's'})${refused.length ? `: publish refuses ${refused.join(', ')} until the hand-written side is removed` : ''}`,
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** The repo id of a `repo/path` file of a live finding. */
export function repoOfFile(file: string): string {
  return file.slice(0, file.indexOf('/'));
}

/**
 * The live conflicts that publishing `tree` into `checkouts` (repo id -> every text file of its
 * base) brings: the render of those repos only, compared across them (identities span repos).
 * Those already in the repos, without a generated side, are check's to report.
 */
export async function renderConflicts(checkouts: ReadonlyMap<string, ReadonlyMap<string, string>>, tree: FileTree, parser: HclParser): Promise<LiveFinding[]> {
  if (!checkouts.size) return [];
  const render = new Map([...tree].filter(([repo]) => checkouts.has(repo)));
  const { findings } = await liveConflicts(checkouts, render, { parser });
  return findings.filter((f) => f.generated);
}
