import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';

/**
 * fast-check arbitraries of VALID apps.yaml v1 documents, as the plain data a YAML reader returns,
 * and a printer that writes such data as YAML text in a random but faithful format (block or flow
 * style, comments, key order, quoting). Written from the contract (shared/design/apps-yaml.md), not
 * from joinkey's schema, so that the properties test the code against the contract.
 *
 * Two strengths:
 * - `appsDoc()` (default): documents `joinkey check` accepts too. App names are prefix-free (Vault's
 *   trailing `*` is a prefix match, so "web" and "webapp" would reach each other's paths), consumer
 *   names never start with an app name, mounts are distinct plain names.
 * - `appsDoc({ loose: true })`: anything the contract's load rules accept; check may find problems.
 */

// ---------------------------------------------------------------------------------------------
// Plain data types (what yaml.parse returns)

export type Scalar = string | number | boolean;
export type Data = Scalar | Data[] | { [k: string]: Data };
export type Doc = { [k: string]: Data };

/** The options of one generated key (apps.yaml's `- KEY: { ... }`). */
export interface GenerateOptionsSpec {
  length?: number;
  special?: boolean;
  upper?: boolean;
  numeric?: boolean;
  minNumeric?: number;
  minUpper?: number;
  overrideSpecial?: string;
  rotation?: number;
}
export interface SecretSpec {
  serviceAccount?: string;
  namespace?: string;
  keys?: string[];
  generate?: (string | Record<string, GenerateOptionsSpec>)[];
  length?: number;
}
export interface DatabaseSpec {
  name?: string;
  restart?: string[];
  urlEnv?: string;
}
export interface AppSpec {
  repo?: string;
  manifests?: string;
  iac?: string;
  namespace?: string;
  namespaces?: string[];
  serviceAccounts?: string[];
  opsPolicies?: string[];
  database?: boolean | DatabaseSpec;
  secrets?: Record<string, SecretSpec>;
  writes?: string[];
}
export interface ConsumerSpec {
  serviceAccount: string;
  namespace: string;
  reads: string[];
}
export interface AppsDoc {
  version: 1;
  vault?: {
    connection?: string;
    address?: string;
    mounts?: { kubernetes?: string; jwt?: string; kv?: string; database?: string };
    audience?: string;
    tokenTtl?: number;
    refreshAfter?: string;
    appRolesModule?: string;
  };
  repos: Record<string, { url: string; branch?: string; gitea?: string }>;
  central?: { vault?: { repo?: string; dir?: string }; postgres?: { repo?: string; dir?: string } };
  postgres?: { host?: string; port?: number };
  state?: { bucket?: string };
  gitea?: { url: string; labels?: string[] };
  apps: Record<string, AppSpec>;
  consumers?: Record<string, ConsumerSpec>;
}

// ---------------------------------------------------------------------------------------------
// Names

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const char = (alphabet: string) => fc.constantFrom(...alphabet.split(''));
const str = (alphabet: string, min: number, max: number) => fc.string({ unit: char(alphabet), minLength: min, maxLength: max });

/** Keywords PostgreSQL reserves (categories R and T); an app named so cannot be a database name. */
export const PG_RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check ' +
    'collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema ' +
    'current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign ' +
    'freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit ' +
    'localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references ' +
    'returning right select session_user similar some symmetric table tablesample then to trailing true union unique user ' +
    'using variadic verbose when where window with'
  ).split(' '),
);

/** A string of exactly `n` characters drawn from a head alphabet then a body alphabet. */
const sized = (head: string, body: string, tail: string, lengths: fc.Arbitrary<number>) =>
  lengths.chain((n) =>
    n === 1
      ? str(
          head
            .split('')
            .filter((c) => tail.includes(c))
            .join(''),
          1,
          1,
        )
      : fc.tuple(str(head, 1, 1), str(body, n - 2, n - 2), str(tail, 1, 1)).map(([a, b, c]) => a + b + c),
  );

