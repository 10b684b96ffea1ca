import { coveredBy, localReference, modulePrefix, movedAddress, withoutKey, withoutKeys } from './address';
import { breakingUpdate, destroyDataEffect, destroyIsStateful, rotationDataEffect } from './data-effects';
import { suggestRefactoring, rootOf, type RefactorSuggestion } from './refactor';
import { effectOfChange, replacementTable, type ReplacementTable } from './replacement';
import type { Import, KubeLiveEffect, KubeObject, LiveEffect, LiveResource, Moved, Removed, TofuLiveEffect } from './types';

/**
 * The change plan in terms of live objects: between what the target branch declares (`before`)
 * and the new render (`after`), every added, removed or changed address gets exactly one effect.
 * Pure: the inventory of both sides comes in, effects and refactoring suggestions go out.
 *
 * A new address is destroy + create whatever the arguments, unless a `moved` block covers it
 * (opentofu refactoring.mdx L14-17, live-objects.md "Rules that apply everywhere"); a replacement
 * destroys first and then creates (behavior.mdx L113-116).
 */

export interface LivePlanOptions {
  /**
   * The apps still deployed after the change. Default: every `app` of the `after` resources.
   * Pass the apps of the new apps.yaml (or of the Kubernetes objects too) when known.
   */
  readonly deployedApps?: Iterable<string>;
  readonly table?: ReplacementTable;
  /** The `removed` blocks of the new render: a removed object is forgotten, not destroyed, unless destroy = true. */
  readonly removed?: readonly Removed[];
  /** The `import` blocks of the new render: an imported address adopts the live object instead of creating one. */
  readonly imports?: readonly Import[];
}

export interface LivePlan {
  /** In the order of the "## Live effects" table (see orderLiveEffects). */
  readonly effects: readonly TofuLiveEffect[];
  readonly suggestions: readonly RefactorSuggestion[];
  /** What could not be classified cleanly: duplicate addresses, ignored moved blocks, ambiguous pairs. */
  readonly notes: readonly string[];
}

const keyOf = (r: { readonly repo?: string; readonly module?: string }, address: string) => `${rootOf(r)}\u0000${address}`;

function indexUnique(rs: readonly LiveResource[], side: string, notes: string[]): Map<string, LiveResource> {
  const m = new Map<string, LiveResource>();
  for (const r of rs) {
    const k = keyOf(r, r.address);
    if (m.has(k)) notes.push(`${side}: ${rootOf(r)} declares ${r.address} twice; the first one is planned`);
    else m.set(k, r);
  }
  return m;
}

const sortedEntries = <V>(m: Map<string, V>): [string, V][] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Whether an object of this app is still deployed; unknown apps count as deployed. */
const deployedCheck = (deployed: ReadonlySet<string>) => (app: string | undefined) => app === undefined || deployed.has(app);

