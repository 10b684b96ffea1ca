import { posix } from 'node:path';

/**
 * Every naming rule and every name derived from `<app>`: Kubernetes, Vault, PostgreSQL and CI
 * names, Vault paths and policy lists, generated file names, OpenTofu addresses, cdk8s construct
 * ids and the bot's commit trailer. Nothing else in joinkey builds one by hand: code reads the
 * resolved model, which calls these functions once, or calls them directly. A leaf module.
 */

/** The pseudo-repo that holds dist/docs; it is never published, and no repo may take its id. */
export const DOCS_REPO = 'docs';

/** DNS-1123 label: at most 63 characters, lowercase alphanumerics or '-', alphanumeric at both ends. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;
/**
 * DNS-1123 subdomain, the rule for most Kubernetes object names (Secrets, ServiceAccounts, VSO
 * objects): at most 253 characters, dot-separated DNS-1123 labels.
 */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX = 253;

/** Unquoted PostgreSQL identifier as joinkey allows it: lowercase letters, digits, '_', not starting with a digit. */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** NAMEDATALEN - 1: longer identifiers are silently truncated by PostgreSQL. */
export const PG_IDENTIFIER_MAX_BYTES = 63;
export const PG_ROLE_SUFFIX = '_role';

/**
 * Keywords PostgreSQL 15 reserves outright or for function and type names (categories R and T of
 * pg_get_keywords()). They are syntax errors as unquoted role or database names. The PostgreSQL
 * integration test compares this list with the server's own.
 */
export const PG_RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'authorization',
  'binary',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'collation',
  'column',
  'concurrently',
  'constraint',
  'create',
  'cross',
  'current_catalog',
  'current_date',
  'current_role',
  'current_schema',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'freeze',
  'from',
  'full',
  'grant',
  'group',
  'having',
  'ilike',
  'in',
  'initially',
  'inner',
  'intersect',
  'into',
  'is',
  'isnull',
  'join',
  'lateral',
  'leading',
  'left',
  'like',
  'limit',
  'localtime',
  'localtimestamp',
  'natural',
  'not',
  'notnull',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'outer',
  'overlaps',
  'placing',
  'primary',
  'references',
  'returning',
  'right',
  'select',
  'session_user',
  'similar',
  'some',
  'symmetric',
  'table',
  'tablesample',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'verbose',
  'when',
  'where',
  'window',
  'with',
]);

/** Vault policy and role names that are not app-derived (consumers, extra ops policies). */
export const VAULT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
/** Keys of a Kubernetes Secret's data (and so of a kv secret VSO syncs). */
export const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** An environment variable name, for `urlEnv`. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** One segment of a kv path below an app: no globs, no '.' or '..'. */
export const KV_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A repo-relative directory: '/'-separated segments, no '.', '..' or empty segment. */
export const REPO_DIR = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;
/** A Go duration as VSO's refreshAfter takes it, e.g. 30s, 1m30s, 1h. */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
/** `Kind/name` for VaultDynamicSecret rolloutRestartTargets (the VSO enum). */
export const RESTART_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'argo.Rollout'] as const;
export type RestartKind = (typeof RESTART_KINDS)[number];

export function isDns1123Label(s: string): boolean {
  return s.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(s);
}

/** Why `s` is not a plain PostgreSQL identifier, or undefined when it is one. */
export function pgIdentifierProblem(s: string): string | undefined {
  if (!PG_IDENTIFIER.test(s)) {
    if (s.includes('-')) return `"${s}" contains "-", which PostgreSQL reads as a minus sign in an unquoted identifier`;
    if (/^[0-9]/.test(s)) return `"${s}" starts with a digit, which an unquoted PostgreSQL identifier cannot`;
    return `"${s}" is not a plain PostgreSQL identifier (lowercase letters, digits and "_", not starting with a digit)`;
  }
  if (Buffer.byteLength(s) > PG_IDENTIFIER_MAX_BYTES) return `"${s}" is ${Buffer.byteLength(s)} bytes, over PostgreSQL's limit of ${PG_IDENTIFIER_MAX_BYTES}`;
  if (PG_RESERVED_KEYWORDS.has(s)) return `"${s}" is a reserved PostgreSQL keyword`;
  return undefined;
}

