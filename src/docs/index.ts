import { markdownCell as cell, markdownCode as code } from '../util/markdown';
import { globMatches } from '../util/vault-glob';
import type { Path } from '../config/source';
import { explainApp, explanationRows } from '../explain';
import type { AppModel, Model } from '../model/model';
import {
  appDocPath,
  KV_V1_OPS_SPACES,
  restartTargetText,
  kvSpaceGlob,
  kvV1OpsPath,
  MODULE_READER_KEY_PATH,
  mountPath,
  opsPolicyName,
  SECRET_PATHS_DOC,
  STATE_BACKEND_KEY_PATH,
} from '../model/names';
import { seedDoc } from './environments';
import { DOCS_REPO, markerLine, type DeclaredObject, type RenderedFile } from '../render/files';
import { appFileIndex, AppFileIndexBuilder, withProvenance, type AppFileIndex, type FileProvenance } from '../render/provenance';

/**
 * dist/docs: the guidebook's secret-paths inventory (section 4) for all apps, and one page per
 * app with a Mermaid flowchart of its runtime and CI paths (section 5). Pure. `rendered` is the
 * provenance of every other generated file: each page lists the app's files.
 */
export function renderDocs(model: Model, rendered: readonly FileProvenance[]): RenderedFile[] {
  return [...docFiles(model, appFileIndex(rendered))];
}

/**
 * renderDocs one file at a time, each page rendered only when asked for, so the pages are never
 * all in memory. `index` holds every other generated file; the docs' own are added to it first.
 */
export function* docFiles(model: Model, index: AppFileIndexBuilder): Generator<RenderedFile> {
  const rows = inventoryRows(model);
  const inventory = withProvenance(
    { repo: DOCS_REPO, path: SECRET_PATHS_DOC, content: secretPathsDoc(rows) },
    { kind: 'docs' },
    ['apps'],
    rows.flatMap((r): DeclaredObject[] =>
      r.app === undefined ? [] : [{ kind: 'doc', path: r.path, owner: { kind: 'app', name: r.app.name }, origin: r.app.origin }],
    ),
  );
  const page = (app: AppModel, content: string) =>
    withProvenance({ repo: DOCS_REPO, path: appDocPath(app.name), content }, { kind: 'app', app: app.name }, app.origin, []);
  index.add(inventory);
  for (const app of model.apps) index.add(page(app, ''));
  yield inventory;
  for (const app of model.apps) yield page(app, appDoc(model, app, index));
  if (model.environment !== undefined) yield seedDoc(model);
}

export interface InventoryRow {
  readonly path: string;
  readonly engine: string;
  readonly holds: string;
  readonly producer: string;
  readonly consumer: string;
  /** The app the row is about and the apps.yaml key behind it; absent for the platform's own rows. */
  readonly app?: { readonly name: string; readonly origin: Path };
}

