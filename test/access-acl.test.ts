import { describe, expect, test } from 'vitest';
import {
  Acl,
  AclError,
  accessDiff,
  capabilitiesFor,
  comparePriority,
  meetOf,
  pathsOfPolicies,
  policyPathMatches,
  reviewPaths,
  type Policies,
} from '../src/access/acl';

const one = (path: string, ...capabilities: string[]) => ({ path, capabilities });
const caps = (policies: Policies, path: string) => capabilitiesFor(policies, path).capabilities;
const winner = (policies: Policies, path: string) => capabilitiesFor(policies, path).rule?.pattern;

describe('policy paths: exact, glob and + (policies.mdx "Policy Syntax")', () => {
  test('GIVEN an exact path THEN only that path matches ("cannot read secret/food or secret/foo/bar")', () => {
    const p = { p: [one('secret/foo', 'read')] };
    expect([caps(p, 'secret/foo'), caps(p, 'secret/food'), caps(p, 'secret/foo/bar')]).toEqual([['read'], [], []]);
  });
  test('GIVEN secret/bar/* THEN everything under it, not secret/bars/zip', () => {
    const p = { p: [one('secret/bar/*', 'read')] };
    expect([caps(p, 'secret/bar/zip'), caps(p, 'secret/bar/zip/zap'), caps(p, 'secret/bars/zip'), caps(p, 'secret/bar')]).toEqual([['read'], ['read'], [], []]);
  });
  test('GIVEN secret/foo* THEN it "would also match secret/foobar" (a glob is a prefix match, not a segment match)', () => {
    const p = { p: [one('secret/foo*', 'read')] };
    expect([caps(p, 'secret/foo'), caps(p, 'secret/foobar'), caps(p, 'secret/foo/bar'), caps(p, 'secret/fo')]).toEqual([['read'], ['read'], ['read'], []]);
  });
  test('GIVEN secret/zip-* THEN secret/zip-zap and secret/zip-zap/zong, not secret/zip/zap', () => {
    const p = { p: [one('secret/zip-*', 'read')] };
    expect([caps(p, 'secret/zip-zap'), caps(p, 'secret/zip-zap/zong'), caps(p, 'secret/zip/zap')]).toEqual([['read'], ['read'], []]);
  });
  test('GIVEN + segments THEN exactly one segment each (secret/+/teamb, secret/+/+/teamb)', () => {
    const p = { a: [one('secret/+/teamb', 'read')], b: [one('secret/+/+/teamb', 'list')] };
    expect([caps(p, 'secret/foo/teamb'), caps(p, 'secret/foo/bar/teamb'), caps(p, 'secret/teamb'), caps(p, 'secret/a/b/c/teamb')]).toEqual([
      ['read'],
      ['list'],
      [],
      [],
    ]);
  });
  test('GIVEN * anywhere but at the end THEN it is a literal character', () => {
    expect(policyPathMatches('secret/*/x', 'secret/a/x')).toBe(false);
    expect(policyPathMatches('secret/*/x', 'secret/*/x')).toBe(true);
    expect(policyPathMatches('a*/b*', 'a*/bc')).toBe(true);
    expect(policyPathMatches('a*/b*', 'ax/bc')).toBe(false);
  });
  test('GIVEN + inside a segment THEN it is literal; GIVEN a trailing * after + segments THEN the last segment is a prefix and deeper paths match', () => {
    expect(policyPathMatches('kvv2/a+b/x', 'kvv2/a+b/x')).toBe(true);
    expect(policyPathMatches('kvv2/a+b/x', 'kvv2/acb/x')).toBe(false);
    expect(policyPathMatches('kvv2/+/conf*', 'kvv2/web/config/deep')).toBe(true);
    expect(policyPathMatches('kvv2/+/conf*', 'kvv2/web/other')).toBe(false);
    expect(policyPathMatches('kvv2/+/*', 'kvv2/web')).toBe(false);
    expect(policyPathMatches('kvv2/+/*', 'kvv2/web/')).toBe(true);
    expect(policyPathMatches('+/x', 'anything/x')).toBe(true);
  });
  test('GIVEN +* THEN the policy is refused, as Vault refuses it', () => {
    expect(() => new Acl({ p: [one('secret/+*', 'read')] })).toThrow(AclError);
    expect(() => new Acl({ p: [one('secret/+*', 'read')] })).toThrow(`policy path "secret/+*": invalid use of wildcards ('+*' is forbidden)`);
  });
  test('GIVEN a leading slash in the rule or the request THEN it is ignored', () => {
    expect(caps({ p: [one('/secret/foo', 'read')] }, 'secret/foo')).toEqual(['read']);
    expect(caps({ p: [one('secret/foo', 'read')] }, '//secret/foo')).toEqual(['read']);
  });
});