/** Lengths with the boundaries over-weighted: 1, short, and the caller's maxima. */
const lengths = (max: number, boundaries: number[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 2, max: 8 }) },
    { weight: 1, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 9, max: max }) },
    { weight: 2, arbitrary: fc.constantFrom(...boundaries) },
  );

const plainDnsLabel = (max: number): fc.Arbitrary<string> => sized(LOWER + DIGITS, LOWER + DIGITS + '-', LOWER + DIGITS, lengths(max, [max]));

/**
 * Valid names that are also properties of every JavaScript object: a naive lookup table (cdk8s
 * keeps construct children in a plain object) finds them before anything is added.
 */
export const PROTOTYPE_LABELS = ['constructor', 'prototype', 'tostring', 'valueof', 'hasownproperty', 'isprototypeof', 'tolocalestring'] as const;

/**
 * A DNS-1123 label: 1 to 63 lowercase alphanumerics or '-', alphanumeric at both ends. Over-weights
 * labels holding "--" (the separator constructs turns "/" into) and the prototype names.
 */
export const dnsLabel = (max = 63): fc.Arbitrary<string> => {
  const half = Math.floor((max - 2) / 2);
  const special = [
    ...(half >= 9 ? [fc.tuple(plainDnsLabel(half), plainDnsLabel(half)).map(([a, b]) => `${a}--${b}`)] : []),
    ...(PROTOTYPE_LABELS.some((n) => n.length <= max) ? [fc.constantFrom(...PROTOTYPE_LABELS.filter((n) => n.length <= max))] : []),
  ];
  return special.length
    ? fc.oneof({ weight: 8, arbitrary: plainDnsLabel(max) }, ...special.map((arbitrary) => ({ weight: 1, arbitrary })))
    : plainDnsLabel(max);
};

/**
 * An app name that may have a database: a DNS label that is also an unquoted PostgreSQL
 * identifier once suffixed with `_role` (so no '-', no leading digit, at most 58 characters) and
 * not a reserved keyword.
 */
export const dbAppName: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 9, arbitrary: sized(LOWER, LOWER + DIGITS, LOWER + DIGITS, lengths(58, [58])) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_LABELS) },
  )
  .filter((n) => !PG_RESERVED.has(n));

/** A plain PostgreSQL identifier for database.name. */
export const pgIdentifier: fc.Arbitrary<string> = sized(LOWER + '_', LOWER + DIGITS + '_', LOWER + DIGITS + '_', lengths(63, [63])).filter(
  (n) => !PG_RESERVED.has(n),
);

const VAULT_NAME_HEAD = LOWER + LOWER.toUpperCase() + DIGITS + '_';
/** Vault policy/role names for consumers and ops policies. */
export const vaultName: fc.Arbitrary<string> = sized(VAULT_NAME_HEAD, VAULT_NAME_HEAD + '-', VAULT_NAME_HEAD + '-', lengths(40, [128]));
const CONSUMER_HEAD = LOWER + DIGITS + '_';
/** Consumer names: lowercase only, since Vault lowercases the policy names they become. */
export const consumerName: fc.Arbitrary<string> = sized(CONSUMER_HEAD, CONSUMER_HEAD + '-', CONSUMER_HEAD + '-', lengths(40, [128]));

