import { DEFAULTS } from '../model/defaults';
import type { AppModel, Model } from '../model/model';
import { consumerResourceLabel, secretResourceLabel } from '../model/names';
import { markerLine, type RenderedFile } from '../render/files';
import { defaultEngine } from './engine';
import { TofuGenError } from './errors';
import { alignAttributes, resourceLabel } from './hcl';

/**
 * The OpenTofu side of joinkey: HCL and tfvars rendered from Handlebars templates. Every value
 * comes from the resolved model (names are never re-derived here) and goes through the HCL
 * helpers; the views below only pick the model fields each template shows.
 */

/** Resource labels of consumers and generated secrets that start with a digit get these prefixes. */

/** The central files: tools' applications map and consumers, factory's databases map. */
export function renderCentralTofu(model: Model): RenderedFile[] {
  const { vault, postgres } = model.central;
  const files = [
    renderFile(vault.repo, vault.applicationsFile, 'applications', {
      apps: model.apps.map((app) => ({
        name: app.name,
        serviceAccountNames: app.extraServiceAccounts,
        serviceAccountNamespaces: app.extraNamespaces,
        policies: app.opsPolicies,
        empty: app.extraServiceAccounts.length + app.extraNamespaces.length + app.opsPolicies.length === 0,
      })),
    }),
  ];
  if (model.consumers.length > 0) {
    const labels = uniqueLabels(model.consumers.map((c) => c.name), consumerResourceLabel, 'consumer');
    files.push(renderFile(vault.repo, vault.consumersFile, 'consumers', {
      consumers: model.consumers.map((c, i) => ({
        label: labels[i],
        reads: c.reads.map((r) => ({ policyPath: r.policyPath })),
        policy: c.policy,
        backend: model.vault.mounts.kubernetes,
        role: c.role,
        serviceAccountNames: noGlobs([c.serviceAccount], `consumer "${c.name}" serviceAccount`),
        serviceAccountNamespaces: noGlobs([c.namespace], `consumer "${c.name}" namespace`),
        tokenTtl: model.vault.tokenTtl,
        tokenPolicies: [DEFAULTS.basePolicy, c.policy],
        audience: model.vault.audience,
        aliasNameSource: DEFAULTS.aliasNameSource,
      })),
    }));
  }
  files.push(renderFile(postgres.repo, postgres.databasesFile, 'databases', {
    apps: model.apps.flatMap((app) => (app.database ? [{ name: app.name, role: app.database.role, database: app.database.name }] : [])),
  }));
  return files;
}

/** One app's IaC project: app_roles module, backend and provider, generated secrets. [] without a target. */
export function renderAppTofu(model: Model, app: AppModel): RenderedFile[] {
  const target = app.target;
  if (!target) return [];
  const generated = app.secrets.filter((s) => s.generate.length > 0);
  const files = [
    renderFile(target.repo, target.files.appRoles, 'app-roles', {
      source: model.vault.appRolesModule,
      name: app.name,
      serviceAccountNames: noGlobs(app.extraServiceAccounts, `app "${app.name}" serviceAccounts`),
      serviceAccountNamespaces: noGlobs(app.extraNamespaces, `app "${app.name}" namespaces`),
      hasDatabase: app.database !== undefined,
      database: app.database?.name ?? '',
    }),
    renderFile(target.repo, target.files.backend, 'backend', {
      random: target.files.secrets !== undefined,
      bucket: model.state.bucket,
      prefix: target.stateKeyPrefix,
      mount: model.vault.mounts.jwt,
      role: app.vault.ciRole,
    }),
  ];
  if (target.files.secrets !== undefined) {
    if (generated.length === 0) throw new TofuGenError(`internal: app "${app.name}" has a secrets file but no generated keys`);
    const labels = uniqueLabels(generated.map((s) => s.name), secretResourceLabel, `app "${app.name}" secret`);
    files.push(renderFile(target.repo, target.files.secrets, 'secrets', {
      secrets: generated.map((s, i) => ({ label: labels[i], keys: s.generate, length: s.length, mount: s.mount, kvPath: s.kvPath })),
    }));
  } else if (generated.length > 0) {
    throw new TofuGenError(`internal: app "${app.name}" generates keys but its target has no secrets file`);
  }
  return files;
}

/** A generated file: the marker line, then the template output with attributes aligned like `tofu fmt`. */
function renderFile(repo: string, path: string, template: string, context: object): RenderedFile {
  const body = alignAttributes(defaultEngine().render(template, context));
  return { repo, path, content: `${markerLine(path)}\n${body.replace(/\n+$/, '')}\n` };
}

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
