/**
 * Every naming rule and every name derived from `<app>`. Nothing else in joinkey builds a name
 * or a Vault path by hand: it reads the resolved model, which calls these functions once.
 */

/** DNS-1123 label: at most 63 characters, lowercase alphanumerics or '-', alphanumeric at both ends. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;

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
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'authorization',
  'binary', 'both', 'case', 'cast', 'check', 'collate', 'collation', 'column', 'concurrently',
  'constraint', 'create', 'cross', 'current_catalog', 'current_date', 'current_role',
  'current_schema', 'current_time', 'current_timestamp', 'current_user', 'default', 'deferrable',
  'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'freeze',
  'from', 'full', 'grant', 'group', 'having', 'ilike', 'in', 'initially', 'inner', 'intersect',
  'into', 'is', 'isnull', 'join', 'lateral', 'leading', 'left', 'like', 'limit', 'localtime',
  'localtimestamp', 'natural', 'not', 'notnull', 'null', 'offset', 'on', 'only', 'or', 'order',
  'outer', 'overlaps', 'placing', 'primary', 'references', 'returning', 'right', 'select',
  'session_user', 'similar', 'some', 'symmetric', 'table', 'tablesample', 'then', 'to', 'trailing',
  'true', 'union', 'unique', 'user', 'using', 'variadic', 'verbose', 'when', 'where', 'window', 'with',
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

/** VaultAuth for the app's own SA is `<app>`; one for an extra SA is `<app>-<sa>`. */
export const vaultAuthName = (app: string, serviceAccount: string): string =>
  serviceAccount === app ? app : `${app}-${serviceAccount}`;
export const staticSecretName = (app: string, secret: string): string => `${app}-${secret}`;
export const dynamicSecretName = (app: string): string => `${app}-db-credentials`;
/** HCL resource labels: a name starting with a digit (a valid Vault or DNS name) gets a prefix. */
const hclLabel = (prefix: string) => (name: string): string => (/^[0-9]/.test(name) ? `${prefix}${name}` : name);
export const consumerResourceLabel = hclLabel('c_');
export const secretResourceLabel = hclLabel('s_');
export const stateKeyPrefix = (repo: string, app: string): string => `${repo}/${app}/main`;

export const k8sAuthRolePath = (kubernetesMount: string, app: string): string => `auth/${kubernetesMount}/role/${app}`;
export const kvPath = (app: string, secret: string): string => `${app}/${secret}`;
export const kvDataPath = (kvMount: string, path: string): string => `${kvMount}/data/${path}`;
export const dbCredsPath = (app: string): string => `creds/${app}`;
export const dbRolePath = (databaseMount: string, app: string): string => `${databaseMount}/roles/${app}`;

/**
 * The paths of the guidebook's app and ops policies for `<app>`, with their capabilities.
 * Trailing `*` is Vault's prefix glob.
 */
export function policyPaths(app: string, mounts: { kubernetes: string; kv: string; database: string }): readonly PolicyPath[] {
  return [
    { policy: appPolicyName(app), path: `${mounts.kv}/data/${app}/*`, capabilities: ['read', 'list'] },
    { policy: appPolicyName(app), path: `${mounts.database}/creds/${app}*`, capabilities: ['read'] },
    { policy: opsPolicyName(app), path: `${mounts.database}/roles/${app}*`, capabilities: ['create', 'read', 'update', 'delete', 'list'] },
    { policy: opsPolicyName(app), path: `auth/${mounts.kubernetes}/role/${app}*`, capabilities: ['create', 'read', 'update', 'delete', 'list'] },
    ...['data', 'delete', 'undelete', 'destroy', 'metadata'].map((verb) => ({
      policy: opsPolicyName(app), path: `${mounts.kv}/${verb}/${app}/*`, capabilities: ['create', 'read', 'update', 'delete', 'list'],
    })),
    { policy: opsPolicyName(app), path: `kvv1/cloudflare/${app}*`, capabilities: ['create', 'read', 'update', 'delete', 'list'] },
    { policy: opsPolicyName(app), path: `kvv1/ovh/${app}*`, capabilities: ['create', 'read', 'update', 'delete', 'list'] },
  ];
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
  if (bad) return `it holds ${bad[0] === ' ' ? 'a space' : /[\u0000-\u001f\u007f]/.test(bad[0]) ? 'a control character' : `"${bad[0]}"`}`;
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
