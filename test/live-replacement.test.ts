import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { effectOfChange, keepersForceReplacement, loadReplacementTable, replacementTable } from '../src/live/replacement';

const root = resolve(__dirname, '..');
const table = replacementTable();

describe('the replacement table loads from the package root', () => {
  test('GIVEN the committed file THEN it has the nine resource types joinkey knows', () => {
    expect(Object.keys(loadReplacementTable(root).resources)).toHaveLength(9);
  });
  test('GIVEN a root without the file THEN the error names the file and the script to run', () => {
    expect(() => loadReplacementTable('/nonexistent-joinkey-root')).toThrow(
      /cannot read the replacement table \/nonexistent-joinkey-root\/schemas\/tofu-replacement.json .*run node scripts\/extract-replacement.mjs/,
    );
  });
});

/** A value different from `v` of the same kind, and not a schema default. */
function another(v: unknown): unknown {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v + 7;
  if (Array.isArray(v)) return [...v, 'other'];
  if (v && typeof v === 'object') return { ...v, other: 'x' };
  return `${String(v)}-other`;
}

describe('effectOfChange: every argument of the table, from one set value to another', () => {
  const sample = (type: string, name: string): unknown => {
    const facts = table.resources[type]!.arguments[name]!;
    if (facts.block) return [{ max_versions: 3 }];
    if (facts.set) return ['a', 'b'];
    if (typeof facts.default === 'boolean') return !facts.default;
    if (typeof facts.default === 'number') return facts.default + 3;
    if (name === 'keepers') return { rotation: '1' };
    return `${name}-value`;
  };
  for (const [type, rules] of Object.entries(table.resources)) {
    test(`${type}: replace_on arguments replace, in_place arguments update`, () => {
      for (const name of rules.replace_on) {
        const b = sample(type, name);
        const r = effectOfChange(type, { [name]: b }, { [name]: another(b) });
        expect([name, r.effect, r.arguments]).toEqual([name, 'replace', type === 'random_password' && name === 'number' ? ['number'] : [name]]);
      }
      for (const name of rules.in_place) {
        const b = sample(type, name);
        expect([name, effectOfChange(type, { [name]: b }, { [name]: another(b) }).effect]).toEqual([name, 'update']);
      }
    });
  }
});

describe("effectOfChange: the issue's examples", () => {
  test('GIVEN random_password WHEN length changes (32 -> 64, 64 -> 16) THEN it is replaced, because of length', () => {
    for (const [a, b] of [
      [32, 64],
      [64, 16],
    ])
      expect(effectOfChange('random_password', { length: a }, { length: b })).toMatchObject({ effect: 'replace', arguments: ['length'] });
  });
  test('GIVEN vault_kv_secret_v2 WHEN mount or name changes THEN replace; data_json changes THEN update', () => {
    const kv = { mount: 'kvv2', name: 'plausible/config', data_json: '${jsonencode(x)}' };
    expect(effectOfChange('vault_kv_secret_v2', kv, { ...kv, mount: 'kv' })).toMatchObject({ effect: 'replace', arguments: ['mount'] });
    expect(effectOfChange('vault_kv_secret_v2', kv, { ...kv, name: 'plausible/settings' })).toMatchObject({ effect: 'replace', arguments: ['name'] });
    expect(effectOfChange('vault_kv_secret_v2', kv, { ...kv, name: 'x', mount: 'y', data_json: 'z' })).toMatchObject({
      effect: 'replace',
      arguments: ['mount', 'name'],
    });
    expect(effectOfChange('vault_kv_secret_v2', kv, { ...kv, data_json: '${jsonencode(y)}' })).toMatchObject({ effect: 'update', arguments: ['data_json'] });
  });
  test('GIVEN postgresql_database WHEN name or owner changes THEN update in place', () => {
    expect(effectOfChange('postgresql_database', { name: 'webapp', owner: 'webapp_role' }, { name: 'web', owner: 'webapp_role' })).toMatchObject({
      effect: 'update',
      arguments: ['name'],
    });
    expect(effectOfChange('postgresql_database', { name: 'webapp', owner: 'a' }, { name: 'webapp', owner: 'b' })).toMatchObject({
      effect: 'update',
      arguments: ['owner'],
    });
  });
  test('GIVEN identical arguments, or only meta-arguments changed, THEN none', () => {
    expect(effectOfChange('random_password', { length: 32, special: true }, { special: true, length: 32 }).effect).toBe('none');
    expect(effectOfChange('random_password', { length: 32, for_each: '${toset(["A"])}' }, { length: 32, for_each: '${toset(["A", "B"])}' }).effect).toBe(
      'none',
    );
    expect(
      effectOfChange('vault_policy', { name: 'a', policy: 'p', depends_on: [] }, { name: 'a', policy: 'p', lifecycle: [{ prevent_destroy: true }] }).effect,
    ).toBe('none');
  });
});