const KV_HEAD = LOWER + LOWER.toUpperCase() + DIGITS + '_';
export const kvSegment: fc.Arbitrary<string> = fc.tuple(str(KV_HEAD, 1, 1), str(KV_HEAD + '.-', 0, 10)).map(([a, b]) => a + b);
export const kvPath: fc.Arbitrary<string> = fc.array(kvSegment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
export const repoDir: fc.Arbitrary<string> = kvPath;
/** A Kubernetes Secret data key (IsConfigMapKey): not ".", nor starting with "..". */
export const secretKey: fc.Arbitrary<string> = str(LOWER.toUpperCase() + LOWER + DIGITS + '_.-', 1, 20).filter((k) => k !== '.' && !k.startsWith('..'));
const envName: fc.Arbitrary<string> = fc.tuple(str(LOWER.toUpperCase() + '_', 1, 1), str(LOWER.toUpperCase() + DIGITS + '_', 0, 20)).map(([a, b]) => a + b);
const objectName: fc.Arbitrary<string> = fc.oneof(
  dnsLabel(20),
  fc.tuple(dnsLabel(10), dnsLabel(10)).map(([a, b]) => `${a}.${b}`),
);
const restartTarget = fc.tuple(fc.constantFrom('Deployment', 'DaemonSet', 'StatefulSet', 'argo.Rollout'), objectName).map(([k, n]) => `${k}/${n}`);

const uniq = <T>(arb: fc.Arbitrary<T>, max: number, min = 0) => fc.uniqueArray(arb, { minLength: min, maxLength: max });
const maybe = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });

/**
 * Valid options of a generated key: the minimums add up to at most the length, none on a class
 * that is off, overrideSpecial only with special.
 */
export const generateOptions: fc.Arbitrary<GenerateOptionsSpec> = fc
  .record({
    length: maybe(fc.integer({ min: 8, max: 1024 })),
    special: maybe(fc.boolean()),
    upper: maybe(fc.boolean()),
    numeric: maybe(fc.boolean()),
    minNumeric: maybe(fc.integer({ min: 0, max: 4 })),
    minUpper: maybe(fc.integer({ min: 0, max: 4 })),
    overrideSpecial: maybe(fc.constantFrom('-_', '!#$%&*()', '${}%{}', '"\\\'', '~')),
    rotation: maybe(fc.integer({ min: 0, max: 3 })),
  })
  .map((o) => {
    const out: GenerateOptionsSpec = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    if (out.special === false) delete out.overrideSpecial;
    if (out.numeric === false) delete out.minNumeric;
    if (out.upper === false) delete out.minUpper;
    return out;
  });

/** Drops undefined values, so that optional keys are absent rather than present and empty. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** True when `a` is a prefix of some other name (Vault's trailing `*` would reach it). */
const prefixOfAnother = (a: string, all: readonly string[]) => all.some((b) => b !== a && b.startsWith(a));

export const VSO_ROLE = 'vault-secret-operator';
/** Policy and role names Vault and VSO use themselves. */
export const RESERVED_VAULT = new Set(['default', 'root', VSO_ROLE, 'edit-vso-client-cache']);

// ---------------------------------------------------------------------------------------------
// Documents

export interface DocOptions {
  /** Loader-valid only (check may report problems); default false: check-valid. */
  readonly loose?: boolean;
  readonly maxApps?: number;
  /** Allow zero apps (default true). */
  readonly allowEmpty?: boolean;
}

interface AppSeed {
  name: string;
  db: boolean;
}

/** App names: some with a database (pg-safe names), some without (any DNS label). */
function appSeeds(opts: DocOptions): fc.Arbitrary<AppSeed[]> {
  const seed = fc.oneof(
    { weight: 3, arbitrary: dbAppName.map((name) => ({ name, db: true })) },
    { weight: 1, arbitrary: dnsLabel().map((name) => ({ name, db: false })) },
  );
  return fc
    .uniqueArray(seed, { selector: (s) => s.name, minLength: opts.allowEmpty === false ? 1 : 0, maxLength: opts.maxApps ?? 5 })
    .map((seeds) => seeds.filter((s) => !RESERVED_VAULT.has(s.name)))
    .map((seeds) => {
      if (opts.loose) return seeds;
      const names = [...seeds.map((s) => s.name), VSO_ROLE];
      return seeds.filter((s) => !prefixOfAnother(s.name, names));
    });
}

const REPO_IDS = ['tools', 'factory', 'cms', 'platform', 'db', 'r1', 'a-b'];