// ---- derivations from <app> (the table in apps-yaml.md) ----

export const pgRoleName = (app: string): string => `${app}${PG_ROLE_SUFFIX}`;
export const appPolicyName = (app: string): string => app;
export const opsPolicyName = (app: string): string => `${app}-ops`;
export const opsGroupName = (app: string): string => `${app}-ops`;
export const ciRoleName = (app: string): string => `gitea_cicd_${app}`;
export const k8sAuthRoleName = (app: string): string => app;
/** The Vault policy and role names an app takes: no consumer may take one of them. */
export const appVaultNames = (app: string): readonly string[] => [...new Set([appPolicyName(app), k8sAuthRoleName(app), opsPolicyName(app)])];

/** A consumer's Vault policy and its Kubernetes auth role are both named after the consumer. */
export const consumerPolicyName = (consumer: string): string => consumer;
export const consumerRoleName = (consumer: string): string => consumer;

/** Vault's built-in policy, which every Kubernetes auth role and CI role carries first. */
export const VAULT_BASE_POLICY = 'default';
/** token_policies of a Kubernetes auth role (an app's or a consumer's) whose own policy is `policy`. */
export const k8sRoleTokenPolicies = (policy: string): readonly string[] => [VAULT_BASE_POLICY, policy];
/** token_policies of the app's CI role: the base policy, the ops policy, then the extra ops policies. */
export const ciRoleTokenPolicies = (app: string, extraOpsPolicies: readonly string[]): readonly string[] => [
  VAULT_BASE_POLICY,
  opsPolicyName(app),
  ...extraOpsPolicies,
];

/** VaultAuth for the app's own SA is `<app>`; one for an extra SA is `<app>-<sa>`. */
export const vaultAuthName = (app: string, serviceAccount: string): string => (serviceAccount === app ? app : `${app}-${serviceAccount}`);
export const staticSecretName = (app: string, secret: string): string => `${app}-${secret}`;
export const dynamicSecretName = (app: string): string => `${app}-db-credentials`;
/** HCL resource labels: a name starting with a digit (a valid Vault or DNS name) gets a prefix. */
const hclLabel =
  (prefix: string) =>
  (name: string): string =>
    /^[0-9]/.test(name) ? `${prefix}${name}` : name;
export const consumerResourceLabel = hclLabel('c_');
export const secretResourceLabel = hclLabel('s_');
/** An OpenTofu address: `<type>.<label>`, `data.<type>.<label>` (type `data.<type>`), `module.<label>`. */
export const tofuAddress = (type: string, label: string): string => `${type}.${label}`;
/** A rollout-restart target as apps.yaml and VSO write it: `Deployment/web`. */
export const restartTargetText = (t: { readonly kind: string; readonly name: string }): string => `${t.kind}/${t.name}`;
/** The file the init container writes the database URL to: named after urlEnv, in the shared volume. */
export const databaseUrlFile = (mountPath: string, urlEnv: string): string => posix.join(mountPath, urlEnv);
/** The module label of the app_roles call in every app's IaC project. */
export const APP_ROLES_MODULE_LABEL = 'app_roles';
/** The state prefix of an app's IaC project, `<repo>/<app>/main`, below `state.prefix` when one is set. */
export const stateKeyPrefix = (repo: string, app: string, statePrefix?: string): string =>
  statePrefix === undefined ? `${repo}/${app}/main` : `${statePrefix}/${repo}/${app}/main`;
/** Where the state of a project lives, as `<bucket>/<prefix>`. */
export const stateLocation = (bucket: string, prefix: string): string => `${bucket}/${prefix}`;

// ---- Vault paths ----