/** The section 4 table: one row per kv secret, kv write and database, plus the admin rows. */
export function inventoryRows(model: Model): InventoryRow[] {
  const kv = model.vault.mounts.kv;
  const about = (app: AppModel, origin: Path) => ({ app: { name: app.name, origin } });
  const rows: InventoryRow[] = [];
  const readers = (kvPath: string): string[] =>
    model.consumers.flatMap((c) =>
      c.reads.filter((r) => globMatches(r.path, kvPath)).map(() => `\`${c.role}\` k8s role (SA ${c.serviceAccount} in ns ${c.namespace})`),
    );
  for (const app of model.apps) {
    for (const s of app.secrets) {
      const holds = s.generate.length ? s.generate.join(', ') : s.keys.length ? s.keys.join(', ') : 'app runtime config';
      const producer = s.generate.length
        ? `${app.name} IaC (\`random_password\` -> \`vault_kv_secret_v2\`)`
        : s.keys.length
          ? 'admin-seeded'
          : `app CI (KV CRUD via \`${app.vault.opsPolicy}\`)`;
      const consumers = [
        ...(app.target ? [`\`VaultStaticSecret ${s.staticSecretName}\` -> Secret \`${s.k8sSecretName}\` (ns ${s.namespace})`] : []),
        ...readers(s.kvPath),
      ];
      rows.push({ path: mountPath(s.mount, s.kvPath), engine: 'KV v2', holds, producer, consumer: consumers.join('; ') || '-', ...about(app, s.origin) });
    }
    for (const w of app.writes) {
      rows.push({
        path: mountPath(kv, w),
        engine: 'KV v2',
        holds: `written by ${app.name}'s IaC`,
        producer: `${app.name} IaC (\`vault_kv_secret_v2\`)`,
        consumer: readers(w).join('; ') || '-',
        ...about(app, [...app.origin, 'writes']),
      });
    }
    if (app.database) {
      const db = app.database;
      const consumer = app.target
        ? `\`VaultDynamicSecret ${db.dynamicSecretName}\` -> Secret \`${db.k8sSecretName}\` (ns ${app.namespace})`
        : `the app's pods (role \`${app.vault.authRole}\`)`;
      rows.push({
        path: mountPath(db.mount, db.credsPath),
        engine: 'database',
        holds: `Ephemeral DB user (\`username\`/\`password\`) for database \`${db.name}\``,
        producer: `Vault on demand (role \`${app.vault.authRole}\`, \`GRANT ${db.role}\`)`,
        consumer,
        ...about(app, [...app.origin, 'database']),
      });
    }
  }
  rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ops = `\`${opsPolicyName('<app>')}\``;
  const kvV1Holds: Record<(typeof KV_V1_OPS_SPACES)[number], string> = { cloudflare: 'Cloudflare DNS/edge secrets', ovh: 'OVH secrets' };
  rows.push(
    {
      path: 'transit/.../vso-client-cache',
      engine: 'transit',
      holds: 'VSO client-cache encryption key',
      producer: 'Vault admin IaC',
      consumer: 'VSO controller (encrypt/decrypt its cache)',
    },
    ...KV_V1_OPS_SPACES.map((space) => ({
      path: kvV1OpsPath(space, '<app>'),
      engine: 'KV v1',
      holds: kvV1Holds[space],
      producer: 'admin',
      consumer: `app CI (${ops} CRUD)`,
    })),
    {
      path: MODULE_READER_KEY_PATH,
      engine: 'KV v1',
      holds: 'Bot SSH key to pull the `app_roles` Git module',
      producer: 'admin',
      consumer: `app CI (${ops} read)`,
    },
    { path: STATE_BACKEND_KEY_PATH, engine: 'KV v1', holds: 'GCS Terraform-backend SA key', producer: 'admin', consumer: 'every IaC CI job (read)' },
  );
  return rows;
}

