import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JoinkeyError } from '../errors';
import { closeOpenPullRequest, ensurePullRequest, type EnsuredPullRequest, type GiteaClient } from '../gitea';
import type { Model } from '../model/model';
import { ownershipFileIn } from '../ownership';
import { DOCS_REPO, type FileTree } from '../render/files';
import type { Redactor } from '../util/redact';
import { BOT_IDENTITY, claimCacheRoot, RepoCache, type BotIdentity, type GitFactory } from './git';
import { hasChanges, pathsToRead, planRepo, repoUrlProblem, withOwnershipFile, type Conflict, type RepoPlan } from './plan';
import { commitMessage, pullRequestText, summarizePlan, type PlanSummary, type PromotedAfter } from './summary';

/**
 * publish, repo by repo: fetch into the cache clone, plan (pure), build base + one bot commit,
 * push the bot branch with a lease, ensure one PR. Never prints: it reports through `progress`
 * and returns an exact account of what happened per repo.
 */

export const DEFAULT_BOT_BRANCH = 'joinkey/sync';
export const DEFAULT_CACHE_DIR = '.joinkey-cache';

export interface PublishOptions {
  readonly model: Model;
  readonly tree: FileTree;
  readonly git: GitFactory;
  /** Absolute; one clone per repo id below it. Ignored with dryRun (a temp dir is used and removed). */
  readonly cacheDir: string;
  readonly botBranch?: string;
  /** Only these repo ids; all when absent. */
  readonly repos?: readonly string[];
  readonly dryRun?: boolean;
  /** The apps.yaml commit, for the commit message. */
  readonly configCommit: string;
  /** Absent: no PRs (--no-pr, or dry run without a Gitea to read from). */
  readonly gitea?: { readonly client: GiteaClient; readonly labels?: readonly string[] };
  readonly identity?: BotIdentity;
  /** With environments: the environment published just before this one and its PRs, linked from every PR body. */
  readonly promotedAfter?: PromotedAfter;
  readonly redact: Redactor;
  readonly progress?: (event: ProgressEvent) => void;
}

export interface ProgressEvent {
  readonly repo: string;
  readonly message: string;
  /** True for a long step that is starting (a TTY may show it transiently). */
  readonly step?: boolean;
}

export type RepoStatus =
  /** Pushed a new bot commit. */
  | 'pushed'
  /** The remote bot branch already holds exactly this tree: nothing pushed. */
  | 'up-to-date'
  /** The base branch already holds every generated file: nothing to publish (a stale bot branch is deleted, its PR closed). */
  | 'no-changes'
  /** Dry run: would push. */
  | 'would-push'
  /** A generated path is taken by a file joinkey does not own. */
  | 'refused'
  /** Someone else pushed to the bot branch. */
  | 'stopped'
  /** git or another error. */
  | 'failed';

export interface RepoResult {
  readonly repoId: string;
  readonly url: string;
  readonly base: string;
  readonly branch: string;
  readonly status: RepoStatus;
  readonly plan?: RepoPlan;
  readonly summary?: PlanSummary;
  readonly conflicts?: readonly Conflict[];
  readonly commit?: string;
  readonly reason?: string;
  readonly giteaRepo?: string;
  readonly pr?: EnsuredPullRequest;
  /** With 'no-changes': the open bot branch proposed nothing the base lacks and was deleted (or would be, in a dry run). */
  readonly staleBranchDeleted?: boolean;
  /** The PR step failed (the push, if any, stands). */
  readonly prError?: string;
  readonly warnings: readonly string[];
}

export interface PublishReport {
  readonly dryRun: boolean;
  readonly repos: readonly RepoResult[];
  /** False when any repo was refused, stopped or failed, or any PR step failed. */
  readonly ok: boolean;
}

/** Refuses repo urls with credentials in them, naming every such repo (before anything is fetched). */
export function checkRepoUrls(model: Model, ids: readonly string[], redact: Redactor): void {
  const problems = ids.flatMap((id) => {
    const repo = model.repos.find((r) => r.id === id)!;
    const problem = repoUrlProblem(repo.url);
    return problem ? [`repos.${id}.url (${redact(repo.url)}) ${problem}`] : [];
  });
  if (problems.length) throw new JoinkeyError(problems.join('\n'));
}

/** The repos to publish, factory (the central postgres repo) first, the rest sorted. */
export function publishOrder(model: Model, only?: readonly string[]): string[] {
  const ids = model.repos.map((r) => r.id).filter((id) => id !== DOCS_REPO);
  if (only) {
    const unknown = only.filter((id) => !ids.includes(id));
    if (unknown.length)
      throw new JoinkeyError(`--repos names ${unknown.map((u) => `"${u}"`).join(', ')}, which apps.yaml does not declare; known repos: ${ids.join(', ')}`);
  }
  const factory = model.central.postgres.repo;
  const chosen = ids.filter((id) => !only || only.includes(id)).sort();
  return [...chosen.filter((id) => id === factory), ...chosen.filter((id) => id !== factory)];
}

