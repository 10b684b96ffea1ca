import type { Path } from '../config/source';
import { DEFAULTS } from '../model/defaults';
import { keepersOf } from '../model/generated';
import { PASSWORD_ARGUMENTS } from '../model/random-password';
import type { AppModel, GeneratedKeyModel, Model } from '../model/model';
import { APP_ROLES_MODULE_LABEL, consumerResourceLabel, secretResourceLabel, tofuAddress } from '../model/names';
import { markerLine, type DeclaredObject, type FileOwner, type ObjectOwner, type RenderedFile } from '../render/files';
import { withProvenance } from '../render/provenance';
import { HCL_TEMPLATES } from './engine';
import { TofuGenError } from './errors';
import { alignAttributes, resourceLabel, type HclValue } from './hcl';

/**
 * The OpenTofu side of joinkey: HCL and tfvars rendered from Handlebars templates. Every value
 * comes from the resolved model (names are never re-derived here) and goes through the HCL
 * helpers; the views below only pick the model fields each template shows.
 */

/** The central files: tools' applications map and consumers, factory's databases map. */
export function renderCentralTofu(model: Model): RenderedFile[] {
  const { vault, postgres } = model.central;
  const central: FileOwner = { kind: 'central' };
  const applications = (origin: Path): DeclaredObject => ({ kind: 'tfvars', variable: 'applications', owner: { kind: 'central' }, origin });
  const appEntry = (app: AppModel, origin: Path): DeclaredObject => ({ kind: 'tfvars', variable: 'applications', key: app.name, owner: appOwner(app), origin });
  const files = [
    withProvenance(
      renderFile(vault.repo, vault.applicationsFile, 'applications', {
        apps: model.apps.map((app) => ({
          name: app.name,
          serviceAccountNames: app.extraServiceAccounts,
          serviceAccountNamespaces: app.extraNamespaces,
          policies: app.opsPolicies,
          empty: app.extraServiceAccounts.length + app.extraNamespaces.length + app.opsPolicies.length === 0,
        })),
      }),
      central,
      ['central', 'vault'],
      [applications(['central', 'vault']), ...model.apps.map((app) => appEntry(app, app.origin))],
    ),
  ];
  if (model.consumers.length > 0) {
    const labels = uniqueLabels(
      model.consumers.map((c) => c.name),
      consumerResourceLabel,
      'consumer',
    );
    const objects = model.consumers.flatMap((c, i): DeclaredObject[] => {
      const owner: ObjectOwner = { kind: 'consumer', name: c.name };
      return ['data.vault_policy_document', 'vault_policy', 'vault_kubernetes_auth_backend_role'].map((type) => ({
        kind: 'tofu',
        address: tofuAddress(type, labels[i]!),
        owner,
        origin: c.origin,
      }));
    });
    files.push(
      withProvenance(
        renderFile(vault.repo, vault.consumersFile, 'consumers', {
          consumers: model.consumers.map((c, i) => ({
            label: labels[i],
            reads: c.reads.map((r) => ({ policyPath: r.policyPath })),
            policy: c.policy,
            backend: model.vault.mounts.kubernetes,
            role: c.role,
            serviceAccountNames: noGlobs([c.serviceAccount], `consumer "${c.name}" serviceAccount`),
            serviceAccountNamespaces: noGlobs([c.namespace], `consumer "${c.name}" namespace`),
            tokenTtl: model.vault.tokenTtl,
            tokenPolicies: c.tokenPolicies,
            audience: model.vault.audience,
            aliasNameSource: DEFAULTS.aliasNameSource,
          })),
        }),
        central,
        ['consumers'],
        objects,
      ),
    );
  }
  const withDatabase = model.apps.filter((app) => app.database);
  files.push(
    withProvenance(
      renderFile(postgres.repo, postgres.databasesFile, 'databases', {
        apps: withDatabase.map((app) => ({ name: app.name, role: app.database!.role, database: app.database!.name })),
      }),
      central,
      ['central', 'postgres'],
      [applications(['central', 'postgres']), ...withDatabase.map((app) => appEntry(app, [...app.origin, 'database']))],
    ),
  );
  return files;
}

