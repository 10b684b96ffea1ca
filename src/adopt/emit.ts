import { Document, isMap, isPair, isScalar, isSeq, visit, type Node } from 'yaml';
import { DEFAULTS } from '../model/defaults';
import type { AppDraft, ConsumerDraft, PlatformDraft } from './recognize';

/**
 * The apps.yaml text of a platform draft: keys in the contract's order, lists and small mappings
 * in flow style, and above each app and consumer a comment naming the files it came from (and
 * what a reviewer should know). Deterministic: drafts are sorted by name.
 */

const byName = <T>(m: ReadonlyMap<string, T>): [string, T][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function appEntry(a: AppDraft): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a.repo !== undefined) out.repo = a.repo;
  if (a.manifests !== undefined) out.manifests = a.manifests;
  if (a.iac !== undefined) out.iac = a.iac;
  if (a.namespace !== undefined) out.namespace = a.namespace;
  const namespaces = sorted(a.namespaces).filter((n) => n !== a.name && n !== a.namespace);
  if (namespaces.length) out.namespaces = namespaces;
  const sas = sorted(a.serviceAccounts).filter((s) => s !== a.name);
  if (sas.length) out.serviceAccounts = sas;
  if (a.opsPolicies.size) out.opsPolicies = sorted(a.opsPolicies);
  if (a.database === false) out.database = false;
  else if (typeof a.database === 'object') {
    const d = a.database;
    const db: Record<string, unknown> = {};
    if (d.name !== undefined) db.name = d.name;
    if (d.restart.length) db.restart = sorted(d.restart);
    if (d.urlEnv !== undefined) db.urlEnv = d.urlEnv;
    if (d.urlContainer !== undefined) db.urlContainer = d.urlContainer;
    if (d.objectName !== undefined) db.objectName = d.objectName;
    if (d.secretName !== undefined) db.secretName = d.secretName;
    if (Object.keys(db).length) out.database = db;
  }
  if (a.secrets.size) {
    const secrets: Record<string, unknown> = {};
    for (const [name, s] of byName(a.secrets)) {
      const e: Record<string, unknown> = {};
      if (s.serviceAccount !== undefined) e.serviceAccount = s.serviceAccount;
      if (s.namespace !== undefined) e.namespace = s.namespace;
      if (s.generate?.length)
        e.generate = s.generate.map((g) => {
          const { length, ...rest } = g.options;
          const options = { ...(length !== DEFAULTS.generatedLength ? { length } : {}), ...rest };
          return Object.keys(options).length ? { [g.key]: options } : g.key;
        });
      if (s.objectName !== undefined) e.objectName = s.objectName;
      if (s.secretName !== undefined) e.secretName = s.secretName;
      secrets[name] = e;
    }
    out.secrets = secrets;
  }
  if (a.writes.size) out.writes = sorted(a.writes);
  if (a.vaultAuthNames.size) out.vaultAuthNames = Object.fromEntries(byName(a.vaultAuthNames));
  if (a.statePrefix !== undefined) out.statePrefix = a.statePrefix;
  if (a.handWrittenBackend) out.handWrittenBackend = true;
  return out;
}

function consumerEntry(c: ConsumerDraft): Record<string, unknown> {
  return { serviceAccount: c.serviceAccount, namespace: c.namespace, reads: sorted(c.reads) };
}

const comment = (sources: Iterable<string>, notes: readonly string[]): string =>
  [` from ${sorted(sources).join(', ')}`, ...sorted(notes).map((n) => ` NB ${n}`)].join('\n');

export function emitAppsYaml(draft: PlatformDraft, repoUrls: ReadonlyMap<string, string>): string {
  const central: Record<string, unknown> = {};
  if (draft.central.vault) central.vault = draft.central.vault;
  if (draft.central.postgres) central.postgres = draft.central.postgres;
  const file: Record<string, unknown> = {
    version: 1,
    ...(Object.keys(draft.vault).length ? { vault: draft.vault } : {}),
    repos: Object.fromEntries(draft.repos.map((id) => [id, { url: repoUrls.get(id) ?? id }])),
    ...(Object.keys(central).length ? { central } : {}),
    ...(draft.stateBucket !== undefined && draft.stateBucket !== DEFAULTS.state.bucket ? { state: { bucket: draft.stateBucket } } : {}),
    ...(Object.keys(draft.postgres).length ? { postgres: draft.postgres } : {}),
    apps: Object.fromEntries(byName(draft.apps).map(([name, a]) => [name, appEntry(a)])),
    ...(draft.consumers.size ? { consumers: Object.fromEntries(byName(draft.consumers).map(([name, c]) => [name, consumerEntry(c)])) } : {}),
  };
  const doc = new Document(file);
  doc.commentBefore =
    ' yaml-language-server: $schema=./schemas/apps-yaml.schema.json\n' +
    ' Written by joinkey adopt from the hand-written repos. Names and values that differ from\n' +
    " joinkey's derivations are kept with override fields; review the NB notes and the findings.";
  visit(doc, {
    Seq: (_k, n) => {
      if (n.items.every((i) => isScalar(i))) n.flow = true;
    },
    Map: (_k, n) => {
      if (n.items.length <= 3 && n.items.every((p) => isPair(p) && isScalar(p.value))) n.flow = true;
    },
  });
  const section = (key: string, drafts: ReadonlyMap<string, { sources: Set<string>; notes: string[] }>) => {
    const m = doc.get(key, true) as Node | undefined;
    if (!isMap(m)) return;
    for (const pair of m.items) {
      const d = isScalar(pair.key) ? drafts.get(String(pair.key.value)) : undefined;
      if (d && isScalar(pair.key)) pair.key.commentBefore = comment(d.sources, d.notes);
      if (isMap(pair.value) && pair.value.items.length === 0) pair.value.flow = true;
    }
  };
  section('apps', draft.apps);
  section('consumers', draft.consumers);
  const repos = doc.get('repos', true);
  if (isMap(repos)) for (const p of repos.items) if (isMap(p.value)) p.value.flow = true;
  void isSeq;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
