import { describe, expect, test } from 'vitest';
import { withTypeDefaults } from '../src/inventory/type-defaults';

/** optional() defaults as tofu applies them when it converts a variable's value to its type. */
describe('withTypeDefaults', () => {
  const applications =
    '${map(object({\n    service_account_names      = optional(list(string), [])\n    service_account_namespaces = optional(list(string), [])\n    policies                   = optional(list(string), [])\n  }))}';

  test("GIVEN the guidebook's applications map THEN each app gets the attributes it leaves out, keeps those it sets, and loses those the type does not declare (ops_policies)", () => {
    expect(withTypeDefaults({ cms: { policies: ['p'], ops_policies: ['dropped'] }, erp: {} }, applications)).toEqual({
      cms: { policies: ['p'], service_account_names: [], service_account_namespaces: [] },
      erp: { policies: [], service_account_names: [], service_account_namespaces: [] },
    });
  });

  test.each([
    ['an attribute set to null takes the default', '${object({ a = optional(string, "d") })}', { a: null }, { a: 'd' }],
    ['without a default it is null', '${object({ a = optional(string), b = string })}', { b: 'x' }, { a: null, b: 'x' }],
    [
      'nested in lists and objects, the default converted too',
      '${list(object({ o = optional(object({ n = optional(number, 3), s = optional(bool, true) }), {}) }))}',
      [{}, { o: { n: 1 } }],
      [{ o: { n: 3, s: true } }, { o: { n: 1, s: true } }],
    ],
    [
      'a default of every literal kind',
      '${object({ a = optional(list(string), ["x", "y"]), m = optional(map(string), { k = "v", "q" : "w" }), f = optional(number, -1.5e2), z = optional(bool, false) })}',
      {},
      { a: ['x', 'y'], m: { k: 'v', q: 'w' }, f: -150, z: false },
    ],
    ['a value that is not an object is left as it is', '${map(object({ a = optional(string, "d") }))}', '${var.other}', '${var.other}'],
  ])('%s', (_what, type, value, expected) => {
    expect(withTypeDefaults(value, type)).toEqual(expected);
  });

  test.each([
    ['no optional() at all', '${map(string)}'],
    ['a default that is an expression', '${object({ a = optional(string, "${var.x}") })}'],
    ['a default that calls a function', '${object({ a = optional(list(string), tolist([])) })}'],
    ['a tuple type', '${tuple([object({ a = optional(string, "d") })])}'],
    ['no type', undefined],
  ])('GIVEN %s THEN the value is left as it is: nothing is guessed', (_what, type) => {
    const value = { a: undefined, k: { a: null } };
    expect(withTypeDefaults(value, type)).toBe(value);
  });
});