describe('an exact path beats every glob', () => {
  test("GIVEN secret/* and an exact secret/super-secret deny THEN the exact one decides (the docs' example)", () => {
    const p = { broad: [one('secret/*', 'create', 'read', 'update', 'patch', 'delete', 'list')], narrow: [one('secret/super-secret', 'deny')] };
    expect(capabilitiesFor(p, 'secret/super-secret')).toEqual({
      capabilities: [],
      denied: true,
      rule: { pattern: 'secret/super-secret', policies: ['narrow'] },
    });
    expect(caps(p, 'secret/other')).toEqual(['create', 'read', 'update', 'patch', 'delete', 'list']);
  });
  test('GIVEN an exact read and a more specific-looking glob THEN the exact rule is the answer, even if it grants less', () => {
    const p = { a: [one('kvv2/data/app/config', 'read')], b: [one('kvv2/data/app/config*', 'read', 'update'), one('kvv2/data/+/config', 'delete')] };
    expect(caps(p, 'kvv2/data/app/config')).toEqual(['read']);
    expect(caps(p, 'kvv2/data/app/configs')).toEqual(['read', 'update']);
  });
  test('GIVEN a list-style path with a trailing slash THEN an exact rule without it applies (sys/capabilities)', () => {
    const p = { a: [one('kvv2/metadata/app', 'list')], b: [one('kvv2/metadata/*', 'read')] };
    expect(caps(p, 'kvv2/metadata/app/')).toEqual(['list']);
    expect(caps(p, 'kvv2/metadata/app')).toEqual(['list']);
    expect(caps(p, 'kvv2/metadata/other/')).toEqual(['read']);
  });
});

