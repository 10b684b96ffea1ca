import { hcl2jsonParser, inventoryRepos, type HclParser } from '../inventory';
import type { RepoTrees } from '../inventory/types';
import { liveInputs, type AppDirectory, type LiveInputs } from '../live/from-inventory';
import type { LiveResource } from '../live/types';
import { Acl, AclError, type PolicyRule } from './acl';
import {
  accessReview,
  literalString as literal,
  literalStrings as literals,
  readRoles,
  type AccessNote,
  type AccessState,
  type SubjectAccessChange,
} from './review';

/**
 * The access state of repo trees, read from their live objects (issue 9 part 5): the Kubernetes
 * and JWT auth roles (who logs in, with which token policies) and the `vault_policy` resources
 * (which rules each policy name holds), every root module with its module calls expanded
 * (src/live/from-inventory.ts). A policy's text is read when it is a literal (a heredoc, or a
 * string whose expressions the files resolve) or a `data.vault_policy_document` of the same
 * module instance; anything else (`file(...)`, a computed reference) is said in the notes and
 * the policy grants nothing here, never a guess.
 */

export interface AccessStateOfRepos {
  readonly state: AccessState;
  /** Roles and policies that could not be read, one sentence each. */
  readonly notes: readonly AccessNote[];
}

const POLICY = 'vault_policy';
const POLICY_DOCUMENT = 'vault_policy_document';

type Body = Readonly<Record<string, unknown>>;
const isBody = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const bodies = (v: unknown): Body[] => (Array.isArray(v) ? v.filter(isBody) : isBody(v) ? [v] : []);
const where = (r: LiveResource) => `${r.repo ?? ''}/${r.module ?? ''} ${r.address}`;

