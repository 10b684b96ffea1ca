import type { Model } from '../model/model';
import { inKvSpace, mountPath, restartTargetText, stateLocation } from '../model/names';
import type { AppFileIndex } from '../render/provenance';

/** Everything one `<app>` name produces across the repos: the join-key view of the guidebook. */
export interface Explanation {
  readonly app: string;
  readonly namespace: string;
  readonly serviceAccounts: readonly string[];
  readonly boundNamespaces: readonly string[];
  readonly vaultRole: {
    readonly name: string;
    readonly path: string;
    readonly audience: string;
    readonly tokenTtl: number;
    readonly tokenPolicies: readonly string[];
  };
  readonly policies: readonly { readonly name: string; readonly paths: readonly { readonly path: string; readonly capabilities: readonly string[] }[] }[];
  readonly ciRole: { readonly name: string; readonly mount: string; readonly tokenPolicies: readonly string[]; readonly group: string };
  readonly postgres?: { readonly role: string; readonly database: string; readonly dynamicRolePath: string; readonly credsPath: string };
  readonly vso: readonly {
    readonly kind: 'VaultAuth' | 'VaultStaticSecret' | 'VaultDynamicSecret';
    readonly namespace: string;
    readonly name: string;
    readonly detail: string;
  }[];
  readonly k8sSecrets: readonly { readonly namespace: string; readonly name: string; readonly from: string }[];
  /** kv paths the app's IaC writes, and the consumers that read the app's paths. */
  readonly writes: readonly string[];
  readonly readBy: readonly { readonly consumer: string; readonly read: string }[];
  readonly files: readonly { readonly repo: string; readonly path: string }[];
  /** `<bucket>/<prefix>` of the app's own IaC project, when it has one. */
  readonly tofuStatePrefix?: string;
}

/** One table row of `joinkey explain`: what, its name, and where or how. */
export interface ExplainRow {
  readonly object: string;
  readonly name: string;
  readonly detail: string;
}

/**
 * Pure: the explanation of one app, or undefined when the model has no such app. The generated
 * files are read from the rendered file set, indexed by app (appFileIndex).
 */
export function explainApp(model: Model, appName: string, files: AppFileIndex): Explanation | undefined {
  const app = model.apps.find((a) => a.name === appName);
  if (!app) return undefined;
  const mounts = model.vault.mounts;
  const policies = new Map<string, { path: string; capabilities: readonly string[] }[]>();
  for (const p of app.vault.policyPaths) {
    const list = policies.get(p.policy) ?? [];
    list.push({ path: p.path, capabilities: p.capabilities });
    policies.set(p.policy, list);
  }
  const vso: Explanation['vso'][number][] = app.vaultAuths.map((a) => ({
    kind: 'VaultAuth' as const,
    namespace: a.namespace,
    name: a.name,
    detail: `method kubernetes, mount ${a.mount}, role ${a.role}, service account ${a.serviceAccount}, audiences ${a.audiences.join(',')}`,
  }));
  const secrets: Explanation['k8sSecrets'][number][] = [];
  if (app.target) {
    for (const s of app.secrets) {
      vso.push({
        kind: 'VaultStaticSecret',
        namespace: s.namespace,
        name: s.staticSecretName,
        detail: `kv-v2 ${mountPath(s.mount, s.kvPath)} -> Secret ${s.k8sSecretName}, refreshAfter ${model.vault.refreshAfter}, VaultAuth ${s.vaultAuth}`,
      });
      secrets.push({ namespace: s.namespace, name: s.k8sSecretName, from: mountPath(s.mount, s.kvPath) });
    }
    if (app.database) {
      const db = app.database;
      const restart = db.restart.map(restartTargetText).join(', ');
      vso.push({
        kind: 'VaultDynamicSecret',
        namespace: app.namespace,
        name: db.dynamicSecretName,
        detail: `${mountPath(db.mount, db.credsPath)} -> Secret ${db.k8sSecretName}${restart ? `, restarts ${restart}` : ''}, VaultAuth ${db.vaultAuth}`,
      });
      secrets.push({ namespace: app.namespace, name: db.k8sSecretName, from: mountPath(db.mount, db.credsPath) });
    }
  }
  const vsoSorted = [...vso].sort((a, b) => (a.kind + a.namespace + a.name < b.kind + b.namespace + b.name ? -1 : 1));
  const readBy = model.consumers.flatMap((c) =>
    c.reads.filter((r) => inKvSpace(app.name, r.path)).map((r) => ({ consumer: c.name, read: mountPath(mounts.kv, r.path) })),
  );
  return {
    app: app.name,
    namespace: app.namespace,
    serviceAccounts: app.boundServiceAccounts,
    boundNamespaces: app.boundNamespaces,
    vaultRole: {
      name: app.vault.authRole,
      path: app.vault.authRolePath,
      audience: model.vault.audience,
      tokenTtl: model.vault.tokenTtl,
      tokenPolicies: app.vault.authRoleTokenPolicies,
    },
    policies: [...policies].map(([name, paths]) => ({ name, paths })),
    ciRole: { name: app.vault.ciRole, mount: mounts.jwt, tokenPolicies: app.vault.ciRoleTokenPolicies, group: app.vault.opsGroup },
    ...(app.database
      ? {
          postgres: {
            role: app.database.role,
            database: app.database.name,
            dynamicRolePath: app.vault.databaseRolePath,
            credsPath: mountPath(app.database.mount, app.database.credsPath),
          },
        }
      : {}),
    vso: vsoSorted,
    k8sSecrets: secrets.sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1)),
    writes: app.writes.map((w) => mountPath(mounts.kv, w)),
    readBy,
    files: files.filesOf(app.name),
    ...(app.target ? { tofuStatePrefix: stateLocation(model.state.bucket, app.target.stateKeyPrefix) } : {}),
  };
}