export function planLiveChanges(
  before: readonly LiveResource[],
  after: readonly LiveResource[],
  moved: readonly Moved[] = [],
  options: LivePlanOptions = {},
): LivePlan {
  const table = options.table ?? replacementTable();
  const notes: string[] = [];
  const beforeIdx = indexUnique(before, 'before', notes);
  const afterIdx = indexUnique(after, 'after', notes);
  const isDeployed = deployedCheck(new Set(options.deployedApps ?? after.flatMap((r) => (r.app === undefined ? [] : [r.app]))));
  const movesByRoot = new Map<string, Moved[]>();
  for (const m of moved) {
    const list = movesByRoot.get(rootOf(m));
    if (list) list.push(m);
    else movesByRoot.set(rootOf(m), [m]);
  }

  const effects = new Map<string, TofuLiveEffect>();
  const base = (r: LiveResource) => ({
    object: 'tofu' as const,
    repo: r.repo ?? '',
    module: r.module ?? '',
    type: r.type,
    ...(r.app !== undefined ? { app: r.app } : {}),
    appDeployed: isDeployed(r.app),
  });
  const matchedAfter = new Set<string>();
  const gone: LiveResource[] = [];

  for (const [, b] of sortedEntries(beforeIdx)) {
    let target = movedAddress(b.address, movesByRoot.get(rootOf(b)) ?? []);
    if (target !== b.address && afterIdx.has(keyOf(b, b.address))) {
      notes.push(
        `${rootOf(b)}: moved block from ${b.address} is ignored, because ${b.address} is still declared (OpenTofu refuses it: "Moved object still exists", internal/refactoring/move_validate.go L96)`,
      );
      target = b.address;
    } else if (target !== b.address && beforeIdx.has(keyOf(b, target))) {
      notes.push(`${rootOf(b)}: moved block to ${target} is ignored, because the base branch already holds an object there (OpenTofu refuses to move onto it)`);
      target = b.address;
    }
    const movedFrom = target !== b.address ? { movedFrom: b.address } : {};
    const a = afterIdx.get(keyOf(b, target));
    if (!a || a.type !== b.type || matchedAfter.has(keyOf(a, a.address))) {
      if (target !== b.address) notes.push(`${rootOf(b)}: ${b.address} is moved to ${target}, which the new render does not declare: OpenTofu destroys it`);
      gone.push(b);
      continue;
    }
    matchedAfter.add(keyOf(a, a.address));
    const change = effectOfChange(b.type, b.args, a.args, table);
    const at = { ...base(a), address: a.address, ...movedFrom };
    if (change.effect === 'none') {
      if (target !== b.address)
        effects.set(keyOf(a, a.address), {
          ...at,
          effect: 'move',
          causes: [`moved from ${b.address}`],
          dataEffect: 'none: OpenTofu moves the object in state; nothing changes live',
        });
      continue;
    }
    if (change.effect === 'replace') {
      const rotates = b.type === 'random_password';
      effects.set(keyOf(a, a.address), {
        ...at,
        effect: rotates ? 'rotate' : 'replace',
        causes: change.arguments,
        ...(rotates ? { keepers: { before: b.args.keepers, after: a.args.keepers } } : {}),
        dataEffect: rotates
          ? `replaced: a new value is generated and the old one is lost (random v3.9.0 resource_password.go: every argument forces replacement)`
          : `destroyed, then created again: ${destroyDataEffect(b.type, b.args)}`,
      });
      continue;
    }
    const breaking = breakingUpdate(b.type, b.args, a.args, change.arguments);
    effects.set(keyOf(a, a.address), {
      ...at,
      effect: 'update',
      causes: change.arguments,
      dataEffect: breaking ? 'none lost; see breaking' : 'none: updated in place',
      ...(breaking ? { breaking } : {}),
    });
  }

  // A block with an object standing for instances nobody can list (a for_each not known from the
  // files) on one side and declared on both: none of its instances is planned, neither destroyed
  // nor created, since which of them exist is not known.
  const blockOf = (r: LiveResource) => keyOf(r, withoutKeys(r.address));
  const declaredBy = (rs: readonly LiveResource[]) => new Set(rs.map(blockOf));
  const inBefore = declaredBy(before);
  const inAfter = declaredBy(after);
  const unknownBlocks = new Map<string, string>();
  for (const [rs, side] of [
    [before, 'before'],
    [after, 'after'],
  ] as const)
    for (const r of rs)
      if (r.unexpanded && inBefore.has(blockOf(r)) && inAfter.has(blockOf(r)) && !unknownBlocks.has(blockOf(r)))
        unknownBlocks.set(blockOf(r), `${rootOf(r)}: ${withoutKeys(r.address)} is not planned: its instances are not known from the files on the ${side} side`);
  notes.push(...unknownBlocks.values());
  const planned = (r: LiveResource) => !unknownBlocks.has(blockOf(r));
  gone.splice(0, gone.length, ...gone.filter(planned));
  const come = sortedEntries(afterIdx)
    .filter(([k]) => !matchedAfter.has(k))
    .map(([, r]) => r)
    .filter(planned);
  const declared = new Set(after.map((r) => keyOf(r, withoutKey(r.address))));
  const forgotten = (r: LiveResource) => (options.removed ?? []).find((m) => rootOf(m) === rootOf(r) && m.destroy !== true && coveredBy(r.address, m.from));
  const imported = new Set((options.imports ?? []).map((i: Import) => keyOf(i, i.to)));
  const refactor = suggestRefactoring(
    gone.filter((r) => !forgotten(r)),
    come.filter((r) => !imported.has(keyOf(r, r.address))),
    declared,
  );
  notes.push(...refactor.ambiguous);
  const pairedWith = new Map<string, { to: string; hcl: string }>();
  for (const s of refactor.suggestions) {
    if (s.kind === 'moved') pairedWith.set(`${s.repo}/${s.module}\u0000${s.from}`, { to: `${s.repo}/${s.module} ${s.to}`, hcl: s.hcl });
    else
      pairedWith.set(`${s.from.repo}/${s.from.module}\u0000${s.from.address}`, {
        to: `${s.to.repo}/${s.to.module} ${s.to.address}`,
        hcl: [s.removedHcl, s.importHcl].filter(Boolean).join('\n'),
      });
  }

  const rotated: LiveResource[] = [];
  const pairTargets = new Set([...pairedWith.values()].map((p) => p.to));
  for (const b of gone) {
    const removal = forgotten(b);
    if (removal) {
      effects.set(keyOf(b, b.address), {
        ...base(b),
        address: b.address,
        effect: 'forget',
        causes: [`removed block from ${removal.from}`],
        dataEffect: 'none: OpenTofu drops it from state; the live object stays, no longer managed here',
      });
      continue;
    }
    const pair = pairedWith.get(keyOf(b, b.address));
    const rotates = b.type === 'random_password' && pair !== undefined;
    effects.set(keyOf(b, b.address), {
      ...base(b),
      address: b.address,
      effect: rotates ? 'rotate' : 'destroy',
      causes: pair ? [`address changes to ${pair.to} without a moved block`] : ['no longer declared'],
      dataEffect: rotates ? `destroyed here and created at ${pair.to}: a new value is generated and the old one is lost` : destroyDataEffect(b.type, b.args),
      ...(pair ? { avoidableBy: pair.hcl } : {}),
    });
  }
  for (const a of come) {
    if (imported.has(keyOf(a, a.address))) {
      effects.set(keyOf(a, a.address), {
        ...base(a),
        address: a.address,
        effect: 'import',
        causes: ['import block'],
        dataEffect: 'none: adopts the live object; the next plan updates it to this configuration',
      });
      continue;
    }
    effects.set(keyOf(a, a.address), { ...base(a), address: a.address, effect: 'create', causes: ['newly declared'], dataEffect: '' });
    if (a.type === 'random_password' && pairTargets.has(`${rootOf(a)} ${a.address}`)) rotated.push(a);
  }
  for (const e of effects.values()) if (e.effect === 'rotate' && afterIdx.has(keyOf(e, e.address))) rotated.push(afterIdx.get(keyOf(e, e.address))!);

  // A rotated secret changes the data of every resource of its module that reads it
  // (replacement.json random_password.destroy_effect).
  const readers = new Map<string, { key: string; resource: LiveResource }[]>();
  if (rotated.length > 0) {
    for (const [key, r] of sortedEntries(afterIdx)) {
      for (const m of JSON.stringify(r.args).matchAll(SECRET_REFERENCE)) {
        const at = `${rootOf(r)}\u0000${modulePrefix(r.address, r.type)}${m[1]}`;
        const list = readers.get(at);
        if (!list) readers.set(at, [{ key, resource: r }]);
        else if (list.at(-1)!.key !== key) list.push({ key, resource: r });
      }
    }
  }
  for (const secret of rotated) {
    const cause = `rotation of ${secret.address}`;
    for (const { key, resource: r } of readers.get(
      `${rootOf(secret)}\u0000${modulePrefix(secret.address, secret.type)}${localReference(secret.address, secret.type)}`,
    ) ?? []) {
      if (r === secret) continue;
      const existing = effects.get(key);
      if (existing && (existing.effect === 'create' || existing.effect === 'destroy')) continue;
      if (existing) {
        if (!existing.causes.includes(cause))
          effects.set(key, { ...existing, causes: [...existing.causes, cause], rotation: existing.rotation ?? secret.address });
        continue;
      }
      effects.set(key, {
        ...base(r),
        address: r.address,
        effect: 'update',
        causes: [cause],
        dataEffect: rotationDataEffect(r.type, secret.address),
        rotation: secret.address,
      });
    }
  }

  return { effects: orderLiveEffects([...effects.values()]), suggestions: refactor.suggestions, notes };
}

