/**
 * Vault's ACL evaluation: which capabilities a set of policies grants on a request path.
 *
 * Quoted from Vault's policy documentation (developer.hashicorp.com/vault/docs/concepts/policies;
 * source hashicorp/vault website/content/docs/concepts/policies.mdx, "Policy Syntax"):
 *
 * > Policies use path-based matching to test the set of capabilities against a request. A policy
 * > `path` may specify an exact path to match, or it could specify a glob pattern which instructs
 * > Vault to use a prefix match.
 *
 * > In addition, a `+` can be used to denote any number of characters bounded within a single
 * > path segment (this appeared in Vault 1.1).
 *
 * > The policy rules that Vault applies are determined by the most-specific match available,
 * > using the priority rules described below. This may be an exact match or the longest-prefix
 * > match of a glob. If the same pattern appears in multiple policies, we take the union of the
 * > capabilities. If different patterns appear in the applicable policies, we take only the
 * > highest-priority match from those policies.
 *
 * > This means if you define a policy for `"secret/foo*"`, the policy would also match
 * > `"secret/foobar"`. Specifically, when there are potentially multiple matching policy paths,
 * > `P1` and `P2`, the following matching criteria is applied:
 * >
 * > 1. If the first wildcard (`+`) or glob (`*`) occurs earlier in `P1`, `P1` is lower priority
 * > 2. If `P1` ends in `*` and `P2` doesn't, `P1` is lower priority
 * > 3. If `P1` has more `+` (wildcard) segments, `P1` is lower priority
 * > 4. If `P1` is shorter, it is lower priority
 * > 5. If `P1` is smaller lexicographically, it is lower priority
 *
 * > The glob character referred to in this documentation is the asterisk (`*`). It _is not a
 * > regular expression_ and is only supported **as the last character of the path**!
 *
 * > `deny` - Disallows access. This always takes precedence regardless of any other defined
 * > capabilities, including `sudo`.
 *
 * Where the prose leaves details open, this follows Vault's code (hashicorp/vault vault/policy.go
 * parsePaths, vault/acl.go NewACL, AllowOperation and CheckAllowedFromNonExactPaths):
 * - a leading "/" is stripped; `+*` is refused ("invalid use of wildcards ('+*' is forbidden)");
 * - a path has segment wildcards when it is `+`, contains `/+` or starts with `+/`; only a whole
 *   segment `+` is a wildcard, and it matches any one segment, the empty one included;
 * - a trailing `*` without segment wildcards makes a prefix rule; with them, the last segment of
 *   the pattern is a prefix of the path's segment and any further segments match;
 * - an exact rule is looked up first and, when present, is the answer: it beats every glob;
 * - rules with the same path merge across policies: once one denies, only deny is kept, else the
 *   capabilities are the union;
 * - like `sys/capabilities` (ACL.Capabilities evaluates as a list operation), a path ending in "/"
 *   also finds an exact rule, and then globs, for the path without it.
 */

export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

/** Policy name -> its `path "<p>" { capabilities = [...] }` rules. */
export type Policies = ReadonlyMap<string, readonly PolicyRule[]> | Readonly<Record<string, readonly PolicyRule[]>>;

/** Narrows Policies to its Map form (instanceof alone narrows to Map<any, any>). */
export const isPolicyMap = (p: Policies): p is ReadonlyMap<string, readonly PolicyRule[]> => p instanceof Map;

export class AclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AclError';
  }
}

export const DENY = 'deny';

/** A rule as Vault stores it after parsePaths. */
interface CompiledRule {
  /** The path as written (leading "/" stripped). */
  readonly pattern: string;
  /** Exact: the path; prefix: the path without its `*`; segment: the pattern without a trailing `*`. */
  readonly path: string;
  readonly kind: 'exact' | 'prefix' | 'segment';
  /** Ends in `*`. */
  readonly isPrefix: boolean;
  readonly deny: boolean;
  readonly capabilities: ReadonlySet<string>;
  /** The policies that grant (or deny) through this path. */
  readonly policies: readonly string[];
}