/** The explanation as table rows, in the order a reader follows the join key. */
export function explanationRows(e: Explanation): ExplainRow[] {
  const rows: ExplainRow[] = [
    { object: 'namespace', name: e.namespace, detail: "Kubernetes namespace of the app's VSO objects" },
    { object: 'service accounts', name: e.serviceAccounts.join(', '), detail: 'bound to the Vault role' },
    { object: 'bound namespaces', name: e.boundNamespaces.join(', '), detail: 'Vault checks service account AND namespace' },
    {
      object: 'Vault role',
      name: e.vaultRole.name,
      detail: `${e.vaultRole.path}, audience ${e.vaultRole.audience}, token_ttl ${e.vaultRole.tokenTtl}, token_policies ${e.vaultRole.tokenPolicies.join(', ')}`,
    },
  ];
  for (const p of e.policies) {
    for (const path of p.paths) rows.push({ object: 'policy', name: p.name, detail: `${path.path} [${path.capabilities.join(', ')}]` });
  }
  rows.push({
    object: 'CI role',
    name: e.ciRole.name,
    detail: `mount ${e.ciRole.mount}, token_policies ${e.ciRole.tokenPolicies.join(', ')}, group ${e.ciRole.group}`,
  });
  if (e.postgres) {
    rows.push(
      { object: 'Postgres role', name: e.postgres.role, detail: 'non-login role created by factory, owns the database' },
      { object: 'Postgres database', name: e.postgres.database, detail: `owner ${e.postgres.role}` },
      { object: 'Vault database role', name: e.postgres.dynamicRolePath, detail: `dynamic credentials at ${e.postgres.credsPath}` },
    );
  }
  for (const v of e.vso) rows.push({ object: v.kind, name: `${v.namespace}/${v.name}`, detail: v.detail });
  for (const s of e.k8sSecrets) rows.push({ object: 'k8s Secret', name: `${s.namespace}/${s.name}`, detail: `from ${s.from}` });
  for (const w of e.writes) rows.push({ object: 'kv write', name: w, detail: "written by the app's own IaC" });
  for (const r of e.readBy) rows.push({ object: 'read by consumer', name: r.consumer, detail: r.read });
  for (const f of e.files) rows.push({ object: 'generated file', name: `${f.repo}:${f.path}`, detail: '' });
  rows.push({
    object: 'tofu state prefix',
    name: e.tofuStatePrefix ?? '-',
    detail: e.tofuStatePrefix ? "GCS backend of the app's IaC project" : 'no IaC project of its own (no repo)',
  });
  return rows;
}

/** A plain-text table with aligned columns. */
export function formatTable(rows: readonly ExplainRow[]): string {
  const header: ExplainRow = { object: 'OBJECT', name: 'NAME', detail: 'DETAIL' };
  const all = [header, ...rows];
  const w1 = Math.max(...all.map((r) => r.object.length));
  const w2 = Math.max(...all.map((r) => r.name.length));
  return all.map((r) => `${r.object.padEnd(w1)}  ${r.name.padEnd(w2)}  ${r.detail}`.trimEnd()).join('\n') + '\n';
}