/** One app's IaC project: app_roles module, backend and provider, generated secrets. [] without a target. */
export function renderAppTofu(model: Model, app: AppModel): RenderedFile[] {
  const target = app.target;
  if (!target) return [];
  const generated = app.secrets.filter((s) => s.generate.length > 0);
  const owner: FileOwner = { kind: 'app', app: app.name };
  const iac: Path = [...app.origin, 'iac'];
  const tofu = (address: string, origin: Path): DeclaredObject => ({ kind: 'tofu', address, owner: appOwner(app), origin });
  const files = [
    withProvenance(
      renderFile(target.repo, target.files.appRoles, 'app-roles', {
        moduleLabel: APP_ROLES_MODULE_LABEL,
        source: model.vault.appRolesModule,
        name: app.name,
        serviceAccountNames: noGlobs(app.extraServiceAccounts, `app "${app.name}" serviceAccounts`),
        serviceAccountNamespaces: noGlobs(app.extraNamespaces, `app "${app.name}" namespaces`),
        hasDatabase: app.database !== undefined,
        database: app.database?.name ?? '',
      }),
      owner,
      iac,
      [tofu(tofuAddress('module', APP_ROLES_MODULE_LABEL), app.origin)],
    ),
    withProvenance(
      renderFile(target.repo, target.files.backend, 'backend', {
        random: target.files.secrets !== undefined,
        bucket: model.state.bucket,
        prefix: target.stateKeyPrefix,
        mount: model.vault.mounts.jwt,
        role: app.vault.ciRole,
      }),
      owner,
      iac,
      [tofu('terraform', iac), tofu(tofuAddress('provider', 'vault'), iac)],
    ),
  ];
  if (target.files.secrets !== undefined) {
    if (generated.length === 0) throw new TofuGenError(`internal: app "${app.name}" has a secrets file but no generated keys`);
    const labels = uniqueLabels(
      generated.map((s) => s.name),
      secretResourceLabel,
      `app "${app.name}" secret`,
    );
    files.push(
      withProvenance(
        renderFile(target.repo, target.files.secrets, 'secrets', {
          secrets: generated.map((s, i) => ({
            label: labels[i],
            keys: s.generate,
            ...passwordView(s.generated),
            mount: s.mount,
            kvPath: s.kvPath,
            ...(s.renamedFrom !== undefined ? { movedFrom: secretResourceLabel(s.renamedFrom) } : {}),
          })),
        }),
        owner,
        iac,
        generated.flatMap((s, i) => [
          tofu(tofuAddress('random_password', labels[i]!), [...s.origin, 'generate']),
          tofu(tofuAddress('vault_kv_secret_v2', labels[i]!), s.origin),
        ]),
      ),
    );
  } else if (generated.length > 0) {
    throw new TofuGenError(`internal: app "${app.name}" generates keys but its target has no secrets file`);
  }
  return files;
}

/**
 * The random_password arguments of one secret's resource, whose for_each makes one instance per
 * key. An argument with the same value for every key is written as a literal; one that differs
 * between keys is read from the key's entry in a for_each map (`each.value.<argument>`, null
 * where a key leaves it unset, which is the same as not setting it). Without such an argument,
 * for_each stays `toset([...keys])`. Either way the instance addresses are
 * `random_password.<label>["<KEY>"]`, so per-key options never move a password to a new address.
 */
interface PasswordView {
  /** The for_each map, one entry per key with the arguments that differ; false for `toset([...keys])`. */
  readonly perKey: readonly { readonly key: string; readonly values: readonly { readonly argument: string; readonly value: HclValue }[] }[] | false;
  /** Every argument some key sets, in the provider's order: a literal `value`, or read from `each.value`. */
  readonly arguments: readonly { readonly argument: string; readonly perKey: boolean; readonly value: HclValue }[];
}

function passwordView(keys: readonly GeneratedKeyModel[]): PasswordView {
  const columns = [
    ...PASSWORD_ARGUMENTS.map((a) => ({ argument: a.argument, values: keys.map((k): HclValue => k.password[a.option] ?? null) })),
    { argument: 'keepers', values: keys.map((k): HclValue => keepersOf(k) ?? null) },
  ].filter((c) => c.values.some((v) => v !== null));
  const same = (c: { values: HclValue[] }) => c.values.every((v) => JSON.stringify(v) === JSON.stringify(c.values[0]));
  const varying = columns.filter((c) => !same(c));
  return {
    perKey: varying.length === 0 ? false : keys.map((k, i) => ({ key: k.name, values: varying.map((c) => ({ argument: c.argument, value: c.values[i]! })) })),
    arguments: columns.map((c) =>
      same(c) ? { argument: c.argument, perKey: false, value: c.values[0]! } : { argument: c.argument, perKey: true, value: null },
    ),
  };
}

/** A generated file: the marker line, then the template output with attributes aligned like `tofu fmt`. */
function renderFile(repo: string, path: string, template: string, context: object): RenderedFile {
  const body = alignAttributes(HCL_TEMPLATES.render(template, context));
  return { repo, path, content: `${markerLine(path)}\n${body.replace(/\n+$/, '')}\n` };
}

const appOwner = (app: AppModel): ObjectOwner => ({ kind: 'app', name: app.name });

function uniqueLabels(names: readonly string[], derive: (name: string) => string, what: string): string[] {
  const labels = names.map((n) => resourceLabel(n, derive));
  const seen = new Map<string, string>();
  labels.forEach((label, i) => {
    const prev = seen.get(label);
    if (prev !== undefined) throw new TofuGenError(`${what}s "${prev}" and "${names[i]}" would both be the HCL resource "${label}"; rename one of them`);
    seen.set(label, names[i]!);
  });
  return labels;
}

/** Vault glob-matches bound SA and namespace names (`*` is its only wildcard): never emit one. */
function noGlobs(values: readonly string[], what: string): readonly string[] {
  const bad = values.find((v) => v.includes('*'));
  if (bad !== undefined) throw new TofuGenError(`${what} "${bad}" would be a wildcard in a Vault role binding; list exact names`);
  return values;
}