/** The module-instance prefix of an address (`module.a["k"].`), or '' in the root module. */
const instancePrefix = (address: string): string => /^((?:module\.[\w-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.)*)/.exec(address)![1]!;

/** `${data.vault_policy_document.<name>[<key>].hcl}`, the key literal or `each.key`. */
const DOCUMENT_REF = /^\$\{\s*data\.vault_policy_document\.([A-Za-z_][\w-]*)(?:\[\s*("(?:[^"\\]|\\.)*"|\d+|each\.key)\s*\])?\.hcl\s*\}$/;

/** The rules of a policy text: HCL (`path "p" { capabilities = [...] }`) or its JSON form. */
async function rulesOfText(parser: HclParser, text: string): Promise<PolicyRule[] | string> {
  let doc: Body;
  try {
    const parsed: unknown = text.trimStart().startsWith('{') ? JSON.parse(text) : await parser.parse('policy.hcl', text);
    if (!isBody(parsed)) return 'the policy text is not a mapping of paths';
    doc = parsed;
  } catch {
    return 'the policy text is neither valid HCL nor JSON';
  }
  const rules: PolicyRule[] = [];
  for (const [path, blocks] of Object.entries(isBody(doc.path) ? doc.path : {})) {
    for (const b of bodies(blocks)) {
      if (b.policy !== undefined && b.capabilities === undefined) return `path "${path}" uses the deprecated \`policy\` field instead of capabilities`;
      const capabilities = literals(b.capabilities ?? []);
      if (!capabilities) return `the capabilities of path "${path}" are not a list of names`;
      rules.push({ path, capabilities });
    }
  }
  return rules;
}

/** The rules of a vault_policy_document data source: its `rule` blocks. */
function rulesOfDocument(doc: LiveResource): PolicyRule[] | string {
  const rules: PolicyRule[] = [];
  for (const b of bodies(doc.args.rule)) {
    const path = literal(b.path);
    const capabilities = literals(b.capabilities);
    if (path === undefined || !capabilities) return `a rule of ${doc.address} has a path or capabilities not known from the files`;
    rules.push({ path, capabilities });
  }
  return rules;
}

/** The reference a policy argument makes to a policy document, whether resolved text or `{ expression, reads }`. */
function documentOf(r: LiveResource, data: readonly LiveResource[]): LiveResource | string {
  const arg = r.args.policy;
  const expression = typeof arg === 'string' ? arg : isBody(arg) && typeof arg.expression === 'string' ? arg.expression : undefined;
  const ref = expression === undefined ? null : DOCUMENT_REF.exec(expression);
  if (!ref) return 'its text is not known from the files (only literal text and data.vault_policy_document are read)';
  let key = '';
  if (ref[2] === 'each.key') {
    const k = isBody(arg) && isBody(arg.reads) ? arg.reads['each.key'] : undefined;
    if (typeof k !== 'string') return `the key of data.vault_policy_document.${ref[1]!} is not known from the files`;
    key = `[${JSON.stringify(k)}]`;
  } else if (ref[2] !== undefined) key = `[${ref[2]}]`;
  const address = `${instancePrefix(r.address)}data.${POLICY_DOCUMENT}.${ref[1]!}${key}`;
  const doc = data.find((d) => d.type === POLICY_DOCUMENT && d.repo === r.repo && d.module === r.module && d.address === address);
  return doc ?? `${address} is not declared in its module`;
}

const byPlace = (a: LiveResource, b: LiveResource) => {
  const ka = `${a.repo}\u0000${a.module}\u0000${a.address}`;
  const kb = `${b.repo}\u0000${b.module}\u0000${b.address}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};
const sameRules = (a: readonly PolicyRule[], b: readonly PolicyRule[]) => {
  const text = (rs: readonly PolicyRule[]) => JSON.stringify(rs.map((r) => [r.path, [...r.capabilities].sort()]).sort());
  return text(a) === text(b);
};

/** The access state of one side's change-plan inputs (liveInputs): the one adapter from live objects to AccessState. */
export async function accessStateOfInputs(inputs: Pick<LiveInputs, 'resources' | 'data'>, parser: HclParser): Promise<AccessStateOfRepos> {
  const roles = readRoles(inputs.resources);
  const notes = [...roles.notes];
  const note = (r: LiveResource, text: string) => notes.push({ text, ...(r.app !== undefined ? { app: r.app } : {}) });
  const declared = new Map<string, { resource: LiveResource; rules: PolicyRule[] }[]>();
  const unreadable = new Set<string>();
  for (const r of [...inputs.resources].filter((x) => x.type === POLICY).sort(byPlace)) {
    const name = literal(r.args.name);
    if (name === undefined) {
      note(r, `${where(r)}: the policy name is not known from the files: the access it grants is not reviewed`);
      continue;
    }
    const text = literal(r.args.policy);
    const doc = text === undefined ? documentOf(r, inputs.data) : undefined;
    const rules = text !== undefined ? await rulesOfText(parser, text) : typeof doc === 'string' ? doc : rulesOfDocument(doc!);
    const problem = typeof rules === 'string' ? rules : validity(rules);
    if (problem !== undefined) {
      note(r, `${where(r)}: policy ${name}: ${problem}: the access it grants is not reviewed`);
      unreadable.add(name);
      continue;
    }
    declared.set(name, [...(declared.get(name) ?? []), { resource: r, rules: rules as PolicyRule[] }]);
  }
  const policies = new Map<string, readonly PolicyRule[]>();
  for (const [name, list] of [...declared].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (list.some((d) => !sameRules(d.rules, list[0]!.rules)))
      note(
        list[0]!.resource,
        `policy ${name} is declared with different rules by ${list.map((d) => where(d.resource)).join(', ')}: reviewed with the first; the last apply decides in Vault`,
      );
    policies.set(name, list[0]!.rules);
  }
  const unreadablePolicies = [...unreadable].filter((n) => !policies.has(n)).sort();
  return { state: { subjects: roles.subjects, policies, unreadablePolicies, unreviewable: roles.unreviewable }, notes };
}

/** Why Vault would refuse the rules (a `+*` path), or undefined. */
function validity(rules: readonly PolicyRule[]): string | undefined {
  try {
    new Acl({ policy: rules });
    return undefined;
  } catch (e) {
    if (e instanceof AclError) return e.message;
    throw e;
  }
}

export interface AccessStateOptions {
  /** One hcl2json parser for the run; a new one by default. */
  readonly parser?: HclParser;
  readonly apps?: AppDirectory;
}

/** The access state of repo trees: inventory, change-plan inputs, then accessStateOfInputs. */
export async function accessStateOfTrees(trees: RepoTrees, options: AccessStateOptions = {}): Promise<AccessStateOfRepos> {
  const parser = options.parser ?? hcl2jsonParser();
  const inventory = await inventoryRepos(trees, { parser });
  return accessStateOfInputs(await liveInputs(inventory, trees, { parser, ...(options.apps ? { apps: options.apps } : {}) }), parser);
}

export interface AccessReviewOfTrees {
  /** Per identity, the Vault paths and capabilities it gains or loses. */
  readonly changes: readonly SubjectAccessChange[];
  /** What was not reviewed, `before: ` / `after: ` when only one side says it. */
  readonly notes: readonly AccessNote[];
  readonly before: AccessState;
  readonly after: AccessState;
}

/**
 * The access review between two states of the target repos: typically the checkouts (or base
 * branches) and `publishedTrees(checkouts, render)`. What diff and the PR body show.
 */
export async function accessReviewOfTrees(before: RepoTrees, after: RepoTrees, options: AccessStateOptions = {}): Promise<AccessReviewOfTrees> {
  const parser = options.parser ?? hcl2jsonParser();
  const b = await accessStateOfTrees(before, { ...options, parser });
  const a = await accessStateOfTrees(after, { ...options, parser });
  return { changes: accessReview(b.state, a.state), notes: sideNotes(b.notes, a.notes), before: b.state, after: a.state };
}

/** Notes of both sides: once when both say it, else labelled with the side. */
export function sideNotes(before: readonly AccessNote[], after: readonly AccessNote[]): AccessNote[] {
  const key = (n: AccessNote) => `${n.app ?? ''}\u0000${n.text}`;
  const inBefore = new Set(before.map(key));
  const inAfter = new Set(after.map(key));
  const out = new Map<string, AccessNote>();
  const add = (n: AccessNote, label: string) => out.set(`${label}${key(n)}`, { ...n, text: `${label}${n.text}` });
  for (const n of before) add(n, inAfter.has(key(n)) ? '' : 'before: ');
  for (const n of after) if (!inBefore.has(key(n))) add(n, 'after: ');
  return [...out.values()];
}
