import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFinding, JoinkeyError } from '../errors';
import { conflictFilesByRepo, hcl2jsonParser, type HclParser, type LiveFinding } from '../inventory';
import { closeOpenPullRequest, ensurePullRequest, type EnsuredPullRequest, type GiteaClient } from '../gitea';
import type { Model } from '../model/model';
import { ownEnvironmentFiles, ownershipFileIn } from '../ownership';
import { treeFromFiles, type FileTree, type RenderedFile } from '../render/files';
import type { Redactor } from '../util/redact';
import { BOT_IDENTITY, claimCacheRoot, RepoCache, type BotIdentity, type GitFactory, type RemoteHeads } from './git';
import { renderConflicts, repoOfFile } from './diff';
import { DESTRUCTIVE_LABEL, isDestructive, liveEffectsByRepo, liveObjectName, type RepoLiveEffects } from './live';
import { checkRepoUrls, DEFAULT_BOT_BRANCH, giteaRepoOf, publishOrder, type ProgressEvent } from './repos';
import { planAdoption, whyNotHandedOver, type Adoption, type RepoAdoption } from './hand-over';
import { hasChanges, pathsToRead, planRepo, withOwnershipFile, type BaseTree, type Conflict, type RepoPlan } from './plan';
import { commitMessage, pullRequestText, readCentralEntries, summarizePlan, type PlanSummary, type PromotedAfter } from './summary';

/**
 * publish: fetch every repo into its cache clone and read its whole base tree; find the live
 * conflicts the render brings, across all repos at once (src/inventory); then repo by repo: plan
 * (pure), refuse a repo with path or live conflicts, build base + one bot commit, push the bot
 * branch with a lease, ensure one PR. Never prints: it reports through `progress` and returns an
 * exact account of what happened per repo.
 */

export { checkRepoUrls, DEFAULT_BOT_BRANCH, giteaRepoOf, publishOrder, type ProgressEvent };
export const DEFAULT_CACHE_DIR = '.joinkey-cache';