export interface Access {
  /** Granted capabilities, in a fixed order; empty when denied or when no rule matches. */
  readonly capabilities: readonly string[];
  /** True when the matching rule denies. */
  readonly denied: boolean;
  /** The rule that decided, or undefined when none matches (deny by default). */
  readonly rule?: { readonly pattern: string; readonly policies: readonly string[] };
}

const ORDER = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'subscribe', 'recover'];
const byCapabilityOrder = (a: string, b: string) => {
  const ia = ORDER.indexOf(a);
  const ib = ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
};

/** policy.go parsePaths: how one written path is stored. */
function parsePath(written: string): Pick<CompiledRule, 'pattern' | 'path' | 'kind' | 'isPrefix'> {
  const pattern = written.startsWith('/') ? written.slice(1) : written;
  if (pattern.includes('+*')) throw new AclError(`policy path ${JSON.stringify(written)}: invalid use of wildcards ('+*' is forbidden)`);
  const segment = pattern === '+' || pattern.includes('/+') || pattern.startsWith('+/');
  const isPrefix = pattern.endsWith('*');
  if (segment) return { pattern, path: isPrefix ? pattern.slice(0, -1) : pattern, kind: 'segment', isPrefix };
  if (isPrefix) return { pattern, path: pattern.slice(0, -1), kind: 'prefix', isPrefix };
  return { pattern, path: pattern, kind: 'exact', isPrefix: false };
}

