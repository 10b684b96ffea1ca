import type { PathSegment } from '../config/source';
import type { AppModel, DatabaseModel, Model } from '../model/model';
import { DNS1123_LABEL_MAX, isDns1123Label, pgIdentifierProblem, PG_IDENTIFIER_MAX_BYTES, PG_ROLE_SUFFIX } from '../model/names';
import { finding, type Finding } from './finding';
import { globMatches, ownedResources, ResourceIndex, type OwnedResource } from '../util/vault-glob';
import { consumerReadProblem } from './declared';

/** DNS-1123 subdomain (Kubernetes object names such as Secrets and ServiceAccounts): at most 253 characters. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MAX = 253;
/** Characters that would let a name leave or widen its Vault path. */
const PATH_ESCAPE = /\.\.|[*+/]/;

/** The Kubernetes auth role VSO itself logs in with (guidebook section 1); no app may reach it. */
export const VSO_ROLE = 'vault-secret-operator';

// ---- 1. names ----

export function nameFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const label = (path: PathSegment[], what: string, name: string, at?: 'key') => {
    if (!isDns1123Label(name)) {
      out.push(
        finding(
          'name-dns1123',
          path,
          `${what} "${name}" is not a DNS-1123 label (at most ${DNS1123_LABEL_MAX} characters: lowercase letters, digits and "-", starting and ending with a letter or digit); rename it, e.g. ${suggestLabel(name)}`,
          at ? { at } : {},
        ),
      );
    }
  };
  const subdomain = (path: PathSegment[], what: string, name: string, from: string) => {
    if (name.length > DNS1123_SUBDOMAIN_MAX || !DNS1123_SUBDOMAIN.test(name)) {
      out.push(
        finding(
          'name-dns1123',
          path,
          `${what} "${name}" (derived from ${from}) is not a valid Kubernetes object name (DNS-1123 subdomain, at most ${DNS1123_SUBDOMAIN_MAX} characters); shorten the names it is built from`,
          { at: 'key' },
        ),
      );
    }
  };
  const escape = (path: PathSegment[], what: string, name: string) => {
    if (PATH_ESCAPE.test(name)) {
      out.push(
        finding(
          'name-path-escape',
          path,
          `${what} "${name}" holds "..", "*", "+" or "/", so it would escape or widen its Vault path; use a plain name, e.g. ${suggestLabel(name)}`,
          { at: 'key' },
        ),
      );
    }
  };
  for (const app of model.apps) {
    const at = app.origin;
    escape([...at], 'app name', app.name);
    label([...at], 'app name', app.name, 'key');
    label([...at, 'namespace'], 'namespace', app.namespace);
    for (const sa of app.extraServiceAccounts) label([...at, 'serviceAccounts'], 'service account', sa);
    for (const ns of app.extraNamespaces) label([...at, 'namespaces'], 'namespace', ns);
    for (const s of app.secrets) {
      escape([...s.origin], 'secret name', s.name);
      label([...s.origin], 'secret name', s.name, 'key');
      subdomain([...s.origin], 'Secret', s.k8sSecretName, `app "${app.name}" and secret "${s.name}"`);
      subdomain([...s.origin], 'VaultStaticSecret', s.staticSecretName, `app "${app.name}" and secret "${s.name}"`);
    }
    for (const a of app.vaultAuths) subdomain([...at], 'VaultAuth', a.name, `app "${app.name}" and service account "${a.serviceAccount}"`);
    for (const w of app.writes) {
      if (w.split('/').some((seg) => seg === '..' || seg === '.' || seg === '' || /[*+]/.test(seg))) {
        out.push(
          finding(
            'name-path-escape',
            [...at, 'writes'],
            `write path "${w}" holds "..", ".", an empty segment, "*" or "+", so it would escape or widen the app's kv space; list plain paths, e.g. factory/turnstile`,
          ),
        );
      }
    }
    if (app.database) out.push(...pgNameFindings(app, app.database));
  }
  for (const c of model.consumers) {
    label([...c.origin, 'serviceAccount'], 'service account', c.serviceAccount);
    label([...c.origin, 'namespace'], 'namespace', c.namespace);
    escape([...c.origin], 'consumer name', c.name);
  }
  return out;
}

