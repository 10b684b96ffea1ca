import { DEFAULTS } from '../model/defaults';
import { appPolicyName, ciRoleName, k8sAuthRoleName, opsGroupName, opsPolicyName } from '../model/names';
import { evaluate, UNKNOWN, type EvalScope, type HclParser } from './hcl';
import { moduleScope } from './tofu';
import type { IdentityKind, LiveIdentity, TofuModule, Unreadable } from './types';

/**
 * The live Vault and PostgreSQL objects each module manages: from the resources that name them
 * (per for_each key when the keys are known), and from calls of the guidebook's app_roles and
 * app_policy modules, whose objects are named after their `name` input by src/model/names.ts.
 */

type Scalar = string | number | boolean | null;
type Attrs = Readonly<Record<string, Scalar>>;
interface Rule {
  readonly kind: IdentityKind;
  /** Attributes the name is made of, with their provider default when they have one. */
  readonly attrs: Readonly<Record<string, string | undefined>>;
  readonly name: (a: Attrs) => string;
}

/** Per resource type: the live object it manages, named as its provider names it. */
export const IDENTITY_RULES: Readonly<Record<string, Rule>> = {
  vault_policy: { kind: 'vault-policy', attrs: { name: undefined }, name: (a) => `${a.name}` },
  vault_kubernetes_auth_backend_role: {
    kind: 'vault-auth-role',
    attrs: { backend: 'kubernetes', role_name: undefined },
    name: (a) => `${a.backend}/${a.role_name}`,
  },
  vault_jwt_auth_backend_role: { kind: 'vault-auth-role', attrs: { backend: 'jwt', role_name: undefined }, name: (a) => `${a.backend}/${a.role_name}` },
  vault_kv_secret_v2: { kind: 'vault-kv-path', attrs: { mount: undefined, name: undefined }, name: (a) => `${a.mount}/${a.name}` },
  vault_kv_secret: { kind: 'vault-kv-path', attrs: { path: undefined }, name: (a) => `${a.path}` },
  vault_generic_secret: { kind: 'vault-kv-path', attrs: { path: undefined }, name: (a) => `${a.path}` },
  vault_database_secret_backend_role: { kind: 'vault-database-role', attrs: { backend: undefined, name: undefined }, name: (a) => `${a.backend}/${a.name}` },
  vault_identity_group: { kind: 'vault-identity-group', attrs: { name: undefined }, name: (a) => `${a.name}` },
  vault_mount: { kind: 'vault-mount', attrs: { path: undefined }, name: (a) => `${a.path}` },
  vault_auth_backend: { kind: 'vault-mount', attrs: { type: undefined, path: '' }, name: (a) => `auth/${a.path || a.type}` },
  postgresql_role: { kind: 'postgres-role', attrs: { name: undefined }, name: (a) => `${a.name}` },
  postgresql_database: { kind: 'postgres-database', attrs: { name: undefined }, name: (a) => `${a.name}` },
};

const MOUNTS = DEFAULTS.vault.mounts;

/** What the guidebook's modules create for one `name`. */
export const MODULE_IDENTITIES: Readonly<Record<string, (name: string, args: Attrs) => readonly { kind: IdentityKind; name: string }[]>> = {
  app_roles: (name, args) => [
    { kind: 'vault-auth-role', name: `${MOUNTS.kubernetes}/${k8sAuthRoleName(name)}` },
    ...(args.disable_database === true ? [] : [{ kind: 'vault-database-role' as const, name: `${MOUNTS.database}/${name}` }]),
  ],
  app_policy: (name) => [
    { kind: 'vault-policy', name: appPolicyName(name) },
    { kind: 'vault-policy', name: opsPolicyName(name) },
    { kind: 'vault-auth-role', name: `${MOUNTS.jwt}/${ciRoleName(name)}` },
    { kind: 'vault-identity-group', name: opsGroupName(name) },
  ],
};

/** `app_roles` for `git::ssh://...//hashicorp-vault/iac/modules/app_roles?ref=main` or `./modules/app_roles`. */
export function moduleKind(source: string | undefined): string | undefined {
  if (!source) return undefined;
  const path = source.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  return Object.hasOwn(MODULE_IDENTITIES, last) ? last : undefined;
}

const keyed = (address: string, key: string | undefined): string => (key === undefined ? address : `${address}[${JSON.stringify(key)}]`);

