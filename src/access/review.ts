import { isExpressionString } from '../inventory/hcl';
import { markdownCell as cell, markdownCode as code } from '../live/markdown';
import { accessDiff, isPolicyMap, reviewPaths, type AccessChange, type Policies, type PolicyRule } from './acl';

/**
 * Access review (issue 9 part 5): for each identity that can log in to Vault, each
 * (ServiceAccount, namespace) pair of a Kubernetes auth role and each CI (JWT) role, the Vault
 * paths and capabilities it gains or loses. Pure: roles and policy rules in, changes out.
 */

/** An identity and the policies its tokens carry. */
export interface AccessSubject {
  /** `kubernetes <backend> <namespace>/<serviceaccount>` or `jwt <backend> <role>`. */
  readonly id: string;
  readonly policies: readonly string[];
}

/** A resource as the inventory gives it: only the type and arguments are read (the address, when given, names it in notes). */
interface RoleResource {
  readonly type: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly address?: string;
  readonly repo?: string;
  readonly module?: string;
  readonly app?: string;
}

/** Something the review could not read, and the apps.yaml app it belongs to when known. */
export interface AccessNote {
  readonly text: string;
  readonly app?: string;
}

/** The subject of a Kubernetes auth role's (ServiceAccount, namespace) pair. */
export const kubernetesSubject = (backend: string, namespace: string, serviceAccount: string): string => `kubernetes ${backend} ${namespace}/${serviceAccount}`;
/** The subject of a JWT role (the CI identity `gitea_cicd_<app>`). */
export const jwtSubject = (backend: string, role: string): string => `jwt ${backend} ${role}`;

const KUBERNETES_ROLE = 'vault_kubernetes_auth_backend_role';
const JWT_ROLE = 'vault_jwt_auth_backend_role';

/** A string the files resolve (no expression left in it), or undefined. */
export const literalString = (v: unknown): string | undefined => (typeof v === 'string' && !isExpressionString(v) ? v : undefined);
/** A list of such strings, or undefined when the value is not one. */
export const literalStrings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => literalString(x) !== undefined) ? (v as string[]) : undefined;

/**
 * The policies of a role's tokens: token_policies, plus `default` unless token_no_default_policy
 * (Vault's token fields, vault/auth_token.go in the provider: "If true, the 'default' policy will
 * not automatically be added to generated tokens").
 */
function tokenPolicies(listed: readonly string[], args: Readonly<Record<string, unknown>>): string[] {
  return [...new Set(args.token_no_default_policy === true ? listed : ['default', ...listed])].sort();
}

export interface RoleSubjects {
  readonly subjects: AccessSubject[];
  /** Identities a role admits whose token policies are not known from the files: the review leaves them out. */
  readonly unreviewable: string[];
  /** The roles whose subjects or policies are not known from the files, one sentence each: they are left out, never guessed. */
  readonly notes: AccessNote[];
}

/**
 * The subjects the auth roles declare. A Kubernetes role admits every bound ServiceAccount name in
 * every bound namespace (the check is an AND of the two lists, guidebook "Auth backends"), so one
 * subject per pair; a pair bound by several roles may log in through any of them, so it gets the
 * union of their policies. Other resource types are ignored.
 */
export function readRoles(resources: readonly RoleResource[]): RoleSubjects {
  const policies = new Map<string, Set<string>>();
  const unreviewable = new Set<string>();
  const notes: AccessNote[] = [];
  const add = (id: string, ps: string[]) => {
    const set = policies.get(id) ?? new Set<string>();
    for (const p of ps) set.add(p);
    policies.set(id, set);
  };
  for (const r of resources) {
    if (r.type !== KUBERNETES_ROLE && r.type !== JWT_ROLE) continue;
    const kubernetes = r.type === KUBERNETES_ROLE;
    const backend = r.args.backend === undefined ? (kubernetes ? 'kubernetes' : 'jwt') : literalString(r.args.backend);
    const listed = r.args.token_policies === undefined ? [] : literalStrings(r.args.token_policies);
    const names = kubernetes ? literalStrings(r.args.bound_service_account_names) : [];
    const namespaces = kubernetes ? literalStrings(r.args.bound_service_account_namespaces) : [];
    const role = literalString(r.args.role_name);
    const identity = { backend, ...(kubernetes ? { bound_service_account_names: names, bound_service_account_namespaces: namespaces } : { role_name: role }) };
    const unknown = Object.entries({ ...identity, token_policies: listed })
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    const ids =
      backend === undefined
        ? []
        : kubernetes
          ? (namespaces ?? []).flatMap((ns) => (names ?? []).map((sa) => kubernetesSubject(backend, ns, sa)))
          : role === undefined
            ? []
            : [jwtSubject(backend, role)];
    if (unknown.length > 0) {
      const where = r.address ? `${r.repo ?? ''}/${r.module ?? ''} ${r.address}` : r.type;
      notes.push({
        text: `${where}: ${unknown.join(', ')} not known from the files: the access of its identities is not reviewed`,
        ...(r.app !== undefined ? { app: r.app } : {}),
      });
      // the identities it admits are known, their policies are not: they are not reviewed
      if (Object.values(identity).every((v) => v !== undefined)) for (const id of ids) unreviewable.add(id);
      continue;
    }
    for (const id of ids) add(id, tokenPolicies(listed!, r.args));
  }
  const subjects = [...policies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, ps]) => ({ id, policies: [...ps].sort() }));
  return { subjects, unreviewable: [...unreviewable].sort(), notes };
}