/** The kv-v1 mount of the admin-seeded platform secrets (not configurable: it predates joinkey). */
export const KV_V1_MOUNT = 'kvv1';
/** kv-v1 spaces an app's ops policy may manage below its own name (DNS and edge credentials). */
export const KV_V1_OPS_SPACES = ['cloudflare', 'ovh'] as const;
/** kv-v1 paths every app's CI reads: the bot key that pulls the app_roles module, the GCS backend key. */
export const MODULE_READER_KEY_PATH = `${KV_V1_MOUNT}/gitea/tofu_module_reader`;
export const STATE_BACKEND_KEY_PATH = `${KV_V1_MOUNT}/google/credentials`;
/** `kvv1/<space>/<app>*`: what the ops policy manages in one kv-v1 space. */
export const kvV1OpsPath = (space: string, app: string): string => `${KV_V1_MOUNT}/${space}/${app}*`;

/** A path below a mount, as Vault's CLI and the guidebook write it (`kvv2/web/config`, `postgres/creds/web`). */
export const mountPath = (mount: string, path: string): string => `${mount}/${path}`;
export const k8sAuthRolePath = (kubernetesMount: string, role: string): string => `auth/${kubernetesMount}/role/${role}`;
export const kvPath = (app: string, secret: string): string => `${app}/${secret}`;
/** The app's own kv space below the kv mount, `<app>/`: its secrets and writes lie inside it. */
export const kvSpace = (app: string): string => `${app}/`;
/** True when a kv path (below the mount) lies inside the app's own space and never climbs out of it. */
export const inKvSpace = (app: string, path: string): boolean => path.startsWith(kvSpace(app)) && !path.split('/').includes('..');
/** `<mount>/<app>/*`: the app's kv space as a glob, for display. */
export const kvSpaceGlob = (kvMount: string, app: string): string => mountPath(kvMount, `${kvSpace(app)}*`);
/** kv-v2 keeps data below `<mount>/data/`: what a policy must grant and VSO reads. */
export const kvDataPath = (kvMount: string, path: string): string => `${kvMount}/data/${path}`;
export const dbCredsPath = (app: string): string => `creds/${app}`;
export const dbRolePath = (databaseMount: string, app: string): string => `${databaseMount}/roles/${app}`;

/** The kv-v2 path verbs the ops policy manages for the app's space (full CRUD, versions included). */
const KV_V2_VERBS = ['data', 'delete', 'undelete', 'destroy', 'metadata'] as const;
const CRUD = ['create', 'read', 'update', 'delete', 'list'];

/**
 * The paths of the guidebook's app and ops policies for `<app>`, with their capabilities.
 * Trailing `*` is Vault's prefix glob.
 */
export function policyPaths(app: string, mounts: { kubernetes: string; kv: string; database: string }): readonly PolicyPath[] {
  const ops = opsPolicyName(app);
  return [
    { policy: appPolicyName(app), path: kvDataPath(mounts.kv, `${kvSpace(app)}*`), capabilities: ['read', 'list'] },
    { policy: appPolicyName(app), path: `${mountPath(mounts.database, dbCredsPath(app))}*`, capabilities: ['read'] },
    { policy: ops, path: `${dbRolePath(mounts.database, app)}*`, capabilities: CRUD },
    { policy: ops, path: `${k8sAuthRolePath(mounts.kubernetes, k8sAuthRoleName(app))}*`, capabilities: CRUD },
    ...KV_V2_VERBS.map((verb) => ({ policy: ops, path: `${mounts.kv}/${verb}/${kvSpace(app)}*`, capabilities: CRUD })),
    ...KV_V1_OPS_SPACES.map((space) => ({ policy: ops, path: kvV1OpsPath(space, app), capabilities: CRUD })),
  ];
}

// ---- generated file names (every one carries `.gen.`) ----

/** Where an app's files go in its repo when apps.yaml names the repo but not the dir. */
export const defaultManifestsDir = (app: string): string => `${app}/resources`;
/** A dir of a repo below an environment's dir in it (repos.<id>.path), or the dir itself without one. */
export const inRepoDir = (repoPath: string | undefined, dir: string): string => (repoPath === undefined ? dir : `${repoPath}/${dir}`);
export const defaultIacDir = (app: string): string => `${app}/iac`;

