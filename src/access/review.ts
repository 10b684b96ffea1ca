import { markdownCode as code } from '../live/markdown';
import { accessDiff, isPolicyMap, pathsOfPolicies, type AccessChange, type Policies, type PolicyRule } from './acl';

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

/** A resource as the inventory gives it: only the type and arguments are read. */
interface RoleResource {
  readonly type: string;
  readonly args: Readonly<Record<string, unknown>>;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/**
 * The policies of a role's tokens: token_policies, plus `default` unless token_no_default_policy
 * (Vault's token fields, vault/auth_token.go in the provider: "If true, the 'default' policy will
 * not automatically be added to generated tokens").
 */
function tokenPolicies(args: Readonly<Record<string, unknown>>): string[] {
  const listed = strings(args.token_policies);
  return [...new Set(args.token_no_default_policy === true ? listed : ['default', ...listed])].sort();
}

/**
 * The subjects the auth roles declare. A Kubernetes role admits every bound ServiceAccount name in
 * every bound namespace (the check is an AND of the two lists, guidebook "Auth backends"), so one
 * subject per pair; a pair bound by several roles may log in through any of them, so it gets the
 * union of their policies. Other resource types are ignored.
 */
export function subjectsOfRoles(resources: readonly RoleResource[]): AccessSubject[] {
  const policies = new Map<string, Set<string>>();
  const add = (id: string, ps: string[]) => {
    const set = policies.get(id) ?? new Set<string>();
    for (const p of ps) set.add(p);
    policies.set(id, set);
  };
  for (const r of resources) {
    if (r.type === 'vault_kubernetes_auth_backend_role') {
      const backend = typeof r.args.backend === 'string' ? r.args.backend : 'kubernetes';
      for (const ns of strings(r.args.bound_service_account_namespaces)) {
        for (const sa of strings(r.args.bound_service_account_names)) add(`kubernetes ${backend} ${ns}/${sa}`, tokenPolicies(r.args));
      }
    } else if (r.type === 'vault_jwt_auth_backend_role') {
      const backend = typeof r.args.backend === 'string' ? r.args.backend : 'jwt';
      add(`jwt ${backend} ${strings(r.args.role_name)[0] ?? '<role_name>'}`, tokenPolicies(r.args));
    }
  }
  return [...policies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, ps]) => ({ id, policies: [...ps].sort() }));
}

export interface AccessState {
  readonly subjects: readonly AccessSubject[];
  /** Policy name -> rules. A policy a subject names but this map lacks grants nothing. */
  readonly policies: Policies;
}

export interface SubjectAccessChange {
  readonly subject: string;
  readonly changes: readonly AccessChange[];
}

const rulesOf = (policies: Policies, name: string): readonly PolicyRule[] | undefined => (isPolicyMap(policies) ? policies.get(name) : policies[name]);

function policiesOf(state: AccessState, subject: string): Record<string, readonly PolicyRule[]> {
  const out: Record<string, readonly PolicyRule[]> = {};
  for (const name of state.subjects.find((s) => s.id === subject)?.policies ?? []) {
    const rules = rulesOf(state.policies, name);
    if (rules) out[name] = rules;
  }
  return out;
}

/**
 * Per subject (in either state), the paths whose capabilities change, evaluated with Vault's ACL
 * rules over every path written in the subject's policies before and after. Subjects without a
 * change are left out.
 */
export function accessReview(before: AccessState, after: AccessState): SubjectAccessChange[] {
  const ids = [...new Set([...before.subjects, ...after.subjects].map((s) => s.id))].sort();
  const out: SubjectAccessChange[] = [];
  for (const id of ids) {
    const b = policiesOf(before, id);
    const a = policiesOf(after, id);
    const changes = accessDiff(b, a, pathsOfPolicies(b, a));
    if (changes.length > 0) out.push({ subject: id, changes });
  }
  return out;
}

/** The "## Access changes" section: one row per subject and path. */
export function renderAccessReview(review: readonly SubjectAccessChange[]): string {
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
  return `${lines.join('\n')}\n`;
}