/** readRoles' subjects. */
export const subjectsOfRoles = (resources: readonly RoleResource[]): AccessSubject[] => readRoles(resources).subjects;

export interface AccessState {
  readonly subjects: readonly AccessSubject[];
  /** Policy name -> rules. A policy a subject names but this map lacks grants nothing. */
  readonly policies: Policies;
  /** Policies declared in the files whose rules are not known from them (not in `policies`). */
  readonly unreadablePolicies?: readonly string[];
  /** Identities some role admits with token policies not known from the files: accessReview leaves them out. */
  readonly unreviewable?: readonly string[];
}

export interface SubjectAccessChange {
  readonly subject: string;
  readonly changes: readonly AccessChange[];
}

/** The rules of one policy, or undefined when the policies do not declare it. */
export const rulesOf = (policies: Policies, name: string): readonly PolicyRule[] | undefined => (isPolicyMap(policies) ? policies.get(name) : policies[name]);

/** The policies a subject's tokens carry that the state declares, by name. */
export function policiesOf(state: AccessState, subject: string): Record<string, readonly PolicyRule[]> {
  const out: Record<string, readonly PolicyRule[]> = {};
  for (const name of state.subjects.find((s) => s.id === subject)?.policies ?? []) {
    const rules = rulesOf(state.policies, name);
    if (rules) out[name] = rules;
  }
  return out;
}

/**
 * Per subject (in either state), the paths whose capabilities change, evaluated with Vault's ACL
 * rules over every path written in the subject's policies before and after, and where two of
 * their globs overlap (reviewPaths). Left out: subjects without a change, those some role admits
 * with policies not known on either side, and those carrying a policy whose text is read on one
 * side only (the state's notes say which).
 */
export function accessReview(before: AccessState, after: AccessState): SubjectAccessChange[] {
  const ids = [...new Set([...before.subjects, ...after.subjects].map((s) => s.id))].sort();
  const unreviewable = new Set([...(before.unreviewable ?? []), ...(after.unreviewable ?? [])]);
  const unreadableBefore = new Set(before.unreadablePolicies ?? []);
  const unreadableAfter = new Set(after.unreadablePolicies ?? []);
  // a policy read on one side only would look like access gained or lost
  const readOnOneSide = (p: string) => unreadableBefore.has(p) !== unreadableAfter.has(p);
  const carried = (state: AccessState, id: string) => state.subjects.find((s) => s.id === id)?.policies ?? [];
  const out: SubjectAccessChange[] = [];
  for (const id of ids) {
    if (unreviewable.has(id) || [...carried(before, id), ...carried(after, id)].some(readOnOneSide)) continue;
    const b = policiesOf(before, id);
    const a = policiesOf(after, id);
    const changes = accessDiff(b, a, reviewPaths(b, a));
    if (changes.length > 0) out.push({ subject: id, changes });
  }
  return out;
}

/** The "## Access changes" section: one row per subject and path, then what was not reviewed. */
export function renderAccessReview(review: readonly SubjectAccessChange[], notes: readonly AccessNote[] = []): string {
  const lines = ['## Access changes', ''];
  if (review.length === 0) lines.push('No identity gains or loses access to a Vault path.');
  else {
    lines.push('| Identity | Vault path | Gains | Loses |', '| --- | --- | --- | --- |');
    for (const s of review) {
      for (const c of s.changes)
        lines.push(
          `| ${code(s.subject)} | ${code(c.path)} | ${c.gained.join(', ') || '-'} | ${c.lost.join(', ') || '-'}${c.after.denied ? ' (denied)' : ''} |`,
        );
    }
  }
  if (notes.length > 0) lines.push('', 'Not reviewed:', '', ...notes.map((n) => `- ${cell(n.text)}`));
  return `${lines.join('\n')}\n`;
}