function secretPathsDoc(rows: readonly InventoryRow[]): string {
  const lines = [
    markerLine(SECRET_PATHS_DOC),
    '',
    '# Secret-paths inventory',
    '',
    '| Path | Engine | Holds | Producer | Consumer |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${code(r.path)} | ${cell(r.engine)} | ${cell(r.holds)} | ${cell(r.producer)} | ${cell(r.consumer)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Text for a quoted Mermaid label: Mermaid's entity codes for the characters that would end the
 * label or be read as HTML (", <, >, &, #), so any name is shown as written.
 */
export function mermaidText(s: string): string {
  return s.replace(/[#"<>&]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '&': '#amp;' })[c]!).replace(/[\r\n]+/g, ' ');
}

/** A quoted label of several lines. */
const label = (...lines: string[]) => `"${lines.map(mermaidText).join('<br>')}"`;

/** The app's flowchart: Vault, the runtime path through VSO, and the CI path. */
export function appDiagram(model: Model, app: AppModel): string {
  const m = model.vault.mounts;
  const out: string[] = [
    "%%{init: {'theme': 'base'}}%%",
    'flowchart TB',
    '  classDef eng fill:#7c3aed,stroke:#5b21b6,color:#ffffff',
    '  classDef auth fill:#b45309,stroke:#92400e,color:#ffffff',
    '  classDef crd fill:#059669,stroke:#047857,color:#ffffff',
    '  classDef k8s fill:#2563eb,stroke:#1e40af,color:#ffffff',
    '  classDef ci fill:#be123c,stroke:#9f1239,color:#ffffff',
    '',
  ];
  const edges: string[] = [];
  const hasKv = app.secrets.length > 0;
  out.push(`  subgraph VAULT[${label('Vault')}]`);
  if (hasKv) out.push(`    KV2[${label(`${m.kv} engine`, kvSpaceGlob(m.kv, app.name))}]:::eng`);
  if (app.database) out.push(`    PG[${label(`${m.database} engine`, mountPath(app.database.mount, app.database.credsPath))}]:::eng`);
  out.push(
    `    KKUB[${label(`${m.kubernetes} auth`, `role ${app.vault.authRole}`, `SA ${app.boundServiceAccounts.join(', ')}`, `AND ns ${app.boundNamespaces.join(', ')}`)}]:::auth`,
  );
  out.push(`    KJWT[${label(`${m.jwt} auth`, app.vault.ciRole)}]:::auth`);
  out.push('  end', '');

  out.push(`  subgraph RUNTIME[${label('Runtime path')}]`);
  if (app.target) {
    app.vaultAuths.forEach((a, i) => out.push(`    VA${i}[${label(`VaultAuth ${a.name}`, `ns ${a.namespace}, SA ${a.serviceAccount}`)}]:::crd`));
    const authIndex = (name: string, ns: string) => app.vaultAuths.findIndex((a) => a.name === name && a.namespace === ns);
    app.vaultAuths.forEach((_, i) => edges.push(`  KKUB --> VA${i}`));
    app.secrets.forEach((s, i) => {
      out.push(`    VSS${i}[${label(`VaultStaticSecret ${s.staticSecretName}`, mountPath(s.mount, s.kvPath))}]:::crd`);
      out.push(`    SEC${i}[${label(`Secret ${s.k8sSecretName}`, `ns ${s.namespace}`)}]:::k8s`);
      const va = authIndex(s.vaultAuth, s.namespace);
      if (va >= 0) edges.push(`  VA${va} --> VSS${i}`);
      edges.push(`  KV2 --> VSS${i}`, `  VSS${i} -- ${label(`refresh ${model.vault.refreshAfter}`)} --> SEC${i}`, `  SEC${i} --> POD`);
    });
    if (app.database) {
      const db = app.database;
      out.push(`    VDS[${label(`VaultDynamicSecret ${db.dynamicSecretName}`, mountPath(db.mount, db.credsPath))}]:::crd`);
      out.push(`    DBSEC[${label(`Secret ${db.k8sSecretName}`, `ns ${app.namespace}`)}]:::k8s`);
      const va = authIndex(db.vaultAuth, app.namespace);
      if (va >= 0) edges.push(`  VA${va} --> VDS`);
      edges.push('  PG --> VDS', '  VDS --> DBSEC', '  DBSEC --> POD');
      if (db.restart.length) edges.push(`  VDS -. ${label('rolloutRestart on rotation')} .-> POD`);
    }
    const workloads = app.database?.restart.map(restartTargetText) ?? [];
    out.push(`    POD[${label('App pods', `ns ${app.namespace}`, ...(workloads.length ? [workloads.join(', ')] : []))}]:::k8s`);
  } else {
    out.push(`    POD[${label('App pods', `SA ${app.name}, ns ${app.namespace}`, 'VSO manifests not generated (no repo)')}]:::k8s`);
    edges.push('  KKUB --> POD');
    if (hasKv) edges.push('  KV2 --> POD');
    if (app.database) edges.push('  PG --> POD');
  }
  out.push('  end', '');

  out.push(`  subgraph CICD[${label('CI path')}]`);
  out.push(`    GHA[${label('Gitea Actions', 'OpenTofu job')}]:::ci`);
  out.push(`    TOFU[${label('apply app_roles', `(under ${app.vault.opsPolicy})`)}]:::ci`);
  out.push('  end', '');
  edges.push(`  GHA -- ${label('JWT login')} --> KJWT`, '  KJWT --> TOFU', `  TOFU -- ${label('creates')} --> KKUB`);
  if (app.database) {
    out.push(`  FACT[${label('factory postgres IaC', `${app.database.role} owns database ${app.database.name}`)}]:::ci`);
    edges.push(`  TOFU -- ${label('creates role')} --> PG`, `  FACT -. ${label('must exist first')} .-> PG`);
  }
  return `${[...out, ...dedupe(edges)].join('\n')}\n`;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

function appDoc(model: Model, app: AppModel, files: AppFileIndex): string {
  const path = appDocPath(app.name);
  const e = explainApp(model, app.name, files)!;
  return [
    markerLine(path),
    '',
    `# ${app.name}`,
    '',
    '```mermaid',
    appDiagram(model, app).trimEnd(),
    '```',
    '',
    '| Object | Name | Detail |',
    '|---|---|---|',
    ...explanationRows(e).map((r) => `| ${cell(r.object)} | ${r.name ? code(r.name) : ''} | ${cell(r.detail)} |`),
    '',
  ].join('\n');
}