/** A reference to a generated secret in an argument's text (`random_password.<name>`, as hcl2json keeps expressions). */
const SECRET_REFERENCE = /(?:^|[^\w.-])(random_password\.[A-Za-z_][\w-]*)(?![\w-])/g;

/** The group and kind of a Kubernetes object: its identity does not depend on the API version. */
export function kubeIdentity(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  return `${group}/${o.kind}/${o.namespace}/${o.name}`;
}

/** The API group of the Vault Secrets Operator's custom resources. */
export const VSO_GROUP = 'secrets.hashicorp.com';

const isVsoSecret = (o: KubeObject) => kubeIdentity(o).startsWith(`${VSO_GROUP}/`) && o.destinationSecret !== undefined;

/**
 * Kubernetes objects by identity: created, updated (any other difference) or destroyed. A VSO
 * secret object with `destination.create: true` owns its Secret through an ownerReference, so
 * deleting the object lets garbage collection delete the Secret, and renaming the destination
 * deletes the Secret under the old name (live-objects.md "VSO destination ownership":
 * vault-secrets-operator v1.4.1 helpers/secrets.go SyncSecret L145-318, pruneOrphanSecrets
 * L320-337; with `create: false` the Secret outlives the object, L187-207).
 */
export function planKubeChanges(
  before: readonly KubeObject[],
  after: readonly KubeObject[],
  options: Pick<LivePlanOptions, 'deployedApps'> = {},
): KubeLiveEffect[] {
  const index = (os: readonly KubeObject[]) => {
    const m = new Map<string, KubeObject>();
    for (const o of os) if (!m.has(`${o.repo ?? ''}\u0000${kubeIdentity(o)}`)) m.set(`${o.repo ?? ''}\u0000${kubeIdentity(o)}`, o);
    return m;
  };
  const b = index(before);
  const a = index(after);
  const isDeployed = deployedCheck(new Set(options.deployedApps ?? after.flatMap((o) => (o.app === undefined ? [] : [o.app]))));
  const effects: KubeLiveEffect[] = [];
  const secretOf = (o: KubeObject) => `Secret ${o.namespace}/${o.destinationSecret}`;
  const base = (o: KubeObject) => ({
    object: 'kubernetes' as const,
    repo: o.repo ?? '',
    identity: kubeIdentity(o),
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    ...(o.app !== undefined ? { app: o.app } : {}),
    appDeployed: isDeployed(o.app),
  });
  for (const [k, old] of sortedEntries(b)) {
    const now = a.get(k);
    if (!now) {
      const owned = isVsoSecret(old) && old.destinationCreate === true;
      effects.push({
        ...base(old),
        effect: 'destroy',
        causes: ['no longer declared'],
        dataEffect: owned
          ? `Kubernetes garbage collection deletes ${secretOf(old)} (VSO set an ownerReference to this object: destination.create is true)`
          : isVsoSecret(old)
            ? `${secretOf(old)} stays (destination.create is false: VSO never owned it) and is no longer synced`
            : 'deleted from the cluster',
        ...(owned && isDeployed(old.app) ? { breaking: `pods reading ${secretOf(old)} lose it` } : {}),
      });
      continue;
    }
    const causes: string[] = [];
    if (now.apiVersion !== old.apiVersion) causes.push('apiVersion');
    if (now.destinationSecret !== old.destinationSecret) causes.push('destination.name');
    if ((now.destinationCreate ?? false) !== (old.destinationCreate ?? false)) causes.push('destination.create');
    if (JSON.stringify(sortDeep(now.body)) !== JSON.stringify(sortDeep(old.body))) causes.push('spec');
    if (causes.length === 0) continue;
    const renamed = causes.includes('destination.name') && isVsoSecret(old) && old.destinationCreate === true;
    effects.push({
      ...base(now),
      effect: 'update',
      causes,
      dataEffect: renamed
        ? `VSO deletes ${secretOf(old)}, which it owned under the old name (pruneOrphanSecrets), and writes ${now.destinationSecret === undefined ? 'no Secret' : secretOf(now)}`
        : 'none: updated in place',
      ...(renamed ? { breaking: `pods reading ${secretOf(old)} lose it` } : {}),
    });
  }
  for (const [k, now] of sortedEntries(a)) if (!b.has(k)) effects.push({ ...base(now), effect: 'create', causes: ['newly declared'], dataEffect: '' });
  return orderLiveEffects(effects);
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
    );
  return v ?? null;
}