const entries = (policies: Policies): [string, readonly PolicyRule[]][] =>
  (isPolicyMap(policies) ? [...policies.entries()] : Object.entries(policies)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The policies compiled once, for evaluating many paths. */
export class Acl {
  private readonly exact = new Map<string, CompiledRule>();
  private readonly prefix = new Map<string, CompiledRule>();
  private readonly segment = new Map<string, CompiledRule>();

  constructor(policies: Policies) {
    for (const [name, rules] of entries(policies)) {
      for (const rule of rules) {
        const parsed = parsePath(rule.path);
        const tree = parsed.kind === 'exact' ? this.exact : parsed.kind === 'prefix' ? this.prefix : this.segment;
        // Segment paths are keyed with their `*` (acl.go stores pc.Path unstripped), the others without.
        const key = parsed.kind === 'segment' ? parsed.pattern : parsed.path;
        const deny = rule.capabilities.includes(DENY);
        const existing = tree.get(key);
        if (!existing) {
          tree.set(key, { ...parsed, deny, capabilities: new Set(deny ? [] : rule.capabilities), policies: [name] });
          continue;
        }
        // NewACL: an existing deny keeps only deny; a new deny replaces everything; else the union.
        if (existing.deny) {
          if (deny && !existing.policies.includes(name)) tree.set(key, { ...existing, policies: [...existing.policies, name] });
          continue;
        }
        if (deny) {
          tree.set(key, { ...existing, deny: true, capabilities: new Set(), policies: [name] });
          continue;
        }
        tree.set(key, {
          ...existing,
          capabilities: new Set([...existing.capabilities, ...rule.capabilities]),
          policies: existing.policies.includes(name) ? existing.policies : [...existing.policies, name],
        });
      }
    }
  }

  /** What the policies grant on the path (Vault's `sys/capabilities` semantics). */
  capabilitiesFor(requestPath: string): Access {
    const path = requestPath.replace(/^\/+/, '');
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : undefined;
    const rule =
      this.exact.get(path) ??
      (trimmed !== undefined ? this.exact.get(trimmed) : undefined) ??
      (trimmed !== undefined ? this.nonExact(trimmed) : undefined) ??
      this.nonExact(path);
    if (!rule) return { capabilities: [], denied: false };
    return {
      capabilities: rule.deny ? [] : [...rule.capabilities].sort(byCapabilityOrder),
      denied: rule.deny,
      rule: { pattern: rule.pattern, policies: rule.policies },
    };
  }

  /** acl.go CheckAllowedFromNonExactPaths: the longest prefix rule and every matching segment rule, highest priority wins. */
  private nonExact(path: string): CompiledRule | undefined {
    let longest: CompiledRule | undefined;
    for (const r of this.prefix.values()) if (path.startsWith(r.path) && (!longest || r.path.length > longest.path.length)) longest = r;
    const candidates: CompiledRule[] = longest ? [longest] : [];
    const parts = path.split('/');
    for (const r of this.segment.values()) if (segmentRuleMatches(r, parts)) candidates.push(r);
    let best: CompiledRule | undefined;
    for (const c of candidates) if (!best || comparePriority(c.pattern, best.pattern) > 0) best = c;
    return best;
  }
}

function segmentRuleMatches(rule: Pick<CompiledRule, 'path' | 'isPrefix'>, parts: readonly string[]): boolean {
  const ruleParts = rule.path.split('/');
  if (parts.length < ruleParts.length) return false;
  if (!rule.isPrefix && parts.length !== ruleParts.length) return false;
  return ruleParts.every((p, i) => p === '+' || p === parts[i] || (rule.isPrefix && i === ruleParts.length - 1 && parts[i]!.startsWith(p)));
}

/** The measures Vault ranks by (acl.go wcPathDescr): first `+` or `*`, prefix, `+` segments, length. */
function describe(pattern: string): { firstWildcard: number; isPrefix: boolean; wildcards: number; path: string } {
  const parsed = parsePath(pattern);
  if (parsed.kind === 'segment') {
    return {
      firstWildcard: parsed.pattern.indexOf('+'),
      isPrefix: parsed.isPrefix,
      wildcards: parsed.path.split('/').filter((p) => p === '+').length,
      path: parsed.path,
    };
  }
  // A prefix rule's glob is its last character; an exact path ranks above every glob anyway.
  return { firstWildcard: parsed.path.length, isPrefix: parsed.isPrefix, wildcards: 0, path: parsed.path };
}

/**
 * Vault's priority order of two glob patterns that both match a path: negative when `p1` is lower
 * priority than `p2`, positive when higher, 0 when equal. Rules 1-5 of the documentation, in order.
 */
export function comparePriority(p1: string, p2: string): number {
  const a = describe(p1);
  const b = describe(p2);
  // 1. If the first wildcard (+) or glob (*) occurs earlier in P1, P1 is lower priority
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard;
  // 2. If P1 ends in * and P2 doesn't, P1 is lower priority
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  // 3. If P1 has more + (wildcard) segments, P1 is lower priority
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  // 4. If P1 is shorter, it is lower priority
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  // 5. If P1 is smaller lexicographically, it is lower priority
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Whether one policy path matches a request path, by Vault's rules (no priority involved). */
export function policyPathMatches(pattern: string, requestPath: string): boolean {
  const parsed = parsePath(pattern);
  const path = requestPath.replace(/^\/+/, '');
  if (parsed.kind === 'exact') return path === parsed.path;
  if (parsed.kind === 'prefix') return path.startsWith(parsed.path);
  return segmentRuleMatches(parsed, path.split('/'));
}

/** What the policies grant on one path. For many paths, build an `Acl` once. */
export function capabilitiesFor(policies: Policies, requestPath: string): Access {
  return new Acl(policies).capabilitiesFor(requestPath);
}

export interface AccessChange {
  readonly path: string;
  readonly before: Access;
  readonly after: Access;
  readonly gained: readonly string[];
  readonly lost: readonly string[];
}

/** Per path whose granted capabilities differ, what is gained and lost (a deny grants nothing). Paths sorted, duplicates once. */
export function accessDiff(beforePolicies: Policies, afterPolicies: Policies, paths: Iterable<string>): AccessChange[] {
  const before = new Acl(beforePolicies);
  const after = new Acl(afterPolicies);
  const out: AccessChange[] = [];
  for (const path of [...new Set(paths)].sort()) {
    const b = before.capabilitiesFor(path);
    const a = after.capabilitiesFor(path);
    const gained = a.capabilities.filter((c) => !b.capabilities.includes(c));
    const lost = b.capabilities.filter((c) => !a.capabilities.includes(c));
    if (gained.length > 0 || lost.length > 0) out.push({ path, before: b, after: a, gained, lost });
  }
  return out;
}

/**
 * Every path written in the policies, as the paths to review: a glob's own text, evaluated as a
 * path, stands for the paths below it (`kvv2/data/app/*` matches itself).
 */
export function pathsOfPolicies(...policySets: Policies[]): string[] {
  const paths = new Set<string>();
  for (const policies of policySets) for (const [, rules] of entries(policies)) for (const r of rules) paths.add(r.path.replace(/^\/+/, ''));
  return [...paths].sort();
}

/** A glob as constraints on segments: each literal, `+` (any) or a prefix (the last of a `*` pattern); `open` when deeper segments match too. */
interface SegmentShape {
  readonly segments: readonly { readonly kind: 'literal' | 'any' | 'prefix'; readonly text: string }[];
  readonly open: boolean;
}

function shapeOf(pattern: string): SegmentShape | undefined {
  const parsed = parsePath(pattern);
  if (parsed.kind === 'exact') return undefined;
  const parts = parsed.path.split('/');
  return {
    segments: parts.map((text, i) => ({
      kind:
        parsed.isPrefix && i === parts.length - 1 ? ('prefix' as const) : parsed.kind === 'segment' && text === '+' ? ('any' as const) : ('literal' as const),
      text,
    })),
    open: parsed.isPrefix,
  };
}

/**
 * One request path that both globs match, or undefined when none is built. Where a `+` rule
 * overlaps another glob that does not match its text (`kvv2/data/+/config` with
 * `kvv2/data/plausible/+` or `kvv2/data/app/conf*`, at `kvv2/data/plausible/config` and
 * `kvv2/data/app/config`), the priority rules pick a winner that neither pattern's own text
 * shows. The result is checked against both patterns, so it is never a wrong witness.
 */
export function meetOf(p1: string, p2: string): string | undefined {
  const a = shapeOf(p1);
  const b = shapeOf(p2);
  if (!a || !b) return undefined;
  const n = Math.max(a.segments.length, b.segments.length);
  if ((!a.open && a.segments.length < n) || (!b.open && b.segments.length < n)) return undefined;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const constraints = [a.segments[i], b.segments[i]].filter((c): c is SegmentShape['segments'][number] => c !== undefined && c.kind !== 'any');
    const literals = [...new Set(constraints.filter((c) => c.kind === 'literal').map((c) => c.text))];
    const prefixes = constraints.filter((c) => c.kind === 'prefix').map((c) => c.text);
    if (literals.length > 1) return undefined;
    const longest = prefixes.reduce((x, y) => (y.length > x.length ? y : x), '');
    const part = literals[0] ?? (longest === '' ? 'x' : longest);
    if (!prefixes.every((p) => part.startsWith(p))) return undefined;
    parts.push(part);
  }
  const path = parts.join('/');
  return policyPathMatches(p1, path) && policyPathMatches(p2, path) ? path : undefined;
}

/**
 * The paths to review over some policies: every path written in them, and a path where a `+`
 * glob overlaps another glob (meetOf). Sorted, each once.
 */
export function reviewPaths(...policySets: Policies[]): string[] {
  const written = pathsOfPolicies(...policySets);
  const globs = written.filter((p) => shapeOf(p) !== undefined);
  const paths = new Set(written);
  // two prefix globs need no witness: the longer one's own text is under both, and longest-prefix decides
  const segmented = (p: string) => parsePath(p).kind === 'segment';
  for (let i = 0; i < globs.length; i++)
    for (let j = i + 1; j < globs.length; j++) {
      if (!segmented(globs[i]!) && !segmented(globs[j]!)) continue;
      const m = meetOf(globs[i]!, globs[j]!);
      if (m !== undefined) paths.add(m);
    }
  return [...paths].sort();
}