function suggestLabel(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, DNS1123_LABEL_MAX)
    .replace(/-+$/, '');
  return s || 'my-app';
}

/**
 * `<app>_role` and the database name are unquoted PostgreSQL identifiers. A database named after
 * the app is reported at the app, an explicit name at database.name.
 */
function pgNameFindings(app: AppModel, db: DatabaseModel): Finding[] {
  const out: Finding[] = [];
  const roleProblem = pgIdentifierProblem(db.role);
  if (roleProblem) {
    const fix =
      Buffer.byteLength(db.role) > PG_IDENTIFIER_MAX_BYTES
        ? `shorten the app name to at most ${PG_IDENTIFIER_MAX_BYTES - PG_ROLE_SUFFIX.length} characters`
        : `rename the app without "-" (e.g. ${app.name.replace(/-/g, '')}) or set database: false`;
    out.push(
      finding(
        'name-pg-identifier',
        app.origin,
        `app "${app.name}" has a database, so its PostgreSQL role "${db.role}" must be an unquoted identifier, but ${roleProblem}; ${fix}`,
        { at: 'key' },
      ),
    );
  } else if (db.role.startsWith('pg_')) {
    out.push(
      finding(
        'name-pg-identifier',
        app.origin,
        `app "${app.name}" has a database, so its PostgreSQL role is "${db.role}", but PostgreSQL reserves role names starting with "pg_" for its own roles; rename the app or set database: false`,
        { at: 'key' },
      ),
    );
  }
  const dbProblem = pgIdentifierProblem(db.name);
  if (dbProblem && db.name !== app.name) {
    out.push(
      finding(
        'name-pg-identifier',
        [...app.origin, 'database', 'name'],
        `database name must be an unquoted PostgreSQL identifier, but ${dbProblem}; e.g. ${app.name.replace(/-/g, '_')}`,
      ),
    );
  } else if (dbProblem && !roleProblem) {
    out.push(
      finding(
        'name-pg-identifier',
        app.origin,
        `app "${app.name}" has a database named after it, but ${dbProblem}; set database: { name: <other> } or rename the app`,
        { at: 'key' },
      ),
    );
  }
  return out;
}

// ---- 2. service account AND namespace, on the resolved model ----

/** What is wrong when the app's Vault role does not bind a service account or namespace, and the fix. */
export function bindingProblem(app: AppModel, kind: 'serviceAccount' | 'namespace', value: string): string {
  return kind === 'serviceAccount'
    ? `service account "${value}" is not bound to Vault role "${app.vault.authRole}" (bound: ${app.boundServiceAccounts.join(', ')}); add it to apps.${app.name}.serviceAccounts`
    : `namespace "${value}" is not bound to Vault role "${app.vault.authRole}" (bound: ${app.boundNamespaces.join(', ')}); Vault checks service account AND namespace, so add it to apps.${app.name}.namespaces`;
}

/**
 * Every login of the app's VSO objects (each secret's service account and namespace, each
 * VaultAuth) is bound by the app's Vault role; each unbound name is reported once, at the first
 * place that uses it.
 */
