import { isDns1123Label, KV_SEGMENT, pgIdentifierProblem, pgRoleName, PG_IDENTIFIER_MAX_BYTES } from '../model/names';
import { DEFAULTS } from '../model/defaults';
import { CHARACTER_CLASSES } from '../model/generated';
import type { Problem } from './source';
import { DOCS_REPO } from '../render/files';

/**
 * Rules that relate several fields of apps.yaml. They run on the raw parsed data, next to the zod
 * schema and whatever it says, so that one run reports every problem. Each rule only looks at
 * values of the expected type; wrong types are the schema's to report.
 */
export function crossFieldProblems(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const root = record(raw);
  const repos = record(root.repos);
  const declaredRepos = new Set(Object.keys(repos));
  const apps = record(root.apps);
  const appNames = new Set(Object.keys(apps));

  const requireRepo = (path: Problem['path'], id: unknown, what: string) => {
    if (typeof id === 'string' && !declaredRepos.has(id)) {
      problems.push({ path, message: `${what} "${id}" is not declared under repos; add repos.${id}: { url: ..., branch: main } or use one of: ${[...declaredRepos].sort().join(', ') || '(none declared)'}` });
    }
  };

  const central = record(root.central);
  for (const [key, fallback] of [['vault', DEFAULTS.central.vault.repo], ['postgres', DEFAULTS.central.postgres.repo]] as const) {
    const target = record(central[key]);
    if (target.repo !== undefined) requireRepo(['central', key, 'repo'], target.repo, 'repo');
    else if (isRecord(root.repos) && !declaredRepos.has(fallback)) {
      problems.push({ path: ['repos'], at: 'key', message: `central.${key} defaults to repo "${fallback}", which is not declared here; declare repos.${fallback} or set central.${key}.repo` });
    }
  }

  for (const [app, rawApp] of Object.entries(apps)) {
    const a = record(rawApp);
    const at = (...rest: (string | number)[]) => ['apps', app, ...rest];
    if (a.repo !== undefined) requireRepo(at('repo'), a.repo, 'repo');
    for (const key of ['manifests', 'iac'] as const) {
      if (a[key] !== undefined && a.repo === undefined) {
        problems.push({ path: at(key), at: 'key', message: `${key} is set but the app has no repo; add repo: <id> so joinkey knows where to write ${key === 'manifests' ? 'the VSO manifests' : 'the IaC'}` });
      }
    }

    const database = a.database === undefined ? true : a.database;
    const hasDatabase = database !== false && (database === true || isRecord(database));
    if (hasDatabase && isDns1123Label(app)) {
      const role = pgRoleName(app);
      const problem = pgIdentifierProblem(role);
      if (problem) {
        const fix = Buffer.byteLength(role) > PG_IDENTIFIER_MAX_BYTES
          ? `shorten the app name to at most ${PG_IDENTIFIER_MAX_BYTES - 5} characters`
          : `rename the app without "-" (e.g. ${app.replace(/-/g, '')}) or set database: false`;
        problems.push({ path: at(), at: 'key', message: `app "${app}" has a database, so its PostgreSQL role "${role}" must be an unquoted identifier, but ${problem}; ${fix}` });
      } else if (!isRecord(database) || database.name === undefined) {
        const dbProblem = pgIdentifierProblem(app);
        if (dbProblem) problems.push({ path: at(), at: 'key', message: `app "${app}" has a database named after it, but ${dbProblem}; set database: { name: <other> } or rename the app` });
      }
    }
    if (isRecord(database)) {
      if (typeof database.name === 'string') {
        const problem = pgIdentifierProblem(database.name);
        if (problem) problems.push({ path: at('database', 'name'), message: `database name must be an unquoted PostgreSQL identifier, but ${problem}; e.g. ${app.replace(/-/g, '_')}` });
      }
      if (a.repo === undefined) {
        for (const key of ['restart', 'urlEnv'] as const) {
          if (database[key] !== undefined) problems.push({ path: at('database', key), at: 'key', message: `${key} needs the app's VSO manifests, but the app has no repo; add repo: <id>` });
        }
      }
      if (database.urlContainer !== undefined && database.urlEnv === undefined) {
        problems.push({ path: at('database', 'urlContainer'), at: 'key', message: 'urlContainer names the container that reads the database URL file, which only exists with urlEnv; add urlEnv: DATABASE_URL or remove urlContainer' });
      }
      if (typeof database.urlEnv === 'string' && Array.isArray(database.restart)
        && !database.restart.some((t) => typeof t === 'string' && /^(Deployment|StatefulSet|DaemonSet)\//.test(t))) {
        problems.push({ path: at('database', 'urlEnv'), at: 'key', message: 'urlEnv patches the workload that reads the database URL, so restart must name a Deployment, StatefulSet or DaemonSet, e.g. restart: [Deployment/my-app]' });
      } else if (typeof database.urlEnv === 'string' && database.restart === undefined) {
        problems.push({ path: at('database', 'urlEnv'), at: 'key', message: 'urlEnv patches the workload that reads the database URL, so restart must name a Deployment, StatefulSet or DaemonSet, e.g. restart: [Deployment/my-app]' });
      }
    }

    const boundSas = new Set([app, ...strings(a.serviceAccounts)]);
    const namespace = typeof a.namespace === 'string' ? a.namespace : app;
    const boundNamespaces = new Set([app, namespace, ...strings(a.namespaces)]);
    for (const [name, rawSecret] of Object.entries(record(a.secrets))) {
      const s = record(rawSecret);
      const sat = (...rest: (string | number)[]) => at('secrets', name, ...rest);
      if (typeof s.serviceAccount === 'string' && !boundSas.has(s.serviceAccount)) {
        problems.push({ path: sat('serviceAccount'), message: `service account "${s.serviceAccount}" is not bound to Vault role "${app}" (bound: ${[...boundSas].join(', ')}); add it to apps.${app}.serviceAccounts` });
      }
      if (typeof s.namespace === 'string' && !boundNamespaces.has(s.namespace)) {
        problems.push({ path: sat('namespace'), message: `namespace "${s.namespace}" is not bound to Vault role "${app}" (bound: ${[...boundNamespaces].join(', ')}); Vault checks service account AND namespace, so add it to apps.${app}.namespaces` });
      }
      if (s.keys !== undefined && s.generate !== undefined) {
        problems.push({ path: sat('generate'), at: 'key', message: 'a secret is either generated (generate) or admin-seeded (keys), not both: tofu would overwrite the seeded keys; split it into two secrets' });
      }
      if (s.length !== undefined && s.generate === undefined) {
        problems.push({ path: sat('length'), at: 'key', message: 'length applies to generated keys only; add generate: [KEY] or remove length' });
      }
      if (s.generate !== undefined && a.repo === undefined) {
        problems.push({ path: sat('generate'), at: 'key', message: `generated keys are written by the app's own IaC, but the app has no repo; add repo: <id> and iac: <dir>` });
      }
      if (Array.isArray(s.generate)) {
        const secretLength = typeof s.length === 'number' ? s.length : DEFAULTS.generatedLength;
        s.generate.forEach((item, i) => {
          if (!isRecord(item) || Object.keys(item).length !== 1) return;
          const [key, options] = Object.entries(item)[0]!;
          for (const p of generateOptionProblems(key, record(options), secretLength)) problems.push({ ...p, path: sat('generate', i, key, ...p.path) });
        });
      }
    }
  }

  if (declaredRepos.has(DOCS_REPO)) {
    problems.push({ path: ['repos', DOCS_REPO], at: 'key', message: `repo id "${DOCS_REPO}" is reserved: synth writes the generated docs to OUT/${DOCS_REPO}/, and they are never published; rename the repo id` });
  }
  for (const app of appNames) {
    if (RESERVED_VAULT_NAMES.has(app)) {
      problems.push({ path: ['apps', app], at: 'key', message: `app "${app}" would name a Vault policy or role that Vault or VSO already uses (${[...RESERVED_VAULT_NAMES].join(', ')}); rename the app` });
    }
  }
  const vaultNames = new Map<string, string>();
  for (const app of appNames) {
    vaultNames.set(app, `app "${app}"'s policy and role`);
    vaultNames.set(`${app}-ops`, `app "${app}"'s ops policy`);
  }
  for (const name of Object.keys(record(root.consumers))) {
    const taken = RESERVED_VAULT_NAMES.has(name) ? 'a policy or role Vault or VSO already uses' : vaultNames.get(name);
    if (taken) problems.push({ path: ['consumers', name], at: 'key', message: `consumer "${name}" would share its Vault policy and role name with ${taken}; rename the consumer` });
  }

  for (const [name, rawConsumer] of Object.entries(record(root.consumers))) {
    const reads = record(rawConsumer).reads;
    if (!Array.isArray(reads)) continue;
    reads.forEach((read, i) => {
      if (typeof read !== 'string') return;
      const problem = consumerReadProblem(read, appNames);
      if (problem) problems.push({ path: ['consumers', name, 'reads', i], message: problem });
    });
  }
  // Messages quote raw input: keep each on its FILE:LINE:COL line.
  return problems.map((p) => ({ ...p, message: oneLine(p.message) }));
}

/** Line breaks and control characters as JSON escapes, so a message is one line. */
function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * Why a consumer's read path is not allowed: it must start with a declared app's name (its own
 * segment, no glob), then name segments, `+` for exactly one segment, and `*` only at the end.
 */
export function consumerReadProblem(read: string, apps: ReadonlySet<string>): string | undefined {
  const example = 'e.g. cms/factory/*';
  if (read === '*' || read === '+') return `"${read}" alone would read every app's secrets; name the app and path, ${example}`;
  const segments = read.split('/');
  const [app, ...rest] = segments;
  if (app === undefined || !isDns1123Label(app)) {
    return `"${read}" must start with an app name as its own segment (no "*", "+" or "/" before it), ${example}`;
  }
  if (!apps.has(app)) return `"${read}" lies outside every app's kv space: no app "${app}" is declared under apps; declare it, or start the path with a declared app's name`;
  if (rest.length === 0) return `"${read}" names the app's whole space without a glob; add a path or "/*", ${example}`;
  for (let i = 0; i < rest.length; i++) {
    const seg = rest[i]!;
    const last = i === rest.length - 1;
    if (seg === '+') continue;
    const body = last && seg.endsWith('*') ? seg.slice(0, -1) : seg;
    if (body === '' && last && seg === '*') continue;
    if (!KV_SEGMENT.test(body)) {
      return `"${read}" has an invalid segment "${seg}": use names, "+" for one segment, and "*" only at the very end; ${example}`;
    }
  }
  return undefined;
}

/**
 * The rules between the options of one generated key (`secretLength` is the secret's `length` or
 * the default), as random_password and CreateString apply them: length >= the sum of the
 * minimums (the provider's own validator), no minimum on a class that is off (CreateString would
 * still draw it), overrideSpecial only with special, and at least one class left on.
 */
export function generateOptionProblems(key: string, o: Rec, secretLength: number): Problem[] {
  const problems: Problem[] = [];
  const length = typeof o.length === 'number' ? o.length : secretLength;
  const mins = CHARACTER_CLASSES.filter((c) => typeof o[c.min] === 'number' && (o[c.min] as number) > 0);
  const total = mins.reduce((sum, c) => sum + (o[c.min] as number), 0);
  if (total > length) {
    const terms = mins.map((c) => `${c.min} ${o[c.min] as number}`).join(' + ');
    problems.push({ path: typeof o.length === 'number' ? ['length'] : [], at: 'key', message: `${key}: ${terms} = ${total} characters, more than its length ${length}; random_password needs length >= the sum of the minimums, so raise length or lower a minimum` });
  }
  for (const c of mins) {
    if (o[c.switch] === false) problems.push({ path: [c.min], at: 'key', message: `${key}: ${c.min} asks for ${c.name} characters, but ${c.switch} is false (random_password would add them anyway); remove ${c.min} or set ${c.switch}: true` });
  }
  if (o.overrideSpecial !== undefined && o.special === false) {
    problems.push({ path: ['overrideSpecial'], at: 'key', message: `${key}: overrideSpecial lists the special characters to use, but special is false, so none are used; remove overrideSpecial or set special: true` });
  }
  if (CHARACTER_CLASSES.every((c) => o[c.switch] === false)) {
    problems.push({ path: [], at: 'key', message: `${key}: special, upper, lower and numeric are all false, so random_password has no characters to choose from; set at least one to true` });
  }
  return problems;
}

/** Policy and role names Vault or VSO own: an app or consumer of that name would overwrite them. */
const RESERVED_VAULT_NAMES: ReadonlySet<string> = new Set(['default', 'root', 'vault-secret-operator', 'edit-vso-client-cache']);

type Rec = Record<string, unknown>;

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function record(x: unknown): Rec {
  return isRecord(x) ? x : {};
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : [];
}
