import { alignAttributes, hclString } from '../tofu-gen/hcl';
import { instanceKey, localReference, withoutKey } from './address';
import { canonicalValue, META_ARGUMENTS, type Args } from './replacement';
import type { LiveResource } from './types';

/**
 * Refactoring blocks that turn a destroy + create of the same object into no live change.
 *
 * - Within one root module, `moved { from to }` (OpenTofu v1.6.0+, opentofu
 *   website/docs/language/modules/develop/refactoring.mdx). It takes only `from` and `to`, no
 *   `for_each` (internal/configs/moved.go L83-93; opentofu#1475 open), so one block per key.
 * - Between two root modules `moved` cannot work: it is matched against the prior state of the
 *   configuration being planned (refactoring.mdx L37-42). Instead `removed { from; lifecycle {
 *   destroy = false } }` in the old root (v1.10.0, #2556; `from` takes no instance key,
 *   resources/syntax.mdx L144, and the resource block must be gone) and `import { to; id }` in the
 *   new one (root module only, internal/configs/config_build.go L233-240).
 * (live-objects.md "OpenTofu moved", "OpenTofu import and removed".)
 */

export interface ModuleLocation {
  readonly repo: string;
  readonly module: string;
  readonly address: string;
}

export interface MovedSuggestion {
  readonly kind: 'moved';
  readonly repo: string;
  readonly module: string;
  readonly from: string;
  readonly to: string;
  /** The block to add to the root module. */
  readonly hcl: string;
}

export interface RemovedImportSuggestion {
  readonly kind: 'removed-import';
  readonly from: ModuleLocation;
  readonly to: ModuleLocation;
  /** For the old root module. */
  readonly removedHcl: string;
  /** For the new root module; undefined when the import id cannot be written to git. */
  readonly importHcl?: string;
  /** What must hold for the blocks to work. */
  readonly notes: readonly string[];
}

export type RefactorSuggestion = MovedSuggestion | RemovedImportSuggestion;

export interface RefactorPlan {
  readonly suggestions: readonly RefactorSuggestion[];
  /** Disappeared and appeared objects that look alike but cannot be paired without guessing. */
  readonly ambiguous: readonly string[];
}

export const rootOf = (r: { readonly repo?: string; readonly module?: string }): string => `${r.repo ?? ''}/${r.module ?? ''}`;

/** The arguments that say what the object is: meta-arguments (for_each, ...) left out. */
function identityOf(r: LiveResource): string {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.args)) if (!META_ARGUMENTS.has(k)) args[k] = v;
  return `${r.type}\u0000${canonicalValue(args)}`;
}

export function movedBlock(from: string, to: string): string {
  return alignAttributes(`moved {\n  from = ${from}\n  to = ${to}\n}`);
}

export function removedBlock(from: string): string {
  return `removed {\n  from = ${from}\n  lifecycle {\n    destroy = false\n  }\n}`;
}

export function importBlock(to: string, id: string): string {
  return `import {\n  to = ${to}\n  id = ${hclString(id)}\n}`;
}

const literal = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && !v.includes('${') ? v : undefined);

/**
 * The import id of an object from its arguments, in the format replacement.json's import_id
 * gives, or undefined when an argument is not a literal or the id is not in the configuration
 * (vault_identity_group's UUID) or must not be written to git (random_password's id is the
 * password itself, resource_password.go L114-146).
 */
export function importId(type: string, args: Args): string | undefined {
  const parts = (...vs: unknown[]) => (vs.every((v) => literal(v) !== undefined) ? vs.map((v) => literal(v)!) : undefined);
  switch (type) {
    case 'vault_policy':
    case 'postgresql_role':
    case 'postgresql_database':
      return literal(args.name);
    case 'vault_kv_secret_v2': {
      const p = parts(args.mount, args.name);
      return p && `${p[0]}/data/${p[1]}`;
    }
    case 'vault_kubernetes_auth_backend_role':
    case 'vault_jwt_auth_backend_role': {
      const p = parts(args.backend ?? (type === 'vault_jwt_auth_backend_role' ? 'jwt' : 'kubernetes'), args.role_name);
      return p && `auth/${p[0]}/role/${p[1]}`;
    }
    case 'vault_database_secret_backend_role': {
      const p = parts(args.backend, args.name);
      return p && `${p[0]}/roles/${p[1]}`;
    }
    default:
      return undefined;
  }
}

/** Pairs items of `a` and `b` whose `by` value is unique on both sides; returns the pairs and the rest. */
function pairUnique<T>(a: T[], b: T[], by: (x: T) => string): { pairs: [T, T][]; restA: T[]; restB: T[] } {
  const count = (xs: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const k = by(x);
      const list = m.get(k);
      if (list) list.push(x);
      else m.set(k, [x]);
    }
    return m;
  };
  const ma = count(a);
  const mb = count(b);
  const pairs: [T, T][] = [];
  const used = new Set<T>();
  for (const [k, xs] of ma) {
    const ys = mb.get(k);
    if (xs.length === 1 && ys?.length === 1) {
      pairs.push([xs[0]!, ys[0]!]);
      used.add(xs[0]!).add(ys[0]!);
    }
  }
  return { pairs, restA: a.filter((x) => !used.has(x)), restB: b.filter((x) => !used.has(x)) };
}