describe('priority between globs: the five documented rules', () => {
  test('1. the first wildcard (+) or glob (*) earlier in P1 makes P1 lower priority', () => {
    expect(comparePriority('secret/+/x', 'secret/a/+')).toBeLessThan(0);
    expect(comparePriority('secret/*', 'secret/foo/*')).toBeLessThan(0);
    expect(comparePriority('foo/+', 'foo/a*')).toBeLessThan(0); // acl.go: prefer foo/a* over foo/+
    const p = { a: [one('secret/+/teamb', 'read')], b: [one('secret/foo/*', 'list')] };
    expect(winner(p, 'secret/foo/teamb')).toBe('secret/foo/*');
    const q = { a: [one('foo/bar/+/baz', 'read')], b: [one('foo/+/bar/baz', 'list')] };
    expect(winner(q, 'foo/bar/bar/baz')).toBe('foo/bar/+/baz');
  });
  test('2. P1 ending in * while P2 does not makes P1 lower priority', () => {
    expect(comparePriority('foo/+/ba*', 'foo/+/bar')).toBeLessThan(0);
    expect(comparePriority('foo/*', 'foo/+')).toBeLessThan(0);
    expect(winner({ a: [one('foo/+/ba*', 'read')], b: [one('foo/+/bar', 'list')] }, 'foo/x/bar')).toBe('foo/+/bar');
    expect(winner({ a: [one('foo/*', 'read')], b: [one('foo/+', 'list')] }, 'foo/x')).toBe('foo/+');
  });
  test("3. more + segments makes P1 lower priority (the docs' secret/* vs secret/+/+/foo/*)", () => {
    expect(comparePriority('secret/+/+/foo/*', 'secret/*')).toBeLessThan(0);
    expect(winner({ a: [one('secret/*', 'read')], b: [one('secret/+/+/foo/*', 'list')] }, 'secret/a/b/foo/c')).toBe('secret/*');
    expect(winner({ a: [one('foo/+/+/baz', 'read')], b: [one('foo/+/bar/baz', 'list')] }, 'foo/x/bar/baz')).toBe('foo/+/bar/baz');
  });
  test('4. a shorter P1 is lower priority', () => {
    expect(comparePriority('foo/+/bar/b*', 'foo/+/bar/ba*')).toBeLessThan(0);
    expect(winner({ a: [one('foo/+/bar/b*', 'read')], b: [one('foo/+/bar/ba*', 'list')] }, 'foo/x/bar/baz')).toBe('foo/+/bar/ba*');
    // Without + segments this is Vault's longest-prefix match.
    expect(winner({ a: [one('kvv2/*', 'read')], b: [one('kvv2/data/*', 'list')], c: [one('kvv2/data/app*', 'update')] }, 'kvv2/data/app/x')).toBe(
      'kvv2/data/app*',
    );
  });
  test('5. a lexicographically smaller P1 is lower priority', () => {
    expect(comparePriority('a/+/b', 'a/+/c')).toBeLessThan(0);
    expect(comparePriority('a/+/c', 'a/+/b')).toBeGreaterThan(0);
    expect(comparePriority('a/+/b', 'a/+/b')).toBe(0);
    // same first wildcard, neither a prefix, two + each, same length: only rule 5 separates them
    const p = { y: [one('x/+/y/+', 'read')], z: [one('x/+/+/z', 'list')] };
    expect(winner(p, 'x/q/y/z')).toBe('x/+/y/+');
    expect(caps(p, 'x/q/y/z')).toEqual(['read']);
  });
  test('only the highest-priority pattern counts: a lower one adds nothing, not even its deny', () => {
    const p = { a: [one('secret/*', 'deny')], b: [one('secret/app/*', 'read')] };
    expect(capabilitiesFor(p, 'secret/app/x')).toEqual({ capabilities: ['read'], denied: false, rule: { pattern: 'secret/app/*', policies: ['b'] } });
    expect(capabilitiesFor(p, 'secret/other').denied).toBe(true);
  });
});

describe('a list request (trailing "/") against + globs (vault#23874: same as without a wildcard)', () => {
  test('GIVEN +/sys/policies/acl with list THEN foo/sys/policies/acl/ is listed, as with the exact path', () => {
    for (const rule of ['+/sys/policies/acl', 'foo/sys/policies/acl', '+/sys/policies/acl/']) {
      expect(caps({ p: [one(rule, 'list')] }, 'foo/sys/policies/acl/')).toEqual(['list']);
    }
    expect(caps({ p: [one('+/sys/policies/acl', 'list')] }, 'foo/bar/sys/policies/acl/')).toEqual([]);
  });
});

