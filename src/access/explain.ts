import { hcl2jsonParser, publishedTrees, type HclParser } from '../inventory';
import { appDirectory } from '../live/from-inventory';
import type { RepoTrees } from '../inventory/types';
import type { AppModel, Model } from '../model/model';
import { inKvSpace } from '../model/names';
import { Acl, isPolicyMap, reviewPaths, type PolicyRule } from './acl';
import {
  accessReview,
  jwtSubject,
  kubernetesSubject,
  policiesOf,
  rulesOf,
  type AccessNote,
  type AccessState,
  type AccessSubject,
  type SubjectAccessChange,
} from './review';
import { accessStateOfTrees, sideNotes } from './state';

/**
 * `joinkey explain <app> --access`: the identities of one app (its (ServiceAccount, namespace)
 * pairs, its CI role, the consumers that read its kv space, and any other role carrying its
 * policies) and what each can do on every Vault path its policies name, evaluated with Vault's
 * ACL rules (acl.ts). Without repos the state is apps.yaml's: the app's roles and policies as the
 * central modules derive them from the applications map (model/names.ts policyPaths), and the
 * consumers as rendered. With the target repos it is theirs once the render is published, and the
 * change against them is the access review.
 */

/** What one identity can do on one path, and which policies decide it. */
export interface AccessGrant {
  readonly subject: string;
  readonly path: string;
  readonly capabilities: readonly string[];
  readonly denied: boolean;
  /** The policies whose rule decides. */
  readonly policies: readonly string[];
  /** The rule's pattern when it is not the path itself (a broader glob wins there). */
  readonly via?: string;
}

/** An identity of the app: its token policies, or `unreviewable` when a role admits it with policies not known from the files. */
export interface AppSubject extends AccessSubject {
  readonly unreviewable?: true;
}

export interface AppAccess {
  readonly app: string;
  /** Where the state comes from: `apps.yaml` or the repos' directory. */
  readonly source: string;
  readonly subjects: readonly AppSubject[];
  readonly grants: readonly AccessGrant[];
  /** The change against the repos, for the app's identities; absent without repos. */
  readonly changes?: readonly SubjectAccessChange[];
  readonly notes: readonly string[];
}

/** The app's roles and policies as apps.yaml defines them: its Kubernetes pairs, its CI role, its app and ops policies. */
export function modelAccessState(model: Model): AccessState {
  const subjects: AccessSubject[] = [];
  const policies = new Map<string, PolicyRule[]>();
  for (const app of model.apps) {
    for (const ns of app.boundNamespaces)
      for (const sa of app.boundServiceAccounts)
        subjects.push({ id: kubernetesSubject(model.vault.mounts.kubernetes, ns, sa), policies: [...app.vault.authRoleTokenPolicies] });
    subjects.push({ id: jwtSubject(model.vault.mounts.jwt, app.vault.ciRole), policies: [...app.vault.ciRoleTokenPolicies] });
    for (const p of app.vault.policyPaths) policies.set(p.policy, [...(policies.get(p.policy) ?? []), { path: p.path, capabilities: p.capabilities }]);
  }
  return { subjects, policies };
}

/** Several states as one: a subject's policies are the union, a policy's rules those of the first state that declares them. */
export function mergeAccessStates(...states: readonly AccessState[]): AccessState {
  const subjects = new Map<string, Set<string>>();
  const policies = new Map<string, readonly PolicyRule[]>();
  for (const s of states) {
    for (const sub of s.subjects) subjects.set(sub.id, new Set([...(subjects.get(sub.id) ?? []), ...sub.policies]));
    for (const [name, rules] of isPolicyMap(s.policies) ? s.policies : Object.entries(s.policies)) if (!policies.has(name)) policies.set(name, rules);
  }
  const unreadable = new Set(states.flatMap((s) => s.unreadablePolicies ?? []));
  return {
    subjects: [...subjects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, ps]) => ({ id, policies: [...ps].sort() })),
    policies,
    unreadablePolicies: [...unreadable].filter((p) => !policies.has(p)).sort(),
    unreviewable: [...new Set(states.flatMap((s) => s.unreviewable ?? []))].sort(),
  };
}

/** The identities of an app in a state: its own pairs and CI role, the consumers reading its kv space, and every subject carrying its policies. */
export function appSubjectIds(model: Model, app: AppModel, state: AccessState): string[] {
  const ids = new Set(modelAccessState({ ...model, apps: [app] }).subjects.map((s) => s.id));
  for (const c of model.consumers)
    if (c.reads.some((r) => inKvSpace(app.name, r.path))) ids.add(kubernetesSubject(model.vault.mounts.kubernetes, c.namespace, c.serviceAccount));
  for (const s of state.subjects) if (s.policies.includes(app.vault.policy) || s.policies.includes(app.vault.opsPolicy)) ids.add(s.id);
  return [...ids].sort();
}

/** Per subject, every path its policies write (and where two of their globs overlap), with what Vault's ACL grants there and which policies decide. */
export function grantsOf(state: AccessState, ids: readonly string[]): AccessGrant[] {
  const out: AccessGrant[] = [];
  for (const id of ids) {
    const own = policiesOf(state, id);
    const acl = new Acl(own);
    for (const path of reviewPaths(own)) {
      const access = acl.capabilitiesFor(path);
      out.push({
        subject: id,
        path,
        capabilities: access.capabilities,
        denied: access.denied,
        policies: access.rule?.policies ?? [],
        ...(access.rule && access.rule.pattern !== path ? { via: access.rule.pattern } : {}),
      });
    }
  }
  return out;
}