describe('effectOfChange: random_password keepers (RequiresReplaceIfValuesNotNull)', () => {
  const cases: [string, unknown, unknown, 'none' | 'update' | 'replace'][] = [
    ['a non-null value changes', { rotation: '1' }, { rotation: '2' }, 'replace'],
    ['a non-null key is added', { rotation: '1' }, { rotation: '1', extra: 'x' }, 'replace'],
    ['a key present in state is removed', { rotation: '1', extra: 'x' }, { rotation: '1' }, 'replace'],
    ['a key whose state value is null is removed', { rotation: '1', gone: null }, { rotation: '1' }, 'replace'],
    ['a value becomes null', { rotation: '1' }, { rotation: null }, 'replace'],
    ['keepers set where state had none', undefined, { rotation: '1' }, 'replace'],
    ['keepers removed while state had keys', { rotation: '1' }, undefined, 'replace'],
    ['a null-valued key is added', { rotation: '1' }, { rotation: '1', later: null }, 'update'],
    ['keepers with only null values set where state had none', undefined, { later: null }, 'update'],
    ['an empty map removed (state changes, nothing is replaced)', {}, undefined, 'update'],
    ['the same map, other key order', { a: '1', b: '2' }, { b: '2', a: '1' }, 'none'],
  ];
  for (const [what, before, after, effect] of cases) {
    test(`GIVEN ${what} THEN ${effect}`, () => {
      const args = (k: unknown) => (k === undefined ? { length: 32 } : { length: 32, keepers: k });
      expect(effectOfChange('random_password', args(before), args(after)).effect).toBe(effect);
    });
  }
  test('keepersForceReplacement follows the same rules on its own', () => {
    expect(keepersForceReplacement(null, { a: null, b: null })).toBe(false);
    expect(keepersForceReplacement(null, { a: null, b: 'x' })).toBe(true);
    expect(keepersForceReplacement({ a: 'x' }, { a: 'x', b: null })).toBe(false);
    expect(keepersForceReplacement({ a: 'x', b: null }, { a: 'x', b: null })).toBe(false);
  });
});

describe('effectOfChange: random_password override_special, number/numeric and defaults', () => {
  test('GIVEN override_special "" -> null THEN update; any other change THEN replace', () => {
    expect(effectOfChange('random_password', { length: 8, override_special: '' }, { length: 8 }).effect).toBe('update');
    expect(effectOfChange('random_password', { length: 8, override_special: '' }, { length: 8, override_special: null }).effect).toBe('update');
    expect(effectOfChange('random_password', { length: 8 }, { length: 8, override_special: '' }).effect).toBe('replace');
    expect(effectOfChange('random_password', { length: 8, override_special: '!@' }, { length: 8 }).effect).toBe('replace');
    expect(effectOfChange('random_password', { length: 8, override_special: '!@' }, { length: 8, override_special: '#' }).effect).toBe('replace');
  });
  test('GIVEN a default written out or dropped (special = true, min_upper = 0) THEN none; a different value THEN replace', () => {
    expect(effectOfChange('random_password', { length: 8 }, { length: 8, special: true }).effect).toBe('none');
    expect(effectOfChange('random_password', { length: 8, min_upper: 0 }, { length: 8 }).effect).toBe('none');
    expect(effectOfChange('random_password', { length: 8 }, { length: 8, special: false })).toMatchObject({ effect: 'replace', arguments: ['special'] });
    expect(effectOfChange('random_password', { length: 8, upper: false }, { length: 8 })).toMatchObject({ effect: 'replace', arguments: ['upper'] });
  });
  test('GIVEN number and numeric THEN they are one value that defaults to true', () => {
    expect(effectOfChange('random_password', { length: 8, number: true }, { length: 8, numeric: true }).effect).toBe('none');
    expect(effectOfChange('random_password', { length: 8 }, { length: 8, numeric: true }).effect).toBe('none');
    expect(effectOfChange('random_password', { length: 8, number: false }, { length: 8, numeric: false }).effect).toBe('none');
    expect(effectOfChange('random_password', { length: 8 }, { length: 8, numeric: false })).toMatchObject({ effect: 'replace', arguments: ['numeric'] });
    expect(effectOfChange('random_password', { length: 8, number: false }, { length: 8 })).toMatchObject({ effect: 'replace', arguments: ['number'] });
  });
});