function repoArb(id: string): fc.Arbitrary<{ url: string; branch?: string; gitea?: string }> {
  return fc
    .record({
      url: fc.constantFrom(`ssh://git@gitea.example.lab/org/${id}.git`, `file:///srv/git/${id}.git`, `https://git.example.org/o/${id}`),
      branch: maybe(fc.constantFrom('main', 'trunk', 'release/v1.2', 'feature_x')),
      gitea: maybe(fc.constant(`org/${id}`), 4),
    })
    .map(compact);
}

const vaultArb = (loose: boolean) =>
  fc
    .record({
      connection: maybe(fc.constantFrom('default', 'vault', 'vault-system/vault', 'a.b')),
      address: maybe(fc.constantFrom('http://vault.example:8200', 'https://v.example.org/x?y=1')),
      mounts: maybe(
        loose
          ? fc.record({ kubernetes: maybe(repoDir), jwt: maybe(repoDir), kv: maybe(repoDir), database: maybe(repoDir) }).map(compact)
          : fc.shuffledSubarray(['k8s', 'jwt2', 'secrets', 'pg', 'kv-main', 'db.pg'], { minLength: 4, maxLength: 4 }).chain(([kubernetes, jwt, kv, database]) =>
              fc
                .record({
                  kubernetes: maybe(fc.constant(kubernetes!)),
                  jwt: maybe(fc.constant(jwt!)),
                  kv: maybe(fc.constant(kv!)),
                  database: maybe(fc.constant(database!)),
                })
                .map(compact),
            ),
      ),
      audience: maybe(fc.constantFrom('vault', 'https://vault.example', 'a_b:c/d-e.f')),
      tokenTtl: maybe(fc.integer({ min: 1, max: 100_000 })),
      refreshAfter: maybe(fc.constantFrom('30s', '1m', '1m30s', '1.5h', '250ms')),
      appRolesModule: maybe(fc.constantFrom('git::ssh://git@h/o/tools.git//m/app_roles?ref=main', './modules/app_roles', 'registry.example/ns/name/prov#x')),
    })
    .map(compact);

