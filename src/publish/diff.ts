import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JoinkeyError } from '../errors';
import type { Model } from '../model/model';
import { OWNERSHIP_FILE, type FileTree } from '../render/files';
import type { Redactor } from '../util/redact';
import { claimCacheRoot, RepoCache, type GitFactory } from './git';
import { checkRepoUrls, DEFAULT_BOT_BRANCH, publishOrder, type ProgressEvent } from './index';
import { pathsToRead, planRepo, withOwnershipFile, type BaseTree, type RepoPlan } from './plan';
import { changesOf } from './summary';
import { unifiedDiff } from './unified';

/**
 * `joinkey diff`: the plan of each repo against its base branch (fetched into the cache clone)
 * or a checkout under reposDir/<repoId>, as unified diffs plus a summary table.
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
}

export interface RepoDiff {
  readonly repoId: string;
  readonly source: string;
  readonly plan?: RepoPlan;
  readonly error?: string;
}

export async function diffRepos(options: DiffOptions): Promise<RepoDiff[]> {
  const out: RepoDiff[] = [];
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
      } else {
        source = `${options.redact(repo.url)} ${repo.branch}`;
        options.progress?.({ repo: id, message: `fetching ${repo.branch} from ${options.redact(repo.url)}`, step: true });
        const cache = await RepoCache.open(options.git, join(options.cacheDir, id), repo.url, options.redact);
        try {
          const heads = await cache.fetch(repo.branch, DEFAULT_BOT_BRANCH);
          base = await cache.baseTree(heads.baseSha, (own) => pathsToRead(rendered, own), OWNERSHIP_FILE);
        } finally {
          await cache.close();
        }
      }
      const plan = planRepo(id, base, rendered);
      options.progress?.({ repo: id, message: `${plan.adds.length} added, ${plan.changes.length} changed, ${plan.deletes.length} deleted, ${plan.conflicts.length} conflicts` });
      out.push({ repoId: id, source, plan });
    } catch (e) {
      out.push({ repoId: id, source: id, error: options.redact(e instanceof JoinkeyError ? e.message : String((e as Error)?.message ?? e)) });
    }
  }
  return out;
}

/** The BaseTree of a working directory (its .git is skipped). */
export async function checkoutTree(dir: string, rendered: ReadonlyMap<string, string>): Promise<BaseTree> {
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) throw new JoinkeyError(`no checkout at ${dir}; clone the repo there or drop --repos-dir`);
  const entries = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const d of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) { if (d.name !== '.git') await walk(p); }
      else if (d.isSymbolicLink()) entries.set(p, '120000');
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

/** Pure: the diff text for all repos, then the summary table. */
export function formatDiff(diffs: readonly RepoDiff[], color: boolean): string {
  const out: string[] = [];
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  for (const d of diffs) {
    out.push(bold(`=== ${d.repoId} (${d.source})`));
    if (d.error) { out.push(red(`error: ${d.error}`), ''); continue; }
    const plan = d.plan!;
    for (const c of plan.conflicts) out.push(red(`CONFLICT ${c.path} ${c.reason}`));
    for (const f of changesOf(plan)) out.push(unifiedDiff(f.path, f.before, f.after, { color }).trimEnd());
    for (const w of plan.warnings) out.push(`warning: ${w}`);
    if (!plan.adds.length && !plan.changes.length && !plan.deletes.length && !plan.conflicts.length) out.push('no differences');
    out.push('');
  }
  const rows = [['REPO', 'ADDED', 'CHANGED', 'DELETED', 'UNCHANGED', 'CONFLICTS']];
  for (const d of diffs) {
    const p = d.plan;
    rows.push(p ? [d.repoId, ...[p.adds, p.changes, p.deletes, p.unchanged, p.conflicts].map((x) => String(x.length))] : [d.repoId, 'error', '', '', '', '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) out.push(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  return `${out.join('\n')}\n`;
}