/** owner/name of a repo on Gitea: `repos.<id>.gitea`, else the last two path segments of its URL. */
export function giteaRepoOf(repo: { readonly id: string; readonly url: string; readonly gitea?: string }): { owner: string; name: string } {
  const spec =
    repo.gitea ??
    repo.url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
  const parts = spec.split(/[/:]/).filter(Boolean);
  const [owner, name] = parts.slice(-2);
  if (!owner || !name || parts.length < 2) {
    throw new JoinkeyError(`cannot tell the Gitea owner/name of repo "${repo.id}" from its url; set repos.${repo.id}.gitea: owner/name in apps.yaml`);
  }
  return { owner, name };
}

export async function publish(options: PublishOptions): Promise<PublishReport> {
  const { model, tree } = options;
  const bot = options.botBranch ?? DEFAULT_BOT_BRANCH;
  const identity = options.identity ?? BOT_IDENTITY;
  const order = publishOrder(model, options.repos);
  checkRepoUrls(model, order, options.redact);
  const progress = options.progress ?? (() => undefined);
  const factoryId = model.central.postgres.repo;
  const workDir = options.dryRun ? await mkdtemp(join(tmpdir(), 'joinkey-dry-run-')) : options.cacheDir;
  const results: RepoResult[] = [];
  let factoryResult: RepoResult | undefined;
  try {
    await claimCacheRoot(workDir);
    for (const id of order) {
      const repo = model.repos.find((r) => r.id === id)!;
      const rendered = withOwnershipFile(id, tree.get(id) ?? new Map<string, string>(), ownershipFileIn(repo.path));
      const result = await publishRepo({ ...options, botBranch: bot, identity }, repo, rendered, join(workDir, id), factoryResult, progress);
      if (id === factoryId) factoryResult = result;
      results.push(result);
    }
  } finally {
    if (options.dryRun) await rm(workDir, { recursive: true, force: true });
  }
  const ok = results.every((r) => ['pushed', 'up-to-date', 'no-changes', 'would-push'].includes(r.status) && !r.prError);
  return { dryRun: !!options.dryRun, repos: results, ok };
}

type RepoOptions = PublishOptions & { readonly botBranch: string; readonly identity: BotIdentity };