export async function moduleIdentities(m: TofuModule, parser: HclParser): Promise<{ identities: LiveIdentity[]; unreadable: Unreadable[] }> {
  const identities: LiveIdentity[] = [];
  const unreadable: Unreadable[] = [];
  const { vars, resources } = moduleScope(m);
  const forEachOrigin = (expr: unknown): string | undefined => {
    const v = typeof expr === 'string' ? /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(expr)?.[1] : undefined;
    const setting = v ? m.settings.get(v)?.at(-1) : undefined;
    return v ? `for_each over var.${v}${setting ? ` (set in ${setting.at.path})` : ' (its default)'}` : undefined;
  };
  /** One scope per instance: per for_each key, or the single instance. */
  const instances = (forEach: boolean, keys: readonly string[] | undefined, eachValues: unknown): { key?: string; scope: EvalScope }[] | undefined => {
    if (!forEach) return [{ scope: { vars, resources } }];
    if (!keys) return undefined;
    return keys.map((key) => ({
      key,
      scope: {
        vars,
        resources,
        each: {
          key,
          value: typeof eachValues === 'object' && eachValues !== null && !Array.isArray(eachValues) ? (eachValues as Record<string, unknown>)[key] : key,
        },
      },
    }));
  };

  for (const r of m.resources) {
    const rule = r.mode === 'managed' ? IDENTITY_RULES[r.type] : undefined;
    if (!rule) continue;
    const eachValues = r.forEach ? await evaluate(parser, r.body.for_each, { vars, resources }) : undefined;
    const list = instances(r.forEach, r.keys, eachValues);
    if (!list) {
      if (!m.child)
        unreadable.push({ at: r.at, reason: `${r.address}: its for_each keys are not known from the files, so the ${rule.kind}s it manages are not listed` });
      continue;
    }
    for (const { key, scope } of list) {
      const attrs: Record<string, Scalar> = {};
      let missing: string | undefined;
      for (const [attr, dflt] of Object.entries(rule.attrs)) {
        const v = Object.hasOwn(r.body, attr) ? await evaluate(parser, r.body[attr], scope) : dflt;
        if (v === undefined || v === UNKNOWN || (typeof v === 'object' && v !== null)) {
          missing = attr;
          break;
        }
        attrs[attr] = v;
      }
      if (missing) {
        if (!m.child)
          unreadable.push({
            at: r.at,
            reason: `${keyed(r.address, key)}: "${missing}" is not known from the files, so the ${rule.kind} it manages is not listed`,
          });
        continue;
      }
      identities.push({
        kind: rule.kind,
        name: rule.name(attrs),
        address: keyed(r.address, key),
        module: { repo: m.repo, dir: m.dir },
        at: r.at,
        generated: r.generated,
        via: r.forEach ? forEachOrigin(r.body.for_each) : undefined,
      });
    }
  }

  for (const c of m.modules) {
    const kind = moduleKind(c.source);
    if (!kind) continue;
    const eachValues = c.forEach ? await evaluate(parser, c.args.for_each, { vars, resources }) : undefined;
    const list = instances(c.forEach, c.keys, eachValues);
    if (!list) {
      unreadable.push({ at: c.at, reason: `module.${c.label}: its for_each keys are not known from the files, so the objects ${kind} creates are not listed` });
      continue;
    }
    for (const { key, scope } of list) {
      const name = await evaluate(parser, c.args.name, scope);
      if (typeof name !== 'string') {
        unreadable.push({
          at: c.at,
          reason: `${keyed(`module.${c.label}`, key)}: its name input is not known from the files, so the objects ${kind} creates are not listed`,
        });
        continue;
      }
      const args: Record<string, Scalar> = {};
      for (const [k, v] of Object.entries(c.args)) {
        const e = k === 'for_each' ? UNKNOWN : await evaluate(parser, v, scope);
        if (e !== UNKNOWN && (typeof e !== 'object' || e === null)) args[k] = e;
      }
      const via = `module ${kind} (the guidebook's naming)${c.forEach ? `, ${forEachOrigin(c.args.for_each) ?? 'for_each'}` : ''}`;
      for (const id of MODULE_IDENTITIES[kind]!(name, args)) {
        identities.push({ ...id, address: keyed(`module.${c.label}`, key), module: { repo: m.repo, dir: m.dir }, at: c.at, generated: c.generated, via });
      }
    }
  }
  return { identities, unreadable };
}
