import type { PathSegment } from '../config/source';
import type { Model } from '../model/model';
import { DOCS_REPO, type FileTree } from '../render/files';
import { ParsedTree } from '../validate/parsed-tree';
import type { YamlDoc } from '../validate/yaml-docs';
import { fileOrigins } from './contract';
import { finding, type Finding } from '../rules/finding';
import { bindingProblem } from '../rules/invariants';

/**
 * Invariants of the rendered output itself, read back from the file tree the way the target repos
 * will see it: the factory ordering, the VSO pitfalls that the CRD schemas cannot express, the
 * service account AND namespace binding of every rendered VaultAuth, Helm's "{{", and deprecated
 * Kubernetes auth role options. Pure; async only because the HCL parser is. `parsed` is the tree's
 * files parsed (shared with the schema checks); parsed here when absent.
 */
export async function checkRendered(model: Model, tree: FileTree, parsed: ParsedTree = ParsedTree.of(tree)): Promise<Finding[]> {
  const out: Finding[] = [];
  const origins = fileOrigins(model);
  const originOf = (repo: string, path: string): PathSegment[] => origins.get(`${repo}:${path}`) ?? [];

  // The manifests first: they are parsed already, while the HCL may still be parsing.
  for (const [repo, files] of tree) {
    if (repo === DOCS_REPO) continue;
    for (const [path, content] of files) {
      const origin = originOf(repo, path);
      // pitfall 10: Helm consumes "{{" in every file under templates/
      if (path.split('/').slice(0, -1).includes('templates') && content.replace(/\{\{"\{\{"\}\}/g, '').includes('{{')) {
        out.push(
          finding(
            'helm-template-braces',
            origin,
            `${repo}:${path} lies in a Helm templates/ dir and holds "{{", which Helm would evaluate; escape it as {{"{{"}} or move the manifests out of templates/`,
            { at: 'key' },
          ),
        );
      }
      const docs = parsed.yaml(repo, path);
      if (docs) out.push(...manifestFindings(model, repo, path, docs, origin));
    }
  }

  // 5. ordering: every database app has its role and database in factory's output
  const pg = model.central.postgres;
  const dbApps = model.apps.filter((a) => a.database);
  if (dbApps.length) {
    const databases = (await parsed.hcl(pg.repo, pg.databasesFile))?.body;
    for (const app of dbApps) {
      const db = app.database!;
      const entry = databases ? findEntry(databases, app.name) : undefined;
      const strings = entry === undefined ? [] : allStrings(entry);
      if (!strings.includes(db.role) || !strings.includes(db.name)) {
        out.push(
          finding(
            'ordering',
            [...app.origin, 'database'],
            `app "${app.name}" has a database, but ${pg.repo}:${pg.databasesFile} has no entry creating role "${db.role}" and database "${db.name}"; the Vault dynamic role's GRANT ${db.role} fails without it, so factory's output must carry it and be applied first; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
  }

  for (const [repo, files] of tree) {
    if (repo === DOCS_REPO) continue;
    for (const path of files.keys()) {
      if (!path.endsWith('.tf')) continue;
      const hcl = (await parsed.hcl(repo, path))?.body;
      if (hcl) out.push(...hclFindings(repo, path, hcl, originOf(repo, path)));
    }
  }
  return out;
}

/** The fields of a rendered VSO object the checks read; parsed data, so every leaf is unknown. */
interface VsoDoc {
  readonly kind?: unknown;
  readonly metadata?: { readonly namespace?: unknown; readonly name?: unknown };
  readonly spec?: {
    readonly destination?: { readonly create?: unknown };
    readonly refreshAfter?: unknown;
    readonly hmacSecretData?: unknown;
    readonly revoke?: unknown;
    readonly renewalPercent?: unknown;
    readonly allowedNamespaces?: unknown;
    readonly role?: unknown;
    readonly kubernetes?: { readonly role?: unknown; readonly serviceAccount?: unknown; readonly audiences?: unknown };
  };
}

/** A scalar of parsed data as text, '' for anything else. */
const text = (x: unknown): string => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : '');

function manifestFindings(model: Model, repo: string, path: string, docs: readonly YamlDoc[], origin: PathSegment[]): Finding[] {
  const out: Finding[] = [];
  const where = `${repo}:${path}`;
  for (const doc of docs) {
    if (doc.error !== undefined) continue; // the CRD schema check reports unparsable YAML
    const obj = doc.value as VsoDoc | null;
    if (!obj || typeof obj !== 'object') continue;
    const kind = text(obj.kind);
    const name = `${kind} ${text(obj.metadata?.namespace) || '?'}/${text(obj.metadata?.name) || '?'}`;
    const spec = obj.spec ?? {};
    if (kind === 'VaultStaticSecret' || kind === 'VaultDynamicSecret') {
      if (spec.destination?.create !== true) {
        out.push(
          finding(
            'vso-destination-create',
            origin,
            `${name} in ${where} does not set destination.create: true, so VSO never creates the Secret and only logs at Info; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
    if (kind === 'VaultStaticSecret') {
      if (typeof spec.refreshAfter !== 'string' || spec.refreshAfter === '') {
        out.push(
          finding('vso-refresh', origin, `${name} in ${where} has no refreshAfter, so the Secret never resyncs; set vault.refreshAfter (e.g. 30s)`, {
            at: 'key',
          }),
        );
      }
      if (spec.hmacSecretData === false) {
        out.push(
          finding(
            'vso-refresh',
            origin,
            `${name} in ${where} turns hmacSecretData off, which disables periodic resync and silently ignores rolloutRestartTargets; drop it`,
            { at: 'key' },
          ),
        );
      }
    }
    if (kind === 'VaultDynamicSecret') {
      if (spec.revoke === true) {
        out.push(
          finding(
            'vso-revoke',
            origin,
            `${name} in ${where} sets revoke: true, which needs update on sys/leases/revoke that the app policy does not grant, so VSO swallows the error and leaves the lease; drop revoke`,
            { at: 'key' },
          ),
        );
      }
      if (spec.renewalPercent !== undefined && !(typeof spec.renewalPercent === 'number' && spec.renewalPercent >= 0 && spec.renewalPercent <= 90)) {
        out.push(
          finding(
            'vso-renewal-percent',
            origin,
            `${name} in ${where} sets renewalPercent ${JSON.stringify(spec.renewalPercent)}, outside 0-90; use the default (67)`,
            { at: 'key' },
          ),
        );
      }
    }
    if (kind === 'VaultAuth') {
      const allowed = spec.allowedNamespaces;
      if (Array.isArray(allowed) && allowed.includes('*')) {
        out.push(
          finding(
            'vso-allowed-namespaces',
            origin,
            `${name} in ${where} allows every namespace ("*"), so any namespace can use its Vault role; drop allowedNamespaces`,
            { at: 'key' },
          ),
        );
      }
      const role = text(spec.kubernetes?.role ?? spec.role);
      const app = model.apps.find((a) => a.vault.authRole === role);
      const sa = text(spec.kubernetes?.serviceAccount);
      const ns = text(obj.metadata?.namespace);
      const audiences: unknown = spec.kubernetes?.audiences;
      if (!app) {
        out.push(
          finding(
            'sa-namespace',
            origin,
            `${name} in ${where} logs in with Vault role "${role}", which no app declares; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
        continue;
      }
      if (!app.boundServiceAccounts.includes(sa)) {
        out.push(
          finding('sa-namespace', [...app.origin, 'serviceAccounts'], `rendered ${name} in ${where}: ${bindingProblem(app, 'serviceAccount', sa)}`, {
            at: 'key',
          }),
        );
      }
      if (!app.boundNamespaces.includes(ns)) {
        out.push(
          finding('sa-namespace', [...app.origin, 'namespaces'], `rendered ${name} in ${where}: ${bindingProblem(app, 'namespace', ns)}`, { at: 'key' }),
        );
      }
      if (!Array.isArray(audiences) || !audiences.includes(model.vault.audience)) {
        out.push(
          finding(
            'vaultauth-audience',
            ['vault', 'audience'],
            `rendered ${name} in ${where} sends audiences ${JSON.stringify(audiences ?? [])}, which do not include the role's audience "${model.vault.audience}" (VSO adds no default); this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
  }
  return out;
}

/** `json` is the file parsed; HCL that does not parse is reported by the provider schema check. */
function hclFindings(
  repo: string,
  path: string,
  json: { readonly resource?: { readonly vault_kubernetes_auth_backend_role?: unknown } },
  origin: PathSegment[],
): Finding[] {
  const out: Finding[] = [];
  const roles = (json.resource?.vault_kubernetes_auth_backend_role ?? {}) as Record<string, Record<string, unknown>[]>;
  for (const [label, blocks] of Object.entries(roles)) {
    for (const b of blocks) {
      const where = `vault_kubernetes_auth_backend_role.${label} in ${repo}:${path}`;
      if ('policies' in b)
        out.push(finding('k8s-role-deprecated', origin, `${where} sets "policies", removed in provider 3.0; use token_policies`, { at: 'key' }));
      for (const k of ['disable_iss_validation', 'issuer']) {
        if (k in b) out.push(finding('k8s-role-deprecated', origin, `${where} sets "${k}", which Vault deprecates; drop it`, { at: 'key' }));
      }
      if (!('audience' in b))
        out.push(
          finding('k8s-role-deprecated', origin, `${where} sets no audience, which Vault only warns about; set audience (vault.audience)`, { at: 'key' }),
        );
      const ttl = Number(b.token_ttl);
      const max = Number(b.token_max_ttl);
      if (Number.isFinite(ttl) && Number.isFinite(max) && max > 0 && ttl > max) {
        out.push(finding('k8s-role-deprecated', origin, `${where} sets token_ttl ${ttl} above token_max_ttl ${max}; lower vault.tokenTtl`, { at: 'key' }));
      }
    }
  }
  return out;
}

/** The value under `key` in the first map that has it, searching depth-first. */
function findEntry(x: unknown, key: string): unknown {
  if (Array.isArray(x)) {
    for (const v of x) {
      const r = findEntry(v, key);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (x && typeof x === 'object') {
    const rec = x as Record<string, unknown>;
    if (key in rec) return rec[key];
    for (const v of Object.values(rec)) {
      const r = findEntry(v, key);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

function allStrings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(allStrings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(allStrings);
  return [];
}
