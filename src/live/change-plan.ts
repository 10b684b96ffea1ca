import { hcl2jsonParser, inventoryRepos, type HclParser, type ManifestReads } from '../inventory';
import type { RepoTrees } from '../inventory/types';
import { liveInputs, type AppDirectory } from './from-inventory';
import { isStateful, orderLiveEffects, planKubeChanges, planLiveChanges } from './plan';
import type { RefactorSuggestion } from './refactor';
import type { ReplacementTable } from './replacement';
import type { LiveEffect } from './types';

/**
 * The change plan between two states of the target repos, each a repo tree: typically the base
 * branches (hand-written files plus joinkey's previous render) and the same repos with the new
 * render laid over them (`publishedTrees`). Both sides are inventoried with one parser, adapted
 * (from-inventory.ts) and planned: resources by planLiveChanges with the new side's moved,
 * removed and import blocks, Kubernetes objects by planKubeChanges.
 */

export interface LiveChangePlanOptions {
  /** One hcl2json parser for the run; a new one by default. */
  readonly parser?: HclParser;
  /** Which app each object belongs to; `appDirectory(beforeModel, afterModel)`. Without it no object has an app. */
  readonly apps?: AppDirectory;
  /** The apps still deployed after the change (the new apps.yaml's); default: the apps of the new side's objects. */
  readonly deployedApps?: Iterable<string>;
  readonly table?: ReplacementTable;
}

export interface LiveChangePlan {
  /** Every effect, in the order of the "## Live effects" table. */
  readonly effects: readonly LiveEffect[];
  /** The effects that destroy or rotate stateful data (isStateful): what the guard refuses unacknowledged. */
  readonly stateful: readonly LiveEffect[];
  readonly suggestions: readonly RefactorSuggestion[];
  /** What was not planned or not classified cleanly, one sentence each: the inventory's unreadable files, unexpanded instances, the planner's notes. */
  readonly notes: readonly string[];
}

export async function liveChangePlan(before: RepoTrees, after: RepoTrees, options: LiveChangePlanOptions = {}): Promise<LiveChangePlan> {
  const parser = options.parser ?? hcl2jsonParser();
  const manifestReads: ManifestReads = new Map();
  const side = async (trees: RepoTrees, label: string) => {
    const inventory = await inventoryRepos(trees, { parser, manifestReads });
    const inputs = await liveInputs(inventory, trees, { parser, ...(options.apps ? { apps: options.apps } : {}) });
    const unreadable = inventory.unreadable.map((u) => `${u.at.repo}/${u.at.path}:${u.at.line}:${u.at.col}: ${u.reason}`);
    return { inputs, notes: [...unreadable, ...inputs.notes].map((n) => `${label}: ${n}`) };
  };
  const b = await side(before, 'before');
  const a = await side(after, 'after');
  const deployedApps = [...(options.deployedApps ?? a.inputs.apps)];
  const tofu = planLiveChanges(b.inputs.resources, a.inputs.resources, a.inputs.moved, {
    deployedApps,
    removed: a.inputs.removed,
    imports: a.inputs.imports,
    ...(options.table ? { table: options.table } : {}),
  });
  const kube = planKubeChanges(b.inputs.objects, a.inputs.objects, { deployedApps });
  const effects = orderLiveEffects<LiveEffect>([...tofu.effects, ...kube]);
  return {
    effects,
    stateful: effects.filter(isStateful),
    suggestions: tofu.suggestions,
    notes: [...new Set([...b.notes, ...a.notes])].concat(tofu.notes),
  };
}
