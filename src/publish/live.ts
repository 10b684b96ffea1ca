import type { RepoTrees } from '../inventory/types';
import { publishedTrees, type HclParser } from '../inventory';
import {
  deployedNames,
  guardFindings,
  guardLiveChanges,
  liveAppDirectory,
  liveChangePlan,
  renderLiveEffects,
  type Acknowledged,
  type LiveEffect,
  type RefactorSuggestion,
} from '../live';
import { accessReviewOfTrees, renderAccessReview } from '../access';
import { formatPath } from '../config/source';
import type { Model } from '../model/model';
import type { FileTree } from '../render/files';

/**
 * What publishing does to live objects, per target repo: the change plan from the base branches
 * to the base branches with the render laid over them (src/live), and the guard's verdict on its
 * stateful effects. A repo with an unacknowledged destroy or rotation of stateful data is refused;
 * the others' PR bodies open with the "## Live effects" table, and a PR with any destroy carries
 * DESTRUCTIVE_LABEL.
 */

/** The label of a PR whose merge destroys a live object. */
export const DESTRUCTIVE_LABEL = 'joinkey:destructive';

export interface RepoLiveEffects {
  /** Every effect in this repo, in the table's order. */
  readonly effects: readonly LiveEffect[];
  /** Stateful effects apps.yaml acknowledges, with what acknowledges each. */
  readonly acknowledged: readonly Acknowledged[];
  /** Stateful effects apps.yaml does not acknowledge: publish refuses the repo. */
  readonly unacknowledged: readonly LiveEffect[];
  /** One line per unacknowledged effect: the apps.yaml key to change, the object, what it loses and how to acknowledge or avoid it. */
  readonly refusals: readonly string[];
  readonly suggestions: readonly RefactorSuggestion[];
  /** What the plan could not read or classify in this repo. */
  readonly notes: readonly string[];
  /**
   * The "## Access changes" section (src/access): who gains or loses which Vault paths, across
   * all repos of the run. Set on the repo of the central Vault IaC, whose PR carries it.
   */
  readonly access?: string;
}

/**
 * The live effects of publishing `tree` into `checkouts` (repo id -> every text file of its base
 * branch), across those repos at once (an object can move between repos), split per repo. With
 * publish --adopt, the render is laid over `handedOver`: the checkouts as the hand-over leaves them.
 */
export async function liveEffectsByRepo(
  model: Model,
  checkouts: RepoTrees,
  tree: FileTree,
  parser: HclParser,
  handedOver: RepoTrees = checkouts,
): Promise<Map<string, RepoLiveEffects>> {
  const render = new Map([...tree].filter(([repo]) => checkouts.has(repo)));
  const after = publishedTrees(handedOver, render);
  const apps = liveAppDirectory(model, checkouts);
  const plan = await liveChangePlan(checkouts, after, { parser, apps, deployedApps: deployedNames(model) });
  const review = await accessReviewOfTrees(checkouts, after, { parser, apps });
  const accessRepo = model.central.vault.repo;
  const verdict = guardLiveChanges(plan, model);
  const out = new Map<string, RepoLiveEffects>();
  for (const repo of checkouts.keys()) {
    const unacknowledged = verdict.unacknowledged.filter((e) => e.repo === repo);
    out.set(repo, {
      effects: plan.effects.filter((e) => e.repo === repo),
      acknowledged: verdict.acknowledged.filter((a) => a.effect.repo === repo),
      unacknowledged,
      refusals: guardFindings({ unacknowledged, acknowledged: [] }, model).map((f) => `${formatPath(f.path)}${f.message}`),
      suggestions: plan.suggestions.filter((s) => (s.kind === 'moved' ? s.repo === repo : s.from.repo === repo || s.to.repo === repo)),
      notes: plan.notes.filter((n) => new RegExp(`^(before|after): ${escapeRegExp(repo)}/`).test(n)),
      ...(repo === accessRepo ? { access: renderAccessReview(review.changes, review.notes) } : {}),
    });
  }
  return out;
}

/** A live effect's object as a refusal line names it: `factory/postgres/iac postgresql_database.db["x"]`, `tools VaultAuth/ns/name`. */
export function liveObjectName(e: LiveEffect): string {
  return e.object === 'tofu' ? `${e.repo}/${e.module} ${e.address}` : `${e.repo} ${e.identity}`;
}

/** Whether merging the PR destroys a live object: a destroy, or a replace or rotation (destroy, then create). */
export function isDestructive(live: RepoLiveEffects): boolean {
  return live.effects.some((e) => e.effect === 'destroy' || e.effect === 'replace' || e.effect === 'rotate');
}

/** The "## Live effects" section of a PR body. */
export function liveEffectsSection(live: RepoLiveEffects): string {
  const effects = renderLiveEffects(live.effects, live.suggestions, live.acknowledged);
  return live.access === undefined ? effects : `${effects.trimEnd()}\n\n${live.access.trimEnd()}\n`;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