describe('the same path in several policies: union, and deny wins', () => {
  test('GIVEN the same pattern in two policies THEN the capabilities are the union, and both policies are named', () => {
    const p = { a: [one('kvv2/data/app/*', 'read')], b: [one('kvv2/data/app/*', 'list', 'read')] };
    expect(capabilitiesFor(p, 'kvv2/data/app/x')).toEqual({
      capabilities: ['read', 'list'],
      denied: false,
      rule: { pattern: 'kvv2/data/app/*', policies: ['a', 'b'] },
    });
  });
  test('GIVEN deny in either policy, first or last, THEN only deny remains', () => {
    for (const p of <Policies[]>[
      { a: [one('x/*', 'read')], b: [one('x/*', 'deny')] },
      { a: [one('x/*', 'deny')], b: [one('x/*', 'read', 'sudo')] },
      { a: [one('x/*', 'read', 'deny')] },
    ]) {
      expect(capabilitiesFor(p, 'x/y')).toMatchObject({ capabilities: [], denied: true });
    }
  });
  test('GIVEN the same pattern twice in one policy THEN the same union applies; a Map works like a record', () => {
    expect(caps(new Map([['a', [one('p', 'read'), one('p', 'update')]]]), 'p')).toEqual(['read', 'update']);
  });
  test('GIVEN deny next to sudo, on an exact path and on a + path THEN deny "takes precedence regardless of any other defined capabilities, including sudo"', () => {
    for (const path of ['sys/mounts', 'kvv2/data/+/config', 'kvv2/data/app/*']) {
      const p = { root: [one(path, 'create', 'read', 'update', 'delete', 'list', 'sudo')], lock: [one(path, 'deny')] };
      const request = path.replace('+', 'app').replace('*', 'x');
      // only the denying policy is named: the other's capabilities are dropped (acl.go NewACL)
      expect(capabilitiesFor(p, request)).toEqual({ capabilities: [], denied: true, rule: { pattern: path, policies: ['lock'] } });
    }
  });
  test('GIVEN no matching rule THEN nothing is granted (deny by default)', () => {
    expect(capabilitiesFor({ a: [one('x/*', 'read')] }, 'y')).toEqual({ capabilities: [], denied: false });
    expect(capabilitiesFor({}, 'y')).toEqual({ capabilities: [], denied: false });
  });
});

describe("the guidebook's postgres/creds/<app>* prefix case", () => {
  const appPolicy = (app: string) => [one(`kvv2/data/${app}/*`, 'read', 'list'), one(`postgres/creds/${app}*`, 'read')];
  test("GIVEN apps app1 and app10 THEN app1's policy also reads app10's database credentials, but not the other way round", () => {
    const p = { app1: appPolicy('app1') };
    expect(caps(p, 'postgres/creds/app1')).toEqual(['read']);
    expect(caps(p, 'postgres/creds/app10')).toEqual(['read']);
    expect(caps({ app10: appPolicy('app10') }, 'postgres/creds/app1')).toEqual([]);
    // kv uses a "/" before the glob, so it does not leak across prefixes
    expect(caps(p, 'kvv2/data/app10/config')).toEqual([]);
  });
  test("GIVEN webapp and web THEN web's policy reaches postgres/creds/webapp; an exact rule of webapp does not stop it from matching other names", () => {
    expect(winner({ web: appPolicy('web') }, 'postgres/creds/webapp')).toBe('postgres/creds/web*');
    expect(caps({ web: appPolicy('web'), webapp: [one('postgres/creds/webapp', 'read')] }, 'postgres/creds/webapp-x')).toEqual(['read']);
  });
});

describe('accessDiff', () => {
  test('GIVEN a policy edit THEN per path the capabilities gained and lost, unchanged paths left out', () => {
    const before = { web: [one('kvv2/data/web/*', 'read', 'list'), one('postgres/creds/web*', 'read')] };
    const after = { web: [one('kvv2/data/web/*', 'read', 'update'), one('postgres/creds/web', 'read')] };
    const paths = [...pathsOfPolicies(before, after), 'postgres/creds/webapp', 'kvv2/data/web/config'];
    expect(accessDiff(before, after, paths).map((c) => `${c.path} +${c.gained} -${c.lost}`)).toEqual([
      'kvv2/data/web/* +update -list',
      'kvv2/data/web/config +update -list',
      'postgres/creds/web* + -read',
      'postgres/creds/webapp + -read',
    ]);
  });
  test('GIVEN a deny added THEN every capability of the path is lost; GIVEN a policy removed THEN its access goes', () => {
    const before = { a: [one('x/*', 'read', 'list')] };
    expect(
      accessDiff(before, { a: [one('x/*', 'read', 'list')], b: [one('x/secret', 'deny')] }, ['x/secret', 'x/other']).map(
        (c) => `${c.path} -${c.lost} ${c.after.denied}`,
      ),
    ).toEqual(['x/secret -read,list true']);
    expect(accessDiff(before, {}, ['x/y', 'x/y']).map((c) => `${c.path} -${c.lost}`)).toEqual(['x/y -read,list']);
    expect(accessDiff(before, before, ['x/y'])).toEqual([]);
  });
  test('pathsOfPolicies lists every written path once, sorted, without a leading slash', () => {
    expect(pathsOfPolicies({ a: [one('/b', 'read'), one('a/*', 'read')] }, { c: [one('b', 'list')] })).toEqual(['a/*', 'b']);
  });
});