/**
 * Whether the effect destroys or rotates stateful data, which the guard refuses unless apps.yaml
 * acknowledges it: databases, generated secrets and kv data, and the Vault roles and policies of
 * an app still deployed (issue 9 part 4). A replace is a destroy first. An update caused by a
 * rotation rotates kv data. Kubernetes objects hold no data of their own (VSO re-syncs a Secret
 * from Vault); their deletions are marked `breaking` instead.
 */
export function isStateful(effect: LiveEffect): boolean {
  if (effect.object === 'kubernetes') return false;
  switch (effect.effect) {
    case 'rotate':
      return true;
    case 'destroy':
    case 'replace':
      return destroyIsStateful(effect.type, effect.appDeployed);
    case 'update':
      return effect.rotation !== undefined;
    case 'create':
    case 'import':
    case 'move':
    case 'forget':
      return false;
  }
}

const RANK: Readonly<Record<LiveEffect['effect'], number>> = { destroy: 0, rotate: 1, replace: 2, create: 3, import: 4, update: 5, move: 6, forget: 7 };

const where = (e: LiveEffect) => (e.object === 'tofu' ? `${e.repo}\u0000${e.module}\u0000${e.address}` : `${e.repo}\u0000\u0000${e.identity}`);

/** Destroys, rotations, replaces, then creates, imports, updates, moves and forgets; by repo, root module and address within each. */
export function orderLiveEffects<E extends LiveEffect>(effects: readonly E[]): E[] {
  return [...effects].sort((x, y) => RANK[x.effect] - RANK[y.effect] || (where(x) < where(y) ? -1 : where(x) > where(y) ? 1 : 0));
}