function appArb(seed: AppSeed, repoIds: readonly string[], loose: boolean): fc.Arbitrary<AppSpec> {
  const { name } = seed;
  const withRepo = repoIds.length ? maybe(fc.constantFrom(...repoIds), 1) : fc.constant(undefined);
  return fc
    .record({
      repo: withRepo,
      extraSas: uniq(dnsLabel(), 3),
      includeSelfSa: fc.boolean(),
      namespace: maybe(fc.oneof(dnsLabel(), fc.constant(name))),
      namespaces: uniq(dnsLabel(), 2),
      opsPolicies: uniq(vaultName, 2),
      writes: uniq(kvPath, 2),
      dirs: fc.record({
        manifests: maybe(fc.tuple(fc.constantFrom('apps', 'k8s', 'charts'), fc.constantFrom('resources', 'templates', 'chart/templates', 'k8s'))),
        iac: maybe(fc.tuple(fc.constantFrom('apps', 'iac', 'tofu'), fc.constantFrom('iac', 'tofu', 'infra/main'))),
      }),
      dbChoice: seed.db ? fc.constantFrom('default', 'true', 'options') : fc.constant('false'),
      dbName: maybe(pgIdentifier),
      restart: uniq(restartTarget, 3),
      urlEnv: maybe(envName),
      secretNames: uniq(dnsLabel(20), 3),
      secretKinds: fc.array(
        fc.record({
          kind: fc.constantFrom('plain', 'keys', 'generate'),
          keys: uniq(secretKey, 3, 1),
          length: maybe(fc.integer({ min: 16, max: 1024 })),
          options: fc.array(maybe(generateOptions, 3), { minLength: 3, maxLength: 3 }),
          sa: fc.nat(),
          ns: fc.nat(),
          setSa: fc.boolean(),
          setNs: fc.boolean(),
        }),
        { minLength: 3, maxLength: 3 },
      ),
      listSelf: fc.boolean(),
    })
    .map((r) => {
      const app: AppSpec = {};
      if (r.repo !== undefined) app.repo = r.repo;
      if (r.repo !== undefined && r.dirs.manifests) app.manifests = `${r.dirs.manifests[0]}/${name}/${r.dirs.manifests[1]}`;
      if (r.repo !== undefined && r.dirs.iac) app.iac = `${r.dirs.iac[0]}/${name}/${r.dirs.iac[1]}`;
      if (r.namespace !== undefined) app.namespace = r.namespace;
      if (r.namespaces.length) app.namespaces = r.namespaces;
      const sas = r.includeSelfSa && !r.extraSas.includes(name) ? [...r.extraSas, name] : r.extraSas;
      if (sas.length) app.serviceAccounts = sas;
      if (r.opsPolicies.length) app.opsPolicies = r.opsPolicies;
      if (r.writes.length) app.writes = r.writes;
      const hasDb = r.dbChoice !== 'false';
      if (r.dbChoice === 'false') app.database = false;
      else if (r.dbChoice === 'true') app.database = true;
      else if (r.dbChoice === 'options') {
        const db: DatabaseSpec = {};
        if (r.dbName) db.name = r.dbName;
        if (app.repo !== undefined && r.restart.length) db.restart = r.restart;
        if (app.repo !== undefined && r.urlEnv && db.restart && db.restart.some((t) => !t.startsWith('argo.'))) db.urlEnv = r.urlEnv;
        app.database = db;
      }
      const boundSas = [name, ...sas];
      const boundNs = [name, ...(app.namespace ? [app.namespace] : []), ...r.namespaces];
      const secrets: Record<string, SecretSpec> = {};
      r.secretNames.forEach((s, i) => {
        // Secret <app>-db-credentials would collide with the database's Secret.
        if (hasDb && s === 'db-credentials') return;
        const k = r.secretKinds[i]!;
        const spec: SecretSpec = {};
        if (k.setSa) spec.serviceAccount = boundSas[k.sa % boundSas.length]!;
        if (k.setNs) spec.namespace = boundNs[k.ns % boundNs.length]!;
        if (k.kind === 'keys') spec.keys = k.keys;
        if (k.kind === 'generate' && app.repo !== undefined) {
          spec.generate = k.keys.map((key, j) => (k.options[j] ? { [key]: k.options[j] } : key));
          if (k.length !== undefined) spec.length = k.length;
        }
        secrets[s] = spec;
      });
      if (r.secretNames.length) app.secrets = secrets;
      void loose;
      return app;
    });
}

const consumerReadArb = (apps: readonly string[]) =>
  fc
    .tuple(
      fc.constantFrom(...apps),
      fc.array(fc.oneof({ weight: 4, arbitrary: kvSegment }, { weight: 1, arbitrary: fc.constant('+') }), { minLength: 0, maxLength: 3 }),
      fc.constantFrom('', '*', '/*'),
    )
    .map(([app, segs, tail]) => {
      if (segs.length === 0) return `${app}/*`;
      const last = segs[segs.length - 1];
      return `${app}/${segs.join('/')}${tail === '*' && last === '+' ? '/*' : tail}`;
    });