export function saNamespaceFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  for (const app of model.apps) {
    const reported = new Set<string>();
    const requireBound = (kind: 'serviceAccount' | 'namespace', value: string, path: PathSegment[]) => {
      const bound = kind === 'serviceAccount' ? app.boundServiceAccounts : app.boundNamespaces;
      if (bound.includes(value) || reported.has(`${kind}:${value}`)) return;
      reported.add(`${kind}:${value}`);
      out.push(finding('sa-namespace', path, bindingProblem(app, kind, value)));
    };
    for (const s of app.secrets) {
      requireBound('serviceAccount', s.serviceAccount, [...s.origin, 'serviceAccount']);
      requireBound('namespace', s.namespace, [...s.origin, 'namespace']);
    }
    for (const auth of app.vaultAuths) {
      const users = app.secrets.filter((s) => s.vaultAuth === auth.name && s.namespace === auth.namespace);
      const where = (key: 'serviceAccount' | 'namespace'): PathSegment[] =>
        users.length ? [...users[0]!.origin, key] : [...app.origin, key === 'serviceAccount' ? 'serviceAccounts' : 'namespace'];
      if (auth.role !== app.vault.authRole) {
        out.push(
          finding(
            'sa-namespace',
            [...app.origin],
            `VaultAuth ${auth.namespace}/${auth.name} logs in with Vault role "${auth.role}", not the app's role "${app.vault.authRole}"; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
      requireBound('serviceAccount', auth.serviceAccount, where('serviceAccount'));
      requireBound('namespace', auth.namespace, where('namespace'));
      if (!auth.audiences.includes(model.vault.audience)) {
        out.push(
          finding(
            'vaultauth-audience',
            ['vault', 'audience'],
            `VaultAuth ${auth.namespace}/${auth.name} sends audiences [${auth.audiences.join(', ')}] but Vault role "${app.vault.authRole}" expects audience "${model.vault.audience}", and VSO adds no default; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
    // every VSO secret finds its VaultAuth in its own namespace (pitfalls 4 and 5)
    if (app.target) {
      const has = (name: string, ns: string) => app.vaultAuths.some((a) => a.name === name && a.namespace === ns);
      for (const s of app.secrets) {
        if (!has(s.vaultAuth, s.namespace)) {
          out.push(
            finding(
              'vaultauth-ref',
              [...s.origin],
              `VaultStaticSecret ${s.namespace}/${s.staticSecretName} refers to VaultAuth "${s.vaultAuth}", which is not generated in namespace "${s.namespace}"; a bare vaultAuthRef resolves in the secret's own namespace, so this is a joinkey bug, please report it`,
              { at: 'key' },
            ),
          );
        }
      }
      if (app.database && !has(app.database.vaultAuth, app.namespace)) {
        out.push(
          finding(
            'vaultauth-ref',
            [...app.origin, 'database'],
            `VaultDynamicSecret ${app.namespace}/${app.database.dynamicSecretName} refers to VaultAuth "${app.database.vaultAuth}", which is not generated in namespace "${app.namespace}"; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
  }
  return out;
}

// ---- 3. policy glob isolation ----

type Owner = { readonly kind: 'app' | 'consumer' | 'platform'; readonly name: string };

function ownerText(o: Owner): string {
  return o.kind === 'app' ? `app "${o.name}"` : o.kind === 'consumer' ? `consumer "${o.name}"` : o.name;
}

/**
 * The general proof: every path of every app's app and ops policies is matched, with Vault's glob
 * semantics, against the resources every other principal owns. An app owns what its own policy
 * patterns stand for (ownedResources: `postgres/creds/web*` owns `postgres/creds/web` and
 * everything below `postgres/creds/web/`); consumers own their Kubernetes auth role; VSO owns its
 * role. A pattern that reaches a resource of someone else is a leak.
 */
export function policyIsolationFindings(model: Model): Finding[] {
  const items: OwnedResource<Owner>[] = [];
  for (const app of model.apps) {
    const owner: Owner = { kind: 'app', name: app.name };
    for (const p of app.vault.policyPaths) for (const resource of ownedResources(p.path)) items.push({ owner, resource });
  }
  const k8s = model.vault.mounts.kubernetes;
  for (const c of model.consumers) {
    items.push({ owner: { kind: 'consumer', name: c.name }, resource: { kind: 'exact', path: `auth/${k8s}/role/${c.role}` } });
  }
  items.push({
    owner: { kind: 'platform', name: `VSO's own Kubernetes auth role "${VSO_ROLE}"` },
    resource: { kind: 'exact', path: `auth/${k8s}/role/${VSO_ROLE}` },
  });
  const index = new ResourceIndex(items);

  const out: Finding[] = [];
  for (const app of model.apps) {
    // victim key -> leaking "policy path -> resource" lines, in policy order
    const leaks = new Map<string, { owner: Owner; lines: Map<string, string> }>();
    for (const p of app.vault.policyPaths) {
      for (const hit of index.intersecting(p.path)) {
        if (hit.owner.kind === 'app' && hit.owner.name === app.name) continue;
        const key = `${hit.owner.kind}:${hit.owner.name}`;
        const entry = leaks.get(key) ?? { owner: hit.owner, lines: new Map<string, string>() };
        const target = hit.resource.kind === 'exact' ? hit.resource.path : `${hit.resource.prefix}*`;
        const line = `${p.path} (policy ${p.policy})`;
        if (!entry.lines.has(line)) entry.lines.set(line, `${line} reaches ${target}`);
        leaks.set(key, entry);
      }
    }
    for (const { owner, lines } of [...leaks.values()].sort((a, b) => (ownerText(a.owner) < ownerText(b.owner) ? -1 : 1))) {
      const fix =
        owner.kind === 'app'
          ? `rename "${app.name}" or "${owner.name}" so that neither name starts with the other (Vault's trailing "*" is a prefix match)`
          : owner.kind === 'consumer'
            ? `rename app "${app.name}" or consumer "${owner.name}" so that the consumer's name does not start with the app's name`
            : `rename app "${app.name}" so that "${VSO_ROLE}" does not start with it`;
      out.push(
        finding(
          'policy-glob-isolation',
          [...app.origin],
          `app "${app.name}"'s policies reach Vault paths of ${ownerText(owner)}: ${[...lines.values()].join('; ')}; ${fix}`,
          { at: 'key' },
        ),
      );
    }
  }
  return out;
}

// ---- pitfalls 2 and 7: the app policy grants what VSO reads ----

export function policyGrantFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const kv = model.vault.mounts.kv;
  for (const app of model.apps) {
    const reads = app.vault.policyPaths.filter((p) => p.policy === app.vault.policy && p.capabilities.includes('read'));
    const granted = (path: string) => reads.some((p) => globMatches(p.path, path));
    for (const s of app.secrets) {
      const path = `${kv}/data/${s.kvPath}`;
      if (s.kvPath.startsWith('data/') || !granted(path)) {
        out.push(
          finding(
            'policy-grants-sync',
            [...s.origin],
            `VaultStaticSecret ${s.staticSecretName} reads ${path}, which policy "${app.vault.policy}" does not grant read on (VSO reads kv-v2 at <mount>/data/<path>, so path must be "<app>/<secret>" without "data/"); this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
    if (app.database) {
      const path = `${app.database.mount}/${app.database.credsPath}`;
      if (!granted(path)) {
        out.push(
          finding(
            'policy-grants-sync',
            [...app.origin, 'database'],
            `VaultDynamicSecret ${app.database.dynamicSecretName} reads ${path}, which policy "${app.vault.policy}" does not grant read on; this is a joinkey bug, please report it`,
            { at: 'key' },
          ),
        );
      }
    }
  }
  return out;
}

// ---- 4. kv scope ----

export function kvScopeFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const appNames = new Set(model.apps.map((a) => a.name));
  const declared: OwnedResource<string>[] = [];
  for (const app of model.apps) {
    const own = `${app.name}/`;
    for (const s of app.secrets) {
      declared.push({ owner: app.name, resource: { kind: 'exact', path: s.kvPath } });
      if (!s.kvPath.startsWith(own) || s.kvPath.split('/').includes('..')) {
        out.push(
          finding(
            'kv-scope',
            [...s.origin],
            `VaultStaticSecret ${s.staticSecretName} reads kv path "${s.kvPath}", outside app "${app.name}"'s own space ${model.vault.mounts.kv}/${own}; an app syncs only its own secrets, so declare the secret under the app that owns it`,
            { at: 'key' },
          ),
        );
      }
    }
    for (const w of app.writes) {
      declared.push({ owner: app.name, resource: { kind: 'exact', path: w } });
      if (!w.startsWith(own) || w.split('/').includes('..')) {
        out.push(
          finding(
            'kv-scope',
            [...app.origin, 'writes'],
            `write path "${w}" lies outside app "${app.name}"'s own kv space ${own}; list it relative to the app, e.g. factory/turnstile`,
          ),
        );
      }
    }
  }
  const index = new ResourceIndex(declared);
  for (const c of model.consumers) {
    c.reads.forEach(({ path, origin }) => {
      const at: PathSegment[] = [...origin];
      const problem = consumerReadProblem(path, appNames);
      if (problem) {
        out.push(finding('kv-scope', at, problem));
        return;
      }
      const first = path.split('/')[0]!;
      if (index.intersecting(path).length === 0) {
        out.push(
          finding(
            'kv-scope-undeclared',
            at,
            `consumer "${c.name}" reads "${path}", but no app declares a secret or a write under it, so it will read nothing; add the path to apps.${first}.secrets or apps.${first}.writes, or fix the path`,
            { severity: 'warning' },
          ),
        );
      }
    });
  }
  return out;
}

// ---- pitfall 12: the SA x namespace cross product ----

export function crossProductFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  for (const app of model.apps) {
    if (app.boundServiceAccounts.length < 2 || app.boundNamespaces.length < 2) continue;
    const intended = intendedPairs(app);
    const extra: string[] = [];
    for (const sa of app.boundServiceAccounts) {
      for (const ns of app.boundNamespaces) if (!intended.has(`${sa}@${ns}`)) extra.push(`${sa} in ${ns}`);
    }
    if (extra.length === 0) continue;
    out.push(
      finding(
        'k8s-auth-cross-product',
        [...app.origin, 'serviceAccounts'],
        `Vault role "${app.vault.authRole}" binds service accounts [${app.boundServiceAccounts.join(', ')}] and namespaces [${app.boundNamespaces.join(', ')}]; Vault checks each list on its own, so it also admits ${extra.join(', ')}, which no VaultAuth uses; split the extra service account into its own app, or drop the namespace it does not need`,
        { severity: 'warning', at: 'key' },
      ),
    );
  }
  return out;
}

/**
 * A service account and namespace that two Vault roles admit: a pod running as it can log in as
 * either app and read both apps' secrets.
 */
export function sharedIdentityFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const admittedBy = new Map<string, string>();
  for (const app of model.apps) {
    for (const sa of app.boundServiceAccounts) {
      for (const ns of app.boundNamespaces) {
        const other = admittedBy.get(`${sa}@${ns}`);
        if (other === undefined) {
          admittedBy.set(`${sa}@${ns}`, app.name);
          continue;
        }
        const at = sa === app.name ? [...app.origin] : [...app.origin, 'serviceAccounts'];
        out.push(
          finding(
            'k8s-auth-shared-identity',
            at,
            `service account "${sa}" in namespace "${ns}" can log in with Vault role "${other}" and with Vault role "${app.vault.authRole}", so a pod running as it reads the secrets of both apps; give each app its own service account`,
            { severity: 'warning', at: 'key' },
          ),
        );
      }
    }
  }
  return out;
}

function intendedPairs(app: AppModel): Set<string> {
  const pairs = new Set<string>([`${app.name}@${app.namespace}`]);
  for (const a of app.vaultAuths) pairs.add(`${a.serviceAccount}@${a.namespace}`);
  for (const s of app.secrets) pairs.add(`${s.serviceAccount}@${s.namespace}`);
  return pairs;
}