describe('effectOfChange: Optional+Computed ForceNew arguments never replace when left unset', () => {
  test('GIVEN postgresql_database template/encoding/lc_collate/lc_ctype set, then unset THEN none', () => {
    for (const name of ['template', 'encoding', 'lc_collate', 'lc_ctype']) {
      expect(effectOfChange('postgresql_database', { name: 'db', [name]: 'X' }, { name: 'db' }).effect).toBe('none');
    }
  });
  test('GIVEN they change from one set value to another THEN replace', () => {
    expect(effectOfChange('postgresql_database', { name: 'db', encoding: 'UTF8' }, { name: 'db', encoding: 'LATIN1' })).toMatchObject({
      effect: 'replace',
      arguments: ['encoding'],
    });
    expect(effectOfChange('postgresql_database', { name: 'db', lc_ctype: 'C' }, { name: 'db', lc_ctype: 'en_US.UTF-8' })).toMatchObject({
      effect: 'replace',
      arguments: ['lc_ctype'],
    });
  });
  test('GIVEN template unset before (state reads template0) THEN template0 is no change and template1 replaces', () => {
    expect(effectOfChange('postgresql_database', { name: 'db' }, { name: 'db', template: 'template0' }).effect).toBe('none');
    expect(effectOfChange('postgresql_database', { name: 'db' }, { name: 'db', template: 'template1' }).effect).toBe('replace');
  });
  test('GIVEN encoding or jwt role_type set where they were unset THEN replace, because state is unknown (conservative)', () => {
    const r = effectOfChange('postgresql_database', { name: 'db' }, { name: 'db', encoding: 'UTF8' });
    expect(r).toMatchObject({ effect: 'replace', arguments: ['encoding'] });
    expect(r.changes[0]!.rule).toMatch(/state holds the value the provider read/);
    expect(effectOfChange('vault_jwt_auth_backend_role', { role_name: 'ci' }, { role_name: 'ci', role_type: 'jwt' }).effect).toBe('replace');
    expect(effectOfChange('vault_jwt_auth_backend_role', { role_name: 'ci', role_type: 'jwt' }, { role_name: 'ci' }).effect).toBe('none');
  });
});

describe('effectOfChange: defaults, sets and namespace', () => {
  test('GIVEN backend written as its default THEN none (kubernetes, jwt); another backend THEN replace', () => {
    expect(effectOfChange('vault_kubernetes_auth_backend_role', { role_name: 'a' }, { role_name: 'a', backend: 'kubernetes' }).effect).toBe('none');
    expect(effectOfChange('vault_jwt_auth_backend_role', { role_name: 'a', backend: 'jwt' }, { role_name: 'a' }).effect).toBe('none');
    expect(effectOfChange('vault_kubernetes_auth_backend_role', { role_name: 'a' }, { role_name: 'a', backend: 'k8s' }).effect).toBe('replace');
    expect(effectOfChange('vault_identity_group', { name: 'g' }, { name: 'g', type: 'external' }).effect).toBe('replace');
    expect(effectOfChange('vault_identity_group', { name: 'g' }, { name: 'g', type: 'internal' }).effect).toBe('none');
  });
  test('GIVEN a set argument reordered THEN none; a list-order change of a non-set argument THEN update', () => {
    const role = { role_name: 'a', bound_service_account_names: ['a', 'b'], token_policies: ['default', 'a'] };
    expect(
      effectOfChange('vault_kubernetes_auth_backend_role', role, { ...role, bound_service_account_names: ['b', 'a'], token_policies: ['a', 'default'] }).effect,
    ).toBe('none');
    expect(effectOfChange('vault_kubernetes_auth_backend_role', role, { ...role, token_policies: ['default', 'b'] })).toMatchObject({
      effect: 'update',
      arguments: ['token_policies'],
    });
    const db = { name: 'r', backend: 'postgres', db_name: 'postgres', creation_statements: ['A', 'B'] };
    expect(effectOfChange('vault_database_secret_backend_role', db, { ...db, creation_statements: ['B', 'A'] }).effect).toBe('update');
  });
  test('GIVEN namespace set on any vault resource, listed or not THEN replace', () => {
    for (const type of [
      'vault_policy',
      'vault_kv_secret_v2',
      'vault_kubernetes_auth_backend_role',
      'vault_jwt_auth_backend_role',
      'vault_database_secret_backend_role',
      'vault_identity_group',
      'vault_mount',
    ]) {
      const r = effectOfChange(type, { name: 'x' }, { name: 'x', namespace: 'team-a' });
      expect([type, r.effect, r.arguments]).toEqual([type, 'replace', ['namespace']]);
    }
  });
  test('GIVEN a type or an argument outside the table THEN any change is assumed to replace, with that reason', () => {
    const r = effectOfChange('vault_mount', { path: 'kvv2' }, { path: 'kv' });
    expect(r.effect).toBe('replace');
    expect(r.changes[0]!.rule).toMatch(/type not in the replacement table/);
    const u = effectOfChange('vault_policy', { name: 'a', policy: 'p' }, { name: 'a', policy: 'p', frobnicate: true });
    expect(u.effect).toBe('replace');
    expect(u.changes[0]!.rule).toMatch(/argument not in the replacement table/);
  });
  test('GIVEN postgresql_role: nothing replaces; a rename and a password change are in place', () => {
    expect(effectOfChange('postgresql_role', { name: 'a_role', login: false }, { name: 'b_role', login: true, password: 'x' })).toMatchObject({
      effect: 'update',
      arguments: ['login', 'name', 'password'],
    });
  });
});