function consumersArb(apps: readonly string[], loose: boolean): fc.Arbitrary<Record<string, ConsumerSpec> | undefined> {
  if (apps.length === 0) return fc.constant(undefined);
  const consumer = fc.record({ serviceAccount: dnsLabel(), namespace: dnsLabel(), reads: uniq(consumerReadArb(apps), 3, 1) });
  return maybe(fc.dictionary(consumerName, consumer, { minKeys: 1, maxKeys: 3 }), 2).map((cs) => {
    if (!cs) return cs;
    if (loose) {
      const taken = new Set([...apps, ...apps.map((a) => `${a}-ops`), ...RESERVED_VAULT]);
      const kept = Object.entries(cs).filter(([n]) => !taken.has(n));
      return kept.length ? Object.fromEntries(kept) : undefined;
    }
    // A consumer's role auth/<k8s>/role/<name> must not fall under an app's auth/<k8s>/role/<app>* glob.
    const kept = Object.entries(cs).filter(([n]) => !apps.some((a) => n.startsWith(a)) && !n.startsWith('__'));
    return kept.length ? Object.fromEntries(kept) : undefined;
  });
}

/** A valid apps.yaml v1 document as plain data. */
export function appsDoc(opts: DocOptions = {}): fc.Arbitrary<AppsDoc> {
  const loose = opts.loose ?? false;
  return fc
    .record({
      seeds: appSeeds(opts),
      extraRepos: fc.shuffledSubarray(
        REPO_IDS.filter((r) => r !== 'tools' && r !== 'factory'),
        { maxLength: 3 },
      ),
      centralChoice: fc.constantFrom('default', 'explicit', 'dirs'),
      vault: maybe(vaultArb(loose)),
      postgres: maybe(
        fc.record({ host: maybe(fc.constantFrom('pg.example', 'pgbouncer.tools', 'db1')), port: maybe(fc.integer({ min: 1, max: 65535 })) }).map(compact),
      ),
      state: maybe(fc.record({ bucket: maybe(fc.constantFrom('acme-tf', 'my.bucket_1')) }).map(compact)),
      gitea: maybe(
        fc
          .record({ url: fc.constant('https://gitea.example.lab'), labels: maybe(uniq(fc.constantFrom('joinkey', 'generated', 'needs review'), 3, 1)) })
          .map(compact),
        4,
      ),
    })
    .chain((r) => {
      const explicit = r.centralChoice === 'explicit';
      const repoIds = explicit && r.extraRepos.length ? r.extraRepos : ['tools', 'factory', ...r.extraRepos];
      const repos = fc.tuple(...repoIds.map((id) => repoArb(id))).map((rs) => Object.fromEntries(repoIds.map((id, i) => [id, rs[i]!])));
      const central =
        r.centralChoice === 'default'
          ? fc.constant(undefined)
          : fc.record({
              vault: fc
                .record({
                  repo: explicit ? fc.constantFrom(...repoIds) : maybe(fc.constantFrom(...repoIds)),
                  dir: maybe(fc.constantFrom('vault/iac', 'hashicorp-vault/iac', 'central')),
                })
                .map(compact),
              postgres: fc
                .record({
                  repo: explicit ? fc.constantFrom(...repoIds) : maybe(fc.constantFrom(...repoIds)),
                  dir: maybe(fc.constantFrom('postgres/iac', 'pg', 'central')),
                })
                .map(compact),
            });
      const appNames = r.seeds.map((s) => s.name);
      return fc
        .record({
          repos,
          central,
          apps: fc.tuple(...r.seeds.map((s) => appArb(s, repoIds, loose))),
          consumers: consumersArb(appNames, loose),
        })
        .map((x): AppsDoc =>
          compact({
            version: 1 as const,
            vault: r.vault,
            repos: x.repos,
            central: x.central,
            postgres: r.postgres,
            state: r.state,
            gitea: r.gitea,
            apps: Object.fromEntries(r.seeds.map((s, i) => [s.name, x.apps[i]!])),
            consumers: x.consumers,
          }),
        );
    });
}

/** The names of Object.prototype, which a plain object inherits: each must stay an ordinary name. */
export const PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype).sort();

/**
 * A valid doc that also uses the names of Object.prototype the schema accepts: an app, a repo (the
 * app's target) and a secret named "constructor", and a consumer "__proto__" (which Vault may
 * hold, unlike a DNS label), sometimes with service account "constructor".
 */