async function publishRepo(
  options: RepoOptions,
  repo: Model['repos'][number],
  rendered: ReadonlyMap<string, string>,
  dir: string,
  factory: RepoResult | undefined,
  progress: (e: ProgressEvent) => void,
): Promise<RepoResult> {
  const { redact, botBranch: bot, model } = options;
  const base = repo.branch;
  const say = (message: string, step = false) => progress({ repo: repo.id, message: redact(message), step });
  const common = { repoId: repo.id, url: redact(repo.url), base, branch: bot };
  const warnings: string[] = [];
  let stage: 'git' | 'pr' = 'git';
  let partial: RepoResult | undefined;
  let cache: RepoCache | undefined;
  try {
    say(`fetching ${base} and ${bot} from ${repo.url}`, true);
    cache = await RepoCache.open(options.git, dir, repo.url, redact, (holder) => say(`waiting for another joinkey run using ${dir} (${holder})`));
    const heads = await cache.fetch(base, bot);
    const ownership = ownershipFileIn(repo.path);
    const baseTree = await cache.baseTree(heads.baseSha, (own) => pathsToRead(rendered, own, ownership), ownership);
    const plan = planRepo(repo.id, baseTree, rendered, ownership);
    warnings.push(...plan.warnings);
    const summary = summarizePlan(model, plan);
    if (plan.conflicts.length) {
      say(
        `refused: ${plan.conflicts.length} generated path${plan.conflicts.length === 1 ? '' : 's'} taken by files joinkey does not own or that were edited by hand`,
      );
      return {
        ...common,
        status: 'refused',
        plan,
        summary,
        conflicts: plan.conflicts,
        reason: plan.conflicts.map((c) => `${c.path} ${c.reason}`).join('; '),
        warnings,
      };
    }
    const botState = await cache.inspectBotBranch(heads.baseSha, heads.botSha, options.identity);
    if (botState.kind === 'foreign') {
      const reason = `branch ${bot} has commits not made by joinkey: ${botState.reason}. Joinkey will not overwrite them; merge or move that work, then delete the branch ${bot} and publish again`;
      say(`stopped: ${reason}`);
      return { ...common, status: 'stopped', plan, summary, reason, warnings };
    }
    // Decided from the base tree alone: when it holds every rendered file and nothing is to be
    // deleted, there is nothing to publish, however the bot branch was merged (squash, merge
    // commit, left in place). An open bot branch then proposes only stale files: it is deleted so
    // merging it cannot bring them back, and its PR (an empty diff) is closed.
    if (!hasChanges(plan)) {
      const stale = botState.kind === 'bot' && !(await cache.isMerged(botState.sha, heads.baseSha));
      if (stale && !options.dryRun) await cache.deleteBotBranch(bot, botState.sha);
      say(`${base} already holds every generated file; nothing to publish${stale ? `; ${options.dryRun ? 'would delete' : 'deleted'} the stale ${bot}` : ''}`);
      partial = { ...common, status: 'no-changes', plan, summary, ...(stale ? { staleBranchDeleted: true } : {}), warnings };
      if (!options.gitea) return partial;
      stage = 'pr';
      const { owner, name } = giteaRepoOf(repo);
      partial = { ...partial, giteaRepo: `${owner}/${name}` };
      const closed = await closeOpenPullRequest(options.gitea.client, { owner, repo: name, base, head: bot }, { dryRun: !!options.dryRun });
      if (closed) say(prLine(closed));
      return closed ? { ...partial, pr: closed } : partial;
    }
    say('building the bot commit', true);
    const treeId = await cache.buildTree(heads.baseSha, plan);
    let status: RepoStatus;
    let commit: string | undefined;
    // Up to date only when the bot commit sits on the current base with this tree: after a
    // merge left the branch in place and the base moved on, the commit is rebuilt on the base.
    if (botState.kind === 'bot' && botState.tree === treeId && botState.parent === heads.baseSha) {
      status = 'up-to-date';
      commit = botState.sha;
      say(`${bot} already holds this tree on ${base} (${botState.sha.slice(0, 12)}); no commit, no push`);
    } else if (options.dryRun) {
      status = 'would-push';
      say(`would push one commit to ${bot}`);
    } else {
      commit = await cache.commitTree(
        treeId,
        heads.baseSha,
        commitMessage({ repoId: repo.id, configCommit: options.configCommit }, plan, summary),
        options.identity,
      );
      say(`pushing ${commit.slice(0, 12)} to ${bot}`, true);
      await cache.pushBotBranch(commit, bot, heads.botSha);
      status = 'pushed';
      say(`pushed ${commit.slice(0, 12)} to ${bot}`);
    }
    partial = { ...common, status, plan, summary, ...(commit ? { commit } : {}), warnings };
    if (!options.gitea) return partial;

    stage = 'pr';
    const { owner, name } = giteaRepoOf(repo);
    partial = { ...partial, giteaRepo: `${owner}/${name}` };
    const factoryNote =
      repo.id !== model.central.postgres.repo && factory?.summary?.newRoles.length
        ? {
            roles: factory.summary.newRoles,
            factoryRepo: factory.repoId,
            ...(factory.pr?.pr ? { factoryPr: { label: `${factory.giteaRepo ?? factory.repoId}#${factory.pr.pr.number}`, url: factory.pr.pr.url } } : {}),
          }
        : undefined;
    const note = options.promotedAfter
      ? { roles: [], factoryRepo: model.central.postgres.repo, ...factoryNote, promotedAfter: options.promotedAfter }
      : factoryNote;
    const text = pullRequestText(model, repo.id, base, bot, summary, note);
    say(`${options.dryRun ? 'checking' : 'ensuring'} the pull request ${bot} -> ${base} in ${owner}/${name}`, true);
    const pr = await ensurePullRequest(
      options.gitea.client,
      {
        owner,
        repo: name,
        base,
        head: bot,
        title: redact(text.title),
        body: redact(text.body),
        hash: text.hash,
        labels: options.gitea.labels ?? [],
      },
      { dryRun: !!options.dryRun },
    );
    warnings.push(...pr.warnings);
    say(prLine(pr));
    return { ...partial, pr, warnings };
  } catch (e) {
    const reason = redact(e instanceof JoinkeyError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`);
    if (stage === 'pr' && partial) {
      say(`pull request failed: ${reason}`);
      return { ...partial, prError: reason, warnings };
    }
    say(`failed: ${reason}`);
    return { ...common, status: 'failed', reason, warnings };
  } finally {
    await cache?.close();
  }
}

export function prLine(pr: EnsuredPullRequest): string {
  const ref = pr.pr ? `#${pr.pr.number} ${pr.pr.url}` : '';
  switch (pr.action) {
    case 'created':
      return `created PR ${ref}`;
    case 'updated':
      return `updated PR ${ref}`;
    case 'unchanged':
      return `PR ${ref} is up to date`;
    case 'would-create':
      return 'would create a PR';
    case 'would-update':
      return `would update PR ${ref}`;
    case 'closed':
      return `closed PR ${ref} (its diff against the base is empty)`;
    case 'would-close':
      return `would close PR ${ref} (its diff against the base is empty)`;
  }
}