export const vsoFile = (manifestsDir: string): string => posix.join(manifestsDir, 'vso.gen.yaml');
/** The init-container patch sits beside the manifests dir, like the guidebook's add-initcontainer.yaml. */
export const initContainerPatchFile = (manifestsDir: string): string => posix.join(posix.dirname(manifestsDir), 'add-initcontainer.gen.yaml');
export const appRolesFile = (iacDir: string): string => posix.join(iacDir, 'app_roles.gen.tf');
export const backendFile = (iacDir: string): string => posix.join(iacDir, 'backend.gen.tf');
export const secretsFile = (iacDir: string): string => posix.join(iacDir, 'secrets.gen.tf');
export const applicationsFile = (centralVaultDir: string): string => posix.join(centralVaultDir, 'applications.gen.auto.tfvars');
export const consumersFile = (centralVaultDir: string): string => posix.join(centralVaultDir, 'consumers.gen.tf');
export const databasesFile = (centralPostgresDir: string): string => posix.join(centralPostgresDir, 'databases.gen.auto.tfvars');
/** In the docs pseudo-repo: the secret-paths inventory and one page per app. */
export const SECRET_PATHS_DOC = 'secret-paths.gen.md';
/** An environment's admin-seeded secrets (docs of a declared environment only). */
export const SEED_DOC = 'seed.gen.md';
/** The apps x environments matrix, in OUT/docs when environments are declared. */
export const ENVIRONMENTS_DOC = 'environments.gen.md';
export const appDocPath = (app: string): string => `apps/${app}.gen.md`;

// ---- markers ----

/**
 * The trailer of every bot commit. Publish writes it into the commit message and recognizes its
 * own branch by it, so both sides must read this one constant.
 */
export const BOT_TRAILER = 'Generated-by: joinkey publish';

// ---- construct ids ----

/**
 * A cdk8s construct id for the parts of one object (its kind, then names), never colliding for
 * distinct parts. constructs turns every "/" of an id into "--" and keeps children in a plain
 * object (so a bare "constructor" is taken); each part is percent-escaped for "%", "-", "/" and newline
 * before the parts are joined with "/", so "--" only ever separates parts, and the first part is
 * a fixed kind. Kubernetes names never come from these ids: metadata.name is always set.
 */
export function constructId(kind: string, ...parts: readonly string[]): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) throw new Error(`internal: construct kind ${JSON.stringify(kind)} is not a plain word`);
  return [kind, ...parts.map((p) => p.replace(/[%\-/\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`))].join('/');
}

export interface PolicyPath {
  readonly policy: string;
  readonly path: string;
  readonly capabilities: readonly string[];
}

// added by rule layer

/**
 * Why `name` is not a branch name git accepts (`git check-ref-format --branch`), or undefined:
 * not empty, "HEAD" or "@"; not starting with "-" or "/", not ending with "/" or "."; no "..",
 * "//", "@{", "\", space, control character or any of ~ ^ : ? * [; no component starting with "."
 * or ending with ".lock".
 */
export function branchNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === 'HEAD' || name === '@') return `"${name}" is reserved by git`;
  if (name.startsWith('-')) return 'it starts with "-", which git reads as an option';
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(name);
  if (bad) return `it holds ${bad[0] === ' ' ? 'a space' : /\p{Cc}/u.test(bad[0]) ? 'a control character' : `"${bad[0]}"`}`;
  if (name.includes('..')) return 'it holds ".."';
  if (name.includes('@{')) return 'it holds "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty "/"-separated component';
  if (name.endsWith('.')) return 'it ends with "."';
  const component = name.split('/').find((c) => c.startsWith('.') || c.endsWith('.lock'));
  if (component !== undefined) return `its component "${component}" ${component.startsWith('.') ? 'starts with "."' : 'ends with ".lock"'}`;
  return undefined;
}

/**
 * Why `key` is not a valid key of a Secret's data (Kubernetes IsConfigMapKey), or undefined: at
 * most 253 characters of letters, digits, "-", "_" and ".", and not ".", ".." or starting with "..".
 */
export function secretKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'it is longer than 253 characters';
  if (!SECRET_KEY.test(key)) return 'it may only hold letters, digits, "-", "_" and "."';
  if (key === '.' || key.startsWith('..')) return `Kubernetes refuses a key that is "." or "..", or starts with ".."`;
  return undefined;
}