export interface PublishOptions {
  readonly model: Model;
  /** The render to publish, with its provenance (renderFiles): the PR text reads whose each file is. */
  readonly files: readonly RenderedFile[];
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
  /** One HCL parser per run (hcl2json is slow to start); a new one when absent. */
  readonly parser?: HclParser;
  /**
   * publish --adopt: hand the hand-written declarations the render supersedes over in the same
   * commit (src/publish/hand-over.ts); a repo whose hand-over changes anything live is refused.
   */
  readonly adopt?: boolean;
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
  /** A generated path is taken by a file joinkey does not own, or the render conflicts with a file of the repos (live conflicts). */
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
  /** With 'refused': the live conflicts (errors) that name a file of this repo, at their generated side. */
  readonly liveConflicts?: readonly LiveFinding[];
  /** What merging does to live objects in this repo; with 'refused', `unacknowledged` may say why. */
  readonly liveEffects?: RepoLiveEffects;
  /** With --adopt: the hand-written declarations handed over, and what stays hand-written. */
  readonly adoption?: RepoAdoption;
  /** With --adopt and 'refused': why the hand-over may not be published. */
  readonly handOverRefusals?: readonly string[];
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

export async function publish(options: PublishOptions): Promise<PublishReport> {
  const { model } = options;
  const tree = treeFromFiles(options.files);
  const bot = options.botBranch ?? DEFAULT_BOT_BRANCH;
  const identity = options.identity ?? BOT_IDENTITY;
  const order = publishOrder(model, options.repos);
  checkRepoUrls(model, order, options.redact);
  const progress = options.progress ?? (() => undefined);
  const factoryId = model.central.postgres.repo;
  const workDir = options.dryRun ? await mkdtemp(join(tmpdir(), 'joinkey-dry-run-')) : options.cacheDir;
  const results: RepoResult[] = [];
  const parser = options.parser ?? hcl2jsonParser();
  const opened = new Map<string, OpenedRepo | RepoResult>();
  let factoryResult: RepoResult | undefined;
  try {
    await claimCacheRoot(workDir);
    // Every repo first, so that the live conflicts are found across all of them before anything is pushed.
    for (const id of order) {
      const repo = model.repos.find((r) => r.id === id)!;
      opened.set(id, await openRepo({ ...options, botBranch: bot, identity, parser }, repo, rendered(tree, repo), join(workDir, id), progress));
    }
    const pathOf = (id: string) => model.repos.find((r) => r.id === id)?.path;
    const checkouts = new Map([...opened].flatMap(([id, o]) => ('cache' in o ? [[id, ownEnvironmentFiles(o.baseTree.contents, pathOf(id))] as const] : [])));
    const adoption = options.adopt ? await planAdoption(model, checkouts, tree, parser) : undefined;
    const handedOver = adoption?.handedOver ?? checkouts;
    const conflicts = await renderConflicts(handedOver, tree, parser);
    const liveEffects = await liveEffectsByRepo(model, checkouts, tree, parser, handedOver);
    const refusedFiles = conflictFilesByRepo(conflicts);
    for (const id of order) {
      const repo = model.repos.find((r) => r.id === id)!;
      const o = opened.get(id)!;
      const live = refusedFiles.has(id)
        ? conflicts.filter((f) => f.severity === 'error' && [f.file, f.related.file].some((file) => repoOfFile(file) === id))
        : [];
      const warnings = conflicts.filter((f) => f.severity === 'warning' && repoOfFile(f.file) === id).map((f) => `live conflict: ${formatFinding(f)}`);
      const result =
        'cache' in o
          ? await publishRepo(
              { ...options, botBranch: bot, identity, parser },
              repo,
              rendered(tree, repo),
              o,
              { findings: live, files: refusedFiles.get(id) ?? [], warnings },
              liveEffects.get(id)!,
              adoption,
              factoryResult,
              progress,
            )
          : o;
      if (id === factoryId) factoryResult = result;
      results.push(result);
    }
  } finally {
    for (const o of opened.values()) if ('cache' in o) await o.cache.close();
    if (options.dryRun) await rm(workDir, { recursive: true, force: true });
  }
  const ok = results.every((r) => ['pushed', 'up-to-date', 'no-changes', 'would-push'].includes(r.status) && !r.prError);
  return { dryRun: !!options.dryRun, repos: results, ok };
}

/** The rendered files of one repo, with its ownership file. */
function rendered(tree: FileTree, repo: Model['repos'][number]): ReadonlyMap<string, string> {
  return withOwnershipFile(repo.id, tree.get(repo.id) ?? new Map<string, string>(), ownershipFileIn(repo.path));
}

type RepoOptions = PublishOptions & { readonly botBranch: string; readonly identity: BotIdentity; readonly parser: HclParser };

/** A repo fetched into its (locked) cache clone, with its whole base tree read. */
interface OpenedRepo {
  readonly cache: RepoCache;
  readonly heads: RemoteHeads;
  readonly baseTree: BaseTree;
}

/** The live conflicts that refuse one repo (errors naming its files), and the warnings about it. */
interface LiveRefusal {
  readonly findings: readonly LiveFinding[];
  readonly files: readonly string[];
  readonly warnings: readonly string[];
}

/** Opens and fetches one repo and reads every text file of its base; a failed result when that fails (the clone is closed then). */
async function openRepo(
  options: RepoOptions,
  repo: Model['repos'][number],
  rendered: ReadonlyMap<string, string>,
  dir: string,
  progress: (e: ProgressEvent) => void,
): Promise<OpenedRepo | RepoResult> {
  const { redact, botBranch: bot } = options;
  const say = (message: string, step = false) => progress({ repo: repo.id, message: redact(message), step });
  let cache: RepoCache | undefined;
  try {
    say(`fetching ${repo.branch} and ${bot} from ${repo.url}`, true);
    cache = await RepoCache.open(options.git, dir, repo.url, redact, (holder) => say(`waiting for another joinkey run using ${dir} (${holder})`));
    const heads = await cache.fetch(repo.branch, bot);
    const ownership = ownershipFileIn(repo.path);
    const baseTree = await cache.baseTree(heads.baseSha, (own) => pathsToRead(rendered, own, ownership), ownership, { everyFile: true });
    return { cache, heads, baseTree };
  } catch (e) {
    await cache?.close();
    const reason = redact(e instanceof JoinkeyError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`);
    say(`failed: ${reason}`);
    return { repoId: repo.id, url: redact(repo.url), base: repo.branch, branch: bot, status: 'failed', reason, warnings: [] };
  }
}

/** What to tell the user about a repo refused for live conflicts: the files and lines, and which side to remove. */
export function liveRefusalReason(live: LiveRefusal): string {
  const pairs = live.findings.map((f) => `${f.file}:${f.line}:${f.col} (${f.rule}) with ${f.related.file}:${f.related.line}:${f.related.col}`);
  const n = live.findings.length;
  return `${n} live conflict${n === 1 ? '' : 's'} between generated and hand-written files (${live.files.join(', ')}): ${pairs.join('; ')}; remove the hand-written side, or keep it and take that object out of apps.yaml`;
}

async function publishRepo(
  options: RepoOptions,
  repo: Model['repos'][number],
  rendered: ReadonlyMap<string, string>,
  opened: OpenedRepo,
  live: LiveRefusal,
  liveEffects: RepoLiveEffects,
  adoption: Adoption | undefined,
  factory: RepoResult | undefined,
  progress: (e: ProgressEvent) => void,
): Promise<RepoResult> {
  const { redact, botBranch: bot, model } = options;
  const base = repo.branch;
  const say = (message: string, step = false) => progress({ repo: repo.id, message: redact(message), step });
  const common = { repoId: repo.id, url: redact(repo.url), base, branch: bot };
  const warnings: string[] = [...live.warnings];
  let stage: 'git' | 'pr' = 'git';
  let partial: RepoResult | undefined;
  const { cache, heads, baseTree } = opened;
  try {
    const repoAdoption = adoption?.byRepo.get(repo.id);
    const plan = planRepo(repo.id, baseTree, rendered, ownershipFileIn(repo.path), repoAdoption?.handOver);
    warnings.push(...plan.warnings);
    const summary = summarizePlan(model, plan, options.files, await readCentralEntries(plan, options.files, options.parser));
    const unacknowledged = liveEffects.unacknowledged.length;
    const handOverRefusals = adoption ? whyNotHandedOver(repo.id, liveEffects.effects, adoption) : [];
    const adopted = repoAdoption ? { adoption: repoAdoption } : {};
    if (plan.conflicts.length || live.findings.length || unacknowledged || handOverRefusals.length) {
      const reasons = [
        ...(plan.conflicts.length ? [plan.conflicts.map((c) => `${c.path} ${c.reason}`).join('; ')] : []),
        ...(live.findings.length ? [liveRefusalReason(live)] : []),
        ...liveEffects.refusals,
        ...handOverRefusals,
      ];
      if (plan.conflicts.length)
        say(
          `refused: ${plan.conflicts.length} generated path${plan.conflicts.length === 1 ? '' : 's'} taken by files joinkey does not own or that were edited by hand`,
        );
      if (live.findings.length)
        say(`refused: ${live.findings.length} live conflict${live.findings.length === 1 ? '' : 's'} with hand-written files (${live.files.join(', ')})`);
      if (unacknowledged)
        say(
          `refused: ${unacknowledged} destroy${unacknowledged === 1 ? '' : 's'} or rotation${unacknowledged === 1 ? '' : 's'} of stateful data that apps.yaml does not acknowledge (${liveEffects.unacknowledged.map(liveObjectName).join(', ')})`,
        );
      if (handOverRefusals.length) say(`refused: the hand-over (--adopt) would change live objects or cannot be proven`);
      return {
        ...common,
        status: 'refused',
        plan,
        summary,
        conflicts: plan.conflicts,
        ...(live.findings.length ? { liveConflicts: live.findings } : {}),
        liveEffects,
        ...adopted,
        ...(handOverRefusals.length ? { handOverRefusals } : {}),
        reason: reasons.join('; '),
        warnings,
      };
    }
    const botState = await cache.inspectBotBranch(heads.baseSha, heads.botSha, options.identity);
    if (botState.kind === 'foreign') {
      const reason = `branch ${bot} has commits not made by joinkey: ${botState.reason}. Joinkey will not overwrite them; merge or move that work, then delete the branch ${bot} and publish again`;
      say(`stopped: ${reason}`);
      return { ...common, status: 'stopped', plan, summary, liveEffects, ...adopted, reason, warnings };
    }
    // Decided from the base tree alone: when it holds every rendered file and nothing is to be
    // deleted, there is nothing to publish, however the bot branch was merged (squash, merge
    // commit, left in place). An open bot branch then proposes only stale files: it is deleted so
    // merging it cannot bring them back, and its PR (an empty diff) is closed.
    if (!hasChanges(plan)) {
      const stale = botState.kind === 'bot' && !(await cache.isMerged(botState.sha, heads.baseSha));
      if (stale && !options.dryRun) await cache.deleteBotBranch(bot, botState.sha);
      say(`${base} already holds every generated file; nothing to publish${stale ? `; ${options.dryRun ? 'would delete' : 'deleted'} the stale ${bot}` : ''}`);
      partial = { ...common, status: 'no-changes', plan, summary, liveEffects, ...adopted, ...(stale ? { staleBranchDeleted: true } : {}), warnings };
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
    partial = { ...common, status, plan, summary, liveEffects, ...adopted, ...(commit ? { commit } : {}), warnings };
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
    const text = pullRequestText(
      model,
      repo.id,
      base,
      bot,
      summary,
      liveEffects,
      options.files,
      note,
      repoAdoption && plan.handOver.length ? { changes: plan.handOver, adoption: repoAdoption } : undefined,
    );
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
        labels: [...(options.gitea.labels ?? []), ...(isDestructive(liveEffects) ? [DESTRUCTIVE_LABEL] : [])],
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