export function docWithPrototypeNames(opts: DocOptions = {}): fc.Arbitrary<AppsDoc> {
  return fc.tuple(appsDoc(opts), fc.boolean(), fc.boolean()).map(([doc, inRepo, withSa]) => {
    const apps = Object.entries(doc.apps).filter(([n]) => !'constructor'.startsWith(n) && !n.startsWith('constructor'));
    const consumers = Object.entries(doc.consumers ?? {}).filter(([n]) => !n.startsWith('constructor') && n !== '__proto__');
    const reads = ['constructor/constructor'];
    return {
      ...doc,
      repos: inRepo ? { ...doc.repos, constructor: { url: 'ssh://git@gitea.example/org/constructor.git' } } : doc.repos,
      apps: Object.fromEntries([
        ...apps,
        ['constructor', { repo: inRepo ? 'constructor' : Object.keys(doc.repos)[0]!, database: false, secrets: { constructor: { keys: ['K'] } } }],
      ]),
      consumers: Object.fromEntries([...consumers, ['__proto__', { serviceAccount: withSa ? 'constructor' : 'a', namespace: 'b', reads }]]),
    };
  });
}

/** A doc plus one more app whose name is prefix-free with respect to the doc (for locality). */
export function docWithExtraApp(opts: DocOptions = {}): fc.Arbitrary<{ doc: AppsDoc; name: string; app: AppSpec }> {
  return appsDoc(opts).chain((doc) => {
    const taken = [...Object.keys(doc.apps), ...Object.keys(doc.consumers ?? {}), VSO_ROLE];
    const ok = (n: string) => !RESERVED_VAULT.has(n) && !taken.some((t) => t.startsWith(n) || n.startsWith(t));
    return fc
      .oneof(
        dbAppName.map((name) => ({ name, db: true })),
        dnsLabel().map((name) => ({ name, db: false })),
      )
      .filter((s) => ok(s.name))
      .chain((seed) => appArb(seed, Object.keys(doc.repos), false).map((app) => ({ doc, name: seed.name, app })));
  });
}

// ---------------------------------------------------------------------------------------------
// Permutations: apps.yaml lists are sets and its mappings are unordered

