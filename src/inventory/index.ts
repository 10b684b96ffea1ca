import { OWNERSHIP_FILE, ownershipOf, parseOwnership } from '../ownership';
import { DOCS_REPO } from '../render/files';
import { findLiveConflicts, type LiveFinding } from './conflicts';
import { hcl2jsonParser, type HclParser } from './hcl';
import { moduleIdentities } from './identities';
import { inventoryRepoKube, type ManifestReads } from './kustomize';
import { inventoryRepoTofu } from './tofu';
import type { Inventory, KubeObject, KubePatch, LiveIdentity, RepoTrees, TofuModule, Unreadable } from './types';

/**
 * The inventory of live objects: a function of repo trees only (the parser is injected and has
 * no effects beyond its own start-up). Async because the HCL parser is.
 */

export interface InventoryOptions {
  /** One parser per run (hcl2json starts its WebAssembly once); a new one by default. */
  readonly parser?: HclParser;
  /** YAML reads shared with another inventory of the same repos (a change plan's two states). */
  readonly manifestReads?: ManifestReads;
}

export async function inventoryRepos(trees: RepoTrees, options: InventoryOptions = {}): Promise<Inventory> {
  const parser = options.parser ?? hcl2jsonParser();
  const objects: KubeObject[] = [];
  const patches: KubePatch[] = [];
  const modules: TofuModule[] = [];
  const identities: LiveIdentity[] = [];
  const unreadable: Unreadable[] = [];
  for (const repo of [...trees.keys()].sort()) {
    const files = trees.get(repo)!;
    const kube = inventoryRepoKube(repo, files, options.manifestReads);
    objects.push(...kube.objects);
    patches.push(...kube.patches);
    unreadable.push(...kube.unreadable);
    const tofu = await inventoryRepoTofu(repo, files, parser);
    modules.push(...tofu.modules);
    unreadable.push(...tofu.unreadable);
    for (const m of tofu.modules) {
      const ids = await moduleIdentities(m, parser);
      identities.push(...ids.identities);
      unreadable.push(...ids.unreadable);
    }
  }
  return { objects, patches, modules, identities, unreadable };
}

/** `over`'s files on top of `base`'s, repo by repo (a render overlaid on the target repos' checkouts). */
export function overlayTrees(base: RepoTrees, over: RepoTrees): RepoTrees {
  const out = new Map<string, Map<string, string>>();
  for (const [repo, files] of base) out.set(repo, new Map(files));
  for (const [repo, files] of over) {
    const target = out.get(repo) ?? new Map<string, string>();
    for (const [path, content] of files) target.set(path, content);
    out.set(repo, target);
  }
  return out;
}

/**
 * The repos as they will be once the render is published: each checkout without the files joinkey
 * owns there (listed in its ownership list, marker and hash intact: publish replaces or deletes
 * exactly those), with the render on top. Files edited by hand since joinkey wrote them stay, as
 * publish leaves them. The docs pseudo-repo is never published and is left out.
 */
export function publishedTrees(checkouts: RepoTrees, render: RepoTrees): RepoTrees {
  const kept = new Map<string, Map<string, string>>();
  for (const [repo, files] of checkouts) {
    if (repo === DOCS_REPO) continue;
    const list = parseOwnership(files.get(OWNERSHIP_FILE));
    kept.set(repo, new Map([...files].filter(([path, content]) => path !== OWNERSHIP_FILE && ownershipOf(path, content, list) !== 'owned')));
  }
  return overlayTrees(kept, new Map([...render].filter(([repo]) => repo !== DOCS_REPO)));
}

/**
 * What check --repos-dir, diff and publish need in one call: the inventory of the repos as publish
 * would leave them, and its conflicts (`finding.generated`: the render brings it).
 */
export async function liveConflicts(
  checkouts: RepoTrees,
  render: RepoTrees,
  options: InventoryOptions = {},
): Promise<{ inventory: Inventory; findings: LiveFinding[] }> {
  const inventory = await inventoryRepos(publishedTrees(checkouts, render), options);
  return { inventory, findings: findLiveConflicts(inventory) };
}

export { hcl2jsonParser, type HclParser } from './hcl';
export type { ManifestReads } from './kustomize';
export { conflictFilesByRepo, findLiveConflicts, LIVE_RULES, type LiveFinding, type LiveRule, type RelatedLocation } from './conflicts';
export type * from './types';
