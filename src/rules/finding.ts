import type { Diagnostic } from '../errors';
import type { PathSegment, Problem, YamlSource } from '../config/source';

/**
 * One violated invariant, pointing at the apps.yaml data path to change. Compatible with
 * `Problem` in config/source.ts, so `source.at(finding)` gives its file, line and column.
 */
export interface Finding {
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly path: PathSegment[];
  readonly at?: 'key' | 'value';
  readonly message: string;
}

/** Every rule id `joinkey check` reports, with what it proves. */
export const RULES = {
  'name-dns1123': 'app, service account, namespace and secret names are DNS-1123 labels; derived object names are DNS-1123 subdomains',
  'name-pg-identifier': '<app>_role and database names are plain, unreserved PostgreSQL identifiers of at most 63 bytes',
  'name-path-escape': 'no name that goes into a Vault path holds "..", "*", "+" or "/"',
  'sa-namespace': "every VaultAuth's service account is bound by its Vault role, and its namespace too (Vault checks both)",
  'vaultauth-ref': 'every VSO secret finds its VaultAuth in its own namespace (a bare vaultAuthRef is namespace-local)',
  'vaultauth-audience': "every VaultAuth's audiences include the Kubernetes auth role's audience",
  'policy-glob-isolation': "no app's policy glob reaches another app's (or a consumer's, or VSO's) Vault paths",
  'policy-grants-sync': 'the app policy grants read on every kv-v2 data path and database creds path VSO reads for the app',
  'kv-scope': "VaultStaticSecret paths and writes lie in the app's own kv space; consumer reads lie in some app's space and are never a bare glob",
  'kv-scope-undeclared': 'warning: a consumer reads a kv path under which no app declares a secret or a write',
  'k8s-auth-cross-product': 'warning: a role binding several service accounts and several namespaces admits every combination',
  'k8s-auth-shared-identity': "warning: no service account and namespace can log in with two apps' Vault roles",
  ordering: 'every app with a database has its <app>_role and database in the factory output (factory before tools)',
  'helm-template-braces': 'no unescaped "{{" in files Helm templates',
  'vso-destination-create': 'VSO secrets set destination.create: true',
  'vso-refresh': 'VaultStaticSecrets set refreshAfter and keep hmacSecretData on',
  'vso-allowed-namespaces': 'no VaultAuth allows every namespace',
  'vso-revoke': 'VaultDynamicSecrets do not set revoke: true, which needs sys/leases/revoke that the app policy does not grant',
  'vso-renewal-percent': 'VaultDynamicSecret renewalPercent is between 0 and 90',
  'k8s-role-deprecated': 'Kubernetes auth roles use token_policies and set no deprecated issuer options',
  'pg-revocation-drop-role': 'warning: revocation statements that never DROP ROLE leak one role per lease',
  'crd-schema': 'generated VSO manifests validate against the VSO CRD schemas',
  'provider-schema': 'generated HCL validates against the provider schemas',
  'contract-undeclared': 'every attribute joinkey emits into a target repo variable is declared there',
  'contract-type': 'every value joinkey emits has a type the declared variable accepts',
  'contract-required': 'every required variable and attribute is set',
  'contract-hand-written': 'no hand-written file occupies a path joinkey generates',
  'contract-unreadable': "the target repo's variables.tf parses",
  'repo-ref': 'every repo an app or central target names is declared under repos; the id "docs" is reserved',
  'app-options': 'options that need another option (urlContainer needs urlEnv, urlEnv a workload to restart, generate and restart a repo) are set together',
  'vault-name-reserved': 'no app or consumer takes a Vault policy or role name that Vault, VSO or another app already uses',
  'unique-file': 'no two outputs write one file, and no generated file sits where another output needs a directory',
  'unique-object': 'no two VSO objects share kind, namespace and name, so no two write one destination Secret',
  'unique-hcl-label': 'no two consumers become one HCL resource',
  'unique-database': 'no two apps own one PostgreSQL database or role',
  'unique-repo-url': 'no two repo ids point at one git repository',
  'secret-key': 'every Secret data key is a valid Kubernetes key (letters, digits, "-", "_", "."; not ".", ".." or starting with "..")',
  'generate-options': 'the random_password options of a generated key are consistent (minimums fit the length, no minimum on a class that is off)',
  'helm-template-patch': 'the init-container patch (a partial Deployment) never lies in a Helm templates/ dir',
  'branch-name': 'every branch is a valid git branch name (git check-ref-format --branch)',
  'environment-ref': 'every environment an app, promote or an override names is declared, and every override names a declared app, secret or repo',
  'environment-shared-state': 'no two environments share the tofu state location (bucket + prefix) of an IaC project',
  'environment-shared-file': 'no two environments write one file (repo url + branch + path)',
  retired: 'a retired name stays reserved (in neither apps nor consumers), and what an app retires is gone from it',
  'renamed-from': "a secret's renamedFrom names a previous name the app no longer has, claimed by no other secret",
  'live-unacknowledged':
    'no change destroys or rotates stateful data (databases, generated secrets, kv data, the Vault roles and policies of a deployed app) unless apps.yaml acknowledges it (retired:, a rotation counter)',
  input: 'apps.yaml itself is valid (its schema: keys, types and formats)',
} as const;

export type RuleId = keyof typeof RULES;

/** A finding; its message quotes input, so line breaks and control characters are escaped to keep it on one line. */
export function finding(
  rule: RuleId,
  path: readonly PathSegment[],
  message: string,
  extra: { severity?: 'error' | 'warning'; at?: 'key' | 'value' } = {},
): Finding {
  return { rule, severity: extra.severity ?? 'error', path: [...path], ...(extra.at ? { at: extra.at } : {}), message: oneLine(message) };
}

/** Line breaks and control characters as JSON escapes, so a message is one line. */
function oneLine(message: string): string {
  return message.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** The finding positioned in apps.yaml; the message keeps no path prefix, the position says where. */
export function positioned(source: YamlSource, f: Finding): Diagnostic {
  const problem: Problem = { path: f.path, message: f.message, rule: f.rule, severity: f.severity, ...(f.at ? { at: f.at } : {}) };
  const d = source.at(problem);
  return { ...d, message: f.message };
}

export function compareFindings(a: Finding, b: Finding): number {
  const pa = a.path.join('\u0000');
  const pb = b.path.join('\u0000');
  return pa < pb ? -1 : pa > pb ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
