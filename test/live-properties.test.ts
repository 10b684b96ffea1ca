import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { policyPathMatches } from '../src/access/acl';
import { globMatches } from '../src/util/vault-glob';
import { isStateful, planKubeChanges, planLiveChanges } from '../src/live/plan';
import { effectOfChange } from '../src/live/replacement';
import type { KubeObject, LiveEffect, LiveResource, Moved } from '../src/live/types';
import { propertyParams } from './support/params';

/** Types that hold data whatever app they belong to. */
const ALWAYS_STATEFUL = new Set(['postgresql_database', 'postgresql_role', 'random_password', 'vault_kv_secret_v2']);
const TYPES = [
  'postgresql_database',
  'postgresql_role',
  'random_password',
  'vault_kv_secret_v2',
  'vault_policy',
  'vault_kubernetes_auth_backend_role',
  'vault_jwt_auth_backend_role',
  'vault_identity_group',
  'vault_mount',
];
const ARGS: Record<string, Record<string, unknown[]>> = {
  postgresql_database: {
    name: ['a', 'b'],
    owner: ['a_role', 'b_role'],
    encoding: [undefined, 'UTF8', 'LATIN1'],
    template: [undefined, 'template0', 'template1'],
  },
  postgresql_role: { name: ['a_role', 'b_role'], login: [undefined, true, false], password: [undefined, '${random_password.p.result}'] },
  random_password: {
    length: [16, 32],
    special: [undefined, true, false],
    keepers: [undefined, { rotation: '1' }, { rotation: '2' }, { later: null }],
    override_special: [undefined, '', '!'],
  },
  vault_kv_secret_v2: {
    mount: ['kvv2', 'kv'],
    name: ['a/config', 'b/config'],
    data_json: ['${jsonencode(random_password.p)}', '{}'],
    delete_all_versions: [undefined, true],
  },
  vault_policy: { name: ['a', 'b'], policy: ['p1', 'p2'] },
  vault_kubernetes_auth_backend_role: {
    role_name: ['a', 'b'],
    backend: [undefined, 'kubernetes', 'k8s'],
    token_policies: [['default', 'a'], ['a', 'default'], ['default']],
  },
  vault_jwt_auth_backend_role: { role_name: ['ci'], role_type: [undefined, 'jwt', 'oidc'], user_claim: ['email', 'sub'] },
  vault_identity_group: { name: ['g1', 'g2'], type: [undefined, 'internal', 'external'], policies: [['a'], ['b']] },
  vault_mount: { path: ['kvv2', 'kv'], type: ['kv-v2'] },
};

const argsArb = (type: string) =>
  fc
    .record(Object.fromEntries(Object.entries(ARGS[type]!).map(([k, vs]) => [k, fc.constantFrom(...vs)])))
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));

const resourceArb: fc.Arbitrary<LiveResource> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    label: fc.constantFrom('p', 'q', 'r'),
    key: fc.constantFrom('', '["x"]', '["y"]'),
    module: fc.constantFrom('a/iac', 'b/iac'),
    modulePrefix: fc.constantFrom('', '', 'module.m.'),
    app: fc.constantFrom(undefined, 'a', 'b'),
  })
  .chain((r) =>
    argsArb(r.type).map((args) => ({
      repo: 'tools',
      module: r.module,
      address: `${r.modulePrefix}${r.type}.${r.label}${r.key}`,
      type: r.type,
      args,
      ...(r.app ? { app: r.app } : {}),
    })),
  );

const keyOf = (r: { repo?: string; module?: string; address: string }) => `${r.repo ?? ''}/${r.module ?? ''}\u0000${r.address}`;
const unique = (rs: LiveResource[]) => [...new Map(rs.map((r) => [keyOf(r), r])).values()];

/** A base branch and an edit of it: removed, kept, changed, renamed and added resources. */
const editArb = fc
  .record({
    before: fc.array(resourceArb, { maxLength: 14 }).map(unique),
    edits: fc.array(fc.constantFrom('keep', 'keep', 'drop', 'change', 'rename'), { maxLength: 14 }),
    changes: fc.array(resourceArb, { maxLength: 14 }),
    added: fc.array(resourceArb, { maxLength: 5 }),
  })
  .map(({ before, edits, changes, added }) => {
    const after: LiveResource[] = [];
    before.forEach((r, i) => {
      const edit = edits[i] ?? 'keep';
      const other = changes[i];
      if (edit === 'keep') after.push({ ...r });
      else if (edit === 'change' && other && other.type === r.type) after.push({ ...r, args: other.args });
      else if (edit === 'change') after.push({ ...r, args: { ...r.args, [Object.keys(ARGS[r.type]!)[0]!]: 'changed' } });
      else if (edit === 'rename') after.push({ ...r, address: r.address.replace(`${r.type}.`, `${r.type}.renamed_`) });
    });
    return { before, after: unique([...after, ...added]) };
  });