describe('meetOf and reviewPaths: where a + glob overlaps another glob', () => {
  test.each([
    ['kvv2/data/+/config', 'kvv2/data/app/*', 'kvv2/data/app/config'],
    ['kvv2/data/app/*', 'kvv2/data/+/config', 'kvv2/data/app/config'],
    ['postgres/creds/+', 'postgres/creds/web*', 'postgres/creds/web'],
    ['secret/+/teamb', 'secret/+/+', 'secret/x/teamb'],
    ['secret/+/teamb', 'secret/+/+/+', undefined], // exact segment counts differ
    ['secret/+/teamb', 'secret/foo/+', 'secret/foo/teamb'],
    ['a/+/c*', 'a/b/*', 'a/b/c'],
    ['a/+/conf*', 'a/+/config/deep', 'a/x/config/deep'],
    ['a/+/c', 'a/b/+', 'a/b/c'],
    ['kvv2/data/+/config', 'kvv2/data/other', undefined], // exact paths are reviewed as written
    ['x/+/y', 'x/a/z*', undefined],
    ['x/+', 'x/a/b*', undefined],
  ])('meetOf(%s, %s) = %s, matched by both', (p1, p2, meet) => {
    expect(meetOf(p1, p2)).toBe(meet);
    if (meet !== undefined) expect([policyPathMatches(p1, meet), policyPathMatches(p2, meet)]).toEqual([true, true]);
  });
  test('GIVEN a + deny that overlaps another + glob THEN the review finds the path where it wins, which the written paths alone miss', () => {
    // kvv2/data/plausible/config: the deny's first + comes later (priority rule 1), so it wins there
    const before = { configs: [one('kvv2/data/+/config', 'read')] };
    const after = { ...before, lock: [one('kvv2/data/plausible/+', 'deny')] };
    expect(accessDiff(before, after, pathsOfPolicies(before, after))).toEqual([]);
    expect(reviewPaths(before, after)).toEqual(['kvv2/data/+/config', 'kvv2/data/plausible/+', 'kvv2/data/plausible/config']);
    expect(accessDiff(before, after, reviewPaths(before, after)).map((c) => `${c.path} -${c.lost} ${c.after.denied}`)).toEqual([
      'kvv2/data/plausible/config -read true',
    ]);
  });
  test('GIVEN a + deny against a prefix glob THEN the written paths already decide it (the glob reaching past the + ranks higher)', () => {
    const before = { app: [one('kvv2/data/app/*', 'read', 'list')] };
    const after = { ...before, lock: [one('kvv2/data/+/config', 'deny')] };
    expect(capabilitiesFor(after, 'kvv2/data/app/config').rule?.pattern).toBe('kvv2/data/app/*');
    expect(accessDiff(before, after, reviewPaths(before, after))).toEqual([]);
  });
  test('GIVEN a prefix deny reaching past the + of a read rule THEN the review finds where it wins, which neither written path shows', () => {
    const before = { configs: [one('kvv2/data/+/config', 'read')] };
    const after = { ...before, lock: [one('kvv2/data/app/conf*', 'deny')] };
    expect(accessDiff(before, after, pathsOfPolicies(before, after))).toEqual([]);
    expect(accessDiff(before, after, reviewPaths(before, after)).map((c) => `${c.path} -${c.lost} ${c.after.denied}`)).toEqual([
      'kvv2/data/app/config -read true',
    ]);
  });
  test("GIVEN two prefix globs only THEN no witness is added (longest prefix decides at the longer one's own text)", () => {
    expect(reviewPaths({ a: [one('kvv2/*', 'read'), one('kvv2/data/app/*', 'list')] })).toEqual(['kvv2/*', 'kvv2/data/app/*']);
  });
});