/** Random generator driven by a seed (mulberry32): the printer's and shuffler's choices. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The same document with every list and every mapping in another order. */
export function permute<T extends Data | AppsDoc>(value: T, seed: number): T {
  const rand = rng(seed);
  const walk = (v: Data): Data => {
    if (Array.isArray(v)) return shuffle(v.map(walk), rand);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(shuffle(Object.entries(v), rand).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value as Data) as T;
}

// ---------------------------------------------------------------------------------------------
// The YAML printer

export interface Format {
  readonly seed: number;
  /** Spaces per level. */
  readonly indent: 2 | 3 | 4;
  /** Chance that a collection is written in flow style ({ } / [ ]). */
  readonly flow: number;
  /** Chance of a comment after a line or between entries. */
  readonly comments: number;
  /** Shuffle mapping keys. */
  readonly shuffleKeys: boolean;
  /** Block sequences indented under their key, or at the key's column. */
  readonly indentSeqs: boolean;
  readonly docStart: boolean;
  readonly crlf: boolean;
}

export const formatArb: fc.Arbitrary<Format> = fc.record({
  seed: fc.integer(),
  indent: fc.constantFrom(2 as const, 3 as const, 4 as const),
  flow: fc.constantFrom(0, 0.2, 0.5, 1),
  comments: fc.constantFrom(0, 0.1, 0.4),
  shuffleKeys: fc.boolean(),
  indentSeqs: fc.boolean(),
  docStart: fc.boolean(),
  crlf: fc.boolean(),
});

export const DEFAULT_FORMAT: Format = { seed: 1, indent: 2, flow: 0, comments: 0, shuffleKeys: false, indentSeqs: true, docStart: false, crlf: false };

const COMMENTS = ['note', 'later: {{ not a template }}', 'a: b, [c] ${var.x} %{x}', '"quoted" \'single\'', 'ünïcödé ✓', '#', ''];

/** True when `s` can be written as a plain scalar in flow and block context and reads back as the same string. */
function plainOk(s: string, flow: boolean): boolean {
  if (!/^[A-Za-z0-9_./][A-Za-z0-9_./*+@:?=-]*$/.test(s)) return false;
  if (flow && /[:?]/.test(s)) return false;
  try {
    return parseYaml(`k: ${s}`, { version: '1.2' })?.k === s && parseYaml(`[${s}]`, { version: '1.2' })?.[0] === s;
  } catch {
    return false;
  }
}

/** Writes `doc` as YAML text in `fmt`; yaml.parse(text) deep-equals doc (a test checks this). */
export function printYaml(doc: Data | AppsDoc, fmt: Format = DEFAULT_FORMAT): string {
  const rand = rng(fmt.seed);
  const chance = (p: number) => p > 0 && rand() < p;
  const comment = () => ` # ${COMMENTS[Math.floor(rand() * COMMENTS.length)]}`;
  const keysOf = (o: { [k: string]: Data }) => (fmt.shuffleKeys ? shuffle(Object.keys(o), rand) : Object.keys(o));

  const scalar = (v: Scalar, flow: boolean): string => {
    if (typeof v !== 'string') return String(v);
    const r = rand();
    if (r < 0.6 && plainOk(v, flow)) return v;
    if (r < 0.8 && !/[\p{Cc}\u2028\u2029\ufeff]/u.test(v)) return `'${v.replace(/'/g, "''")}'`;
    return JSON.stringify(v).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  };
  const key = (k: string, flow: boolean) => scalar(k, flow);

  const flowValue = (v: Data): string => {
    if (Array.isArray(v)) return `[${v.map(flowValue).join(', ')}]`;
    if (typeof v === 'object') {
      const ks = keysOf(v);
      return ks.length ? `{ ${ks.map((k) => `${key(k, true)}: ${flowValue(v[k]!)}`).join(', ')} }` : '{}';
    }
    return scalar(v, true);
  };

  const lines: string[] = [];
  const pad = (n: number) => ' '.repeat(n);
  const isEmpty = (v: Data) => typeof v === 'object' && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

  const block = (v: Data, depth: number): void => {
    const at = pad(depth);
    if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item === 'object' && !isEmpty(item)) lines.push(`${at}- ${flowValue(item)}`);
        else lines.push(`${at}- ${typeof item === 'object' ? flowValue(item) : scalar(item, false)}${chance(fmt.comments) ? comment() : ''}`);
      }
      return;
    }
    if (typeof v === 'object') {
      for (const k of keysOf(v)) {
        const child = v[k]!;
        if (chance(fmt.comments)) lines.push(`${at}#${comment().slice(2)}`);
        if (typeof child !== 'object' || isEmpty(child) || chance(fmt.flow)) {
          const text = typeof child === 'object' ? flowValue(child) : scalar(child, false);
          lines.push(`${at}${key(k, false)}: ${text}${chance(fmt.comments) ? comment() : ''}`);
        } else {
          lines.push(`${at}${key(k, false)}:${chance(fmt.comments) ? comment() : ''}`);
          const inner = Array.isArray(child) && !fmt.indentSeqs ? depth : depth + fmt.indent;
          block(child, inner);
        }
      }
    }
  };

  const root = doc as Data;
  if (fmt.docStart) lines.push(chance(0.5) ? '---' : '--- # apps.yaml');
  if (typeof root === 'object' && !Array.isArray(root) && chance(fmt.flow) && chance(0.5)) lines.push(flowValue(root));
  else block(root, 0);
  return lines.join(fmt.crlf ? '\r\n' : '\n') + (fmt.crlf ? '\r\n' : '\n');
}