/** The policies the subjects carry that the state does not declare: what they grant is not shown. */
function undeclaredPolicies(state: AccessState, subjects: readonly AccessSubject[]): string[] {
  const missing = new Map<string, number>();
  const unreadable = new Set(state.unreadablePolicies ?? []);
  for (const s of subjects) for (const p of s.policies) if (!rulesOf(state.policies, p) && !unreadable.has(p)) missing.set(p, (missing.get(p) ?? 0) + 1);
  return [...missing]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([p, n]) =>
        `policy ${p} (carried by ${n} of these identities) is not declared in the files read${p === 'default' ? " (Vault's built-in policy)" : ''}: what it grants is not shown`,
    );
}

export interface ExplainAccessOptions {
  /** The target repos (checkouts): the state is theirs with the render published, and the change against them is shown. */
  readonly checkouts?: RepoTrees;
  /** How the checkouts are named in the output (the --repos-dir). */
  readonly source?: string;
  readonly parser?: HclParser;
}

/** The access view of one app, or undefined when the model has no such app. */
export async function explainAccess(model: Model, appName: string, render: RepoTrees, options: ExplainAccessOptions = {}): Promise<AppAccess | undefined> {
  const app = model.apps.find((a) => a.name === appName);
  if (!app) return undefined;
  const parser = options.parser ?? hcl2jsonParser();
  const apps = appDirectory(model);
  if (!options.checkouts) {
    const rendered = await accessStateOfTrees(render, { parser, apps });
    const state = mergeAccessStates(modelAccessState(model), rendered.state);
    return view(model, app, 'apps.yaml', state, undefined, rendered.notes);
  }
  const read = new Map([...render].filter(([repo]) => options.checkouts!.has(repo)));
  const before = await accessStateOfTrees(options.checkouts, { parser, apps });
  const after = await accessStateOfTrees(publishedTrees(options.checkouts, read), { parser, apps });
  return view(model, app, options.source ?? 'the repos', after.state, before.state, sideNotes(before.notes, after.notes));
}

function view(model: Model, app: AppModel, source: string, state: AccessState, before: AccessState | undefined, notes: readonly AccessNote[]): AppAccess {
  const ids = appSubjectIds(model, app, state);
  const unreviewable = new Set(state.unreviewable ?? []);
  const subjects: AppSubject[] = ids.map(
    (id) => state.subjects.find((s) => s.id === id) ?? { id, policies: [], ...(unreviewable.has(id) ? { unreviewable: true } : {}) },
  );
  const beforeIds = before ? appSubjectIds(model, app, before) : [];
  const changes = before ? accessReview(before, state).filter((c) => ids.includes(c.subject) || beforeIds.includes(c.subject)) : undefined;
  const unbound = subjects
    .filter((s) => s.policies.length === 0 && !unreviewable.has(s.id))
    .map((s) => `${s.id}: no role in the files read binds it, so it cannot log in`);
  return {
    app: app.name,
    source,
    subjects,
    grants: grantsOf(state, ids),
    ...(changes ? { changes } : {}),
    // the notes of this app's objects, and of objects of no known app (a hand-written role may carry its policies)
    notes: [...unbound, ...undeclaredPolicies(state, subjects), ...notes.filter((n) => n.app === undefined || n.app === app.name).map((n) => n.text)],
  };
}

/** Plain-text columns, the header first. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** The text of `explain --access`: the grants, the change against the repos, what is not known. */
export function formatAppAccess(a: AppAccess): string {
  const out = [`Access of ${a.app} (from ${a.source}): ${a.subjects.length} identities`, ''];
  out.push(
    ...columns([
      ['IDENTITY', 'TOKEN POLICIES'],
      ...a.subjects.map((s) => [s.id, s.policies.join(', ') || (s.unreviewable ? '(not known from the files)' : '-')]),
    ]),
    '',
  );
  const grants = a.grants.map((g) => [
    g.subject,
    g.path,
    g.denied ? 'deny' : g.capabilities.join(', ') || '-',
    `${g.policies.join(', ') || '-'}${g.via ? ` (via ${g.via})` : ''}`,
  ]);
  out.push(
    ...(grants.length ? columns([['IDENTITY', 'VAULT PATH', 'CAPABILITIES', 'GRANTED BY'], ...grants]) : ['No policy of these identities grants a path.']),
  );
  if (a.changes) {
    out.push('', `Change against ${a.source}:`);
    const rows = a.changes.flatMap((s) =>
      s.changes.map((c) => [s.subject, c.path, c.gained.join(', ') || '-', `${c.lost.join(', ') || '-'}${c.after.denied ? ' (denied)' : ''}`]),
    );
    out.push(...(rows.length ? columns([['IDENTITY', 'VAULT PATH', 'GAINS', 'LOSES'], ...rows]) : ['No identity of it gains or loses access.']));
  }
  if (a.notes.length) out.push('', 'Not known:', ...a.notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}