function effectsByKey(effects: readonly LiveEffect[]): Map<string, LiveEffect[]> {
  const m = new Map<string, LiveEffect[]>();
  for (const e of effects) if (e.object === 'tofu') m.set(keyOf(e), [...(m.get(keyOf(e)) ?? []), e]);
  return m;
}

describe('property: the change plan classifies every address, and never calls a stateful destroy harmless', () => {
  test('GIVEN generated base and new resource sets (no moved blocks) THEN each added, removed or changed address has exactly one effect of the right kind', () => {
    fc.assert(
      fc.property(editArb, ({ before, after }) => {
        const plan = planLiveChanges(before, after);
        const byKey = effectsByKey(plan.effects);
        for (const list of byKey.values()) expect(list).toHaveLength(1);
        const b = new Map(before.map((r) => [keyOf(r), r]));
        const a = new Map(after.map((r) => [keyOf(r), r]));
        for (const [k, r] of b) {
          const now = a.get(k);
          const effect = byKey.get(k)?.[0];
          if (!now) {
            // removed: a destroy, or a rotation when it re-appears elsewhere as a generated secret
            expect(effect?.effect).toMatch(/^(destroy|rotate)$/);
            if (ALWAYS_STATEFUL.has(r.type)) expect(isStateful(effect!)).toBe(true);
            continue;
          }
          const change = effectOfChange(r.type, r.args, now.args);
          if (change.effect === 'none') {
            // unchanged: only a rotation it reads can reach it
            if (effect) expect(effect).toMatchObject({ effect: 'update', causes: expect.arrayContaining([expect.stringMatching(/^rotation of /)]) });
            continue;
          }
          if (change.effect === 'replace') {
            expect(effect?.effect).toBe(r.type === 'random_password' ? 'rotate' : 'replace');
            if (ALWAYS_STATEFUL.has(r.type)) expect(isStateful(effect!)).toBe(true);
          } else expect(effect?.effect).toBe('update');
        }
        for (const k of a.keys()) if (!b.has(k)) expect(byKey.get(k)?.[0]?.effect).toBe('create');
        for (const k of byKey.keys()) expect(a.has(k) || b.has(k)).toBe(true);
      }),
      propertyParams(901),
    );
  });

  test('GIVEN the suggested moved blocks applied THEN every rename is a move or an update/replace at the new address, and nothing is destroyed that a suggestion covered', () => {
    fc.assert(
      fc.property(editArb, ({ before, after }) => {
        const first = planLiveChanges(before, after);
        const moved: Moved[] = first.suggestions.flatMap((s) => (s.kind === 'moved' ? [{ repo: s.repo, module: s.module, from: s.from, to: s.to }] : []));
        const plan = planLiveChanges(before, after, moved);
        const byKey = effectsByKey(plan.effects);
        for (const list of byKey.values()) expect(list).toHaveLength(1);
        for (const m of moved) {
          expect(byKey.has(keyOf({ ...m, address: m.from }))).toBe(false);
          const at = byKey.get(keyOf({ ...m, address: m.to }))?.[0];
          expect(at && at.object === 'tofu' && at.movedFrom).toBe(m.from);
          expect(at?.effect).toMatch(/^(move|update)$/); // identical arguments: at most a rotation it reads
        }
        expect(plan.suggestions.filter((s) => s.kind === 'moved')).toEqual([]);
      }),
      propertyParams(902),
    );
  });

  test('GIVEN arbitrary moved blocks, valid or not THEN no address gets two effects and every removed address is accounted for once', () => {
    const moveArb = fc.record({ module: fc.constantFrom('a/iac', 'b/iac'), pick: fc.nat(), target: fc.nat(), whole: fc.boolean() });
    fc.assert(
      fc.property(editArb, fc.array(moveArb, { maxLength: 4 }), ({ before, after }, picks) => {
        const addresses = [...before, ...after];
        const moved: Moved[] =
          addresses.length === 0
            ? []
            : picks.map((p) => {
                const from = addresses[p.pick % addresses.length]!;
                const to = addresses[p.target % addresses.length]!;
                const strip = (a: string) => (p.whole ? a.replace(/\[[^\]]*\]$/, '') : a);
                return { repo: 'tools', module: p.module, from: strip(from.address), to: strip(to.address) };
              });
        const plan = planLiveChanges(before, after, moved);
        const byKey = effectsByKey(plan.effects);
        for (const list of byKey.values()) expect(list).toHaveLength(1);
        const movedFrom = new Map<string, number>();
        for (const e of plan.effects)
          if (e.object === 'tofu' && e.movedFrom)
            movedFrom.set(keyOf({ ...e, address: e.movedFrom }), (movedFrom.get(keyOf({ ...e, address: e.movedFrom })) ?? 0) + 1);
        const a = new Set(after.map(keyOf));
        for (const r of before) {
          if (a.has(keyOf(r))) continue;
          const own = byKey.has(keyOf(r)) ? 1 : 0;
          expect(own + (movedFrom.get(keyOf(r)) ?? 0)).toBe(1);
          if (own === 1 && ALWAYS_STATEFUL.has(r.type)) expect(isStateful(byKey.get(keyOf(r))![0]!)).toBe(true);
        }
        const b = new Set(before.map(keyOf));
        for (const k of a) if (!b.has(k)) expect(byKey.has(k)).toBe(true);
      }),
      propertyParams(905),
    );
  });

  test('GIVEN generated Kubernetes objects THEN each added, removed or changed identity has exactly one effect', () => {
    const objArb: fc.Arbitrary<KubeObject> = fc.record({
      apiVersion: fc.constantFrom('secrets.hashicorp.com/v1beta1', 'v1'),
      kind: fc.constantFrom('VaultStaticSecret', 'VaultAuth', 'ConfigMap'),
      namespace: fc.constantFrom('tools', 'web'),
      name: fc.constantFrom('a', 'b'),
      destinationSecret: fc.constantFrom('s1', 's2'),
      destinationCreate: fc.boolean(),
      body: fc.constantFrom({ x: 1 }, { x: 2 }),
    });
    fc.assert(
      fc.property(fc.array(objArb, { maxLength: 8 }), fc.array(objArb, { maxLength: 8 }), (before, after) => {
        const effects = planKubeChanges(before, after);
        const ids = effects.map((e) => e.identity);
        expect(new Set(ids).size).toBe(ids.length);
        const firstBy = (os: KubeObject[]) => {
          const m = new Map<string, KubeObject>();
          for (const o of os) {
            const id = `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}/${o.namespace}/${o.name}`;
            if (!m.has(id)) m.set(id, o);
          }
          return m;
        };
        const b = firstBy(before);
        const a = firstBy(after);
        for (const [id, o] of b) {
          const e = effects.find((x) => x.identity === id);
          if (!a.has(id)) expect(e?.effect).toBe('destroy');
          else if (JSON.stringify(a.get(id)) !== JSON.stringify(o)) expect(e?.effect).toBe('update');
          else expect(e).toBeUndefined();
          if (e && o.kind === 'VaultStaticSecret' && o.apiVersion.startsWith('secrets.hashicorp.com/') && o.destinationCreate && e.effect === 'destroy')
            expect(e.dataEffect).toMatch(/garbage collection deletes Secret/);
        }
        for (const id of a.keys()) if (!b.has(id)) expect(effects.find((x) => x.identity === id)?.effect).toBe('create');
      }),
      propertyParams(903),
    );
  });
});

describe('property: the ACL evaluator and util/vault-glob.ts agree on which paths a pattern matches', () => {
  test('GIVEN patterns of literal, + and trailing * segments and paths of non-empty segments THEN policyPathMatches equals globMatches', () => {
    const segment = fc.constantFrom('a', 'ab', 'b', '+', 'a+');
    const patternArb = fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '*', '/*'))
      .map(([s, tail]) => `${s.join('/')}${tail}`)
      .filter((p) => !p.includes('+*'));
    const pathArb = fc.array(fc.constantFrom('a', 'ab', 'abc', 'b', 'a+'), { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(patternArb, pathArb, (pattern, path) => policyPathMatches(pattern, path) === globMatches(pattern, path)),
      propertyParams(904, 5),
    );
  });
});