/** Pairs by instance key and local reference, then key, then reference, then a lone pair. */
function pairAlike(gone: LiveResource[], come: LiveResource[]): { pairs: [LiveResource, LiveResource][]; restA: LiveResource[]; restB: LiveResource[] } {
  const pairs: [LiveResource, LiveResource][] = [];
  let a = gone;
  let b = come;
  const keys: ((r: LiveResource) => string)[] = [
    (r) => `${localReference(r.address, r.type)}${instanceKey(r.address)}`,
    (r) => instanceKey(r.address),
    (r) => localReference(r.address, r.type),
    () => '',
  ];
  for (const by of keys) {
    const step = pairUnique(a, b, by);
    pairs.push(...step.pairs);
    a = step.restA;
    b = step.restB;
  }
  return { pairs, restA: a, restB: b };
}

const byAddress = (x: LiveResource, y: LiveResource) => {
  const kx = `${rootOf(x)}\u0000${x.address}`;
  const ky = `${rootOf(y)}\u0000${y.address}`;
  return kx < ky ? -1 : kx > ky ? 1 : 0;
};

/**
 * Suggestions for objects that disappear (`gone`, as the base branch declares them) while an
 * object of the same type with identical arguments appears (`come`): a `moved` block in the same
 * root module, else `removed` + `import` across root modules. `stillDeclared` holds the
 * `<root>/<resource>` of every resource the new render declares, because `removed` needs the whole
 * resource block gone.
 */
export function suggestRefactoring(gone: readonly LiveResource[], come: readonly LiveResource[], stillDeclared: ReadonlySet<string>): RefactorPlan {
  const group = (rs: readonly LiveResource[], key: (r: LiveResource) => string) => {
    const m = new Map<string, LiveResource[]>();
    for (const r of [...rs].sort(byAddress)) {
      const k = key(r);
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const suggestions: RefactorSuggestion[] = [];
  const ambiguous: string[] = [];
  const leftGone: LiveResource[] = [];
  const leftCome: LiveResource[] = [];

  const sameRoot = (r: LiveResource) => `${rootOf(r)}\u0000${identityOf(r)}`;
  const comeByRoot = group(come, sameRoot);
  const goneByRoot = group(gone, sameRoot);
  for (const [key, gs] of goneByRoot) {
    const { pairs, restA, restB } = pairAlike(gs, comeByRoot.get(key) ?? []);
    for (const [g, c] of pairs) {
      suggestions.push({ kind: 'moved', repo: g.repo ?? '', module: g.module ?? '', from: g.address, to: c.address, hcl: movedBlock(g.address, c.address) });
    }
    if (restA.length > 0 && restB.length > 0) {
      ambiguous.push(
        `${rootOf(gs[0]!)}: ${restA.map((r) => r.address).join(', ')} and ${restB.map((r) => r.address).join(', ')} have identical arguments; write the moved blocks by hand`,
      );
    } else {
      leftGone.push(...restA);
      leftCome.push(...restB);
    }
    comeByRoot.delete(key);
  }
  for (const cs of comeByRoot.values()) leftCome.push(...cs);

  const comeAnywhere = group(leftCome, identityOf);
  for (const [key, gs] of group(leftGone, identityOf)) {
    const cs = comeAnywhere.get(key) ?? [];
    if (gs.length !== 1 || cs.length !== 1) {
      if (cs.length > 0)
        ambiguous.push(
          `${gs.map((r) => `${rootOf(r)} ${r.address}`).join(', ')} and ${cs.map((r) => `${rootOf(r)} ${r.address}`).join(', ')} have identical arguments in different root modules; move them by hand`,
        );
      continue;
    }
    const g = gs[0]!;
    const c = cs[0]!;
    const resource = withoutKey(g.address);
    const notes = [
      'removed with lifecycle { destroy = false } needs OpenTofu v1.10.0 or later (#2556)',
      'apply the import in the new root module before the removed in the old one, so the object is never unmanaged',
    ];
    if (stillDeclared.has(`${rootOf(g)}\u0000${resource}`))
      notes.push(
        `removed takes no instance key and needs the whole resource ${resource} gone from ${rootOf(g)}, but other instances of it remain: split it out first`,
      );
    const id = importId(c.type, c.args);
    if (id === undefined)
      notes.push(
        c.type === 'random_password'
          ? 'the import id of a random_password is the password itself, which must not be written to git: import it by hand with tofu import'
          : `the import id (${c.type}: see import_id in schemas/tofu-replacement.json) is not a literal in the configuration: fill it in`,
      );
    suggestions.push({
      kind: 'removed-import',
      from: { repo: g.repo ?? '', module: g.module ?? '', address: g.address },
      to: { repo: c.repo ?? '', module: c.module ?? '', address: c.address },
      removedHcl: removedBlock(resource),
      ...(id !== undefined ? { importHcl: importBlock(c.address, id) } : {}),
      notes,
    });
  }
  return { suggestions, ambiguous };
}
