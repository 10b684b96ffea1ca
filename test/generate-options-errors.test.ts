import { describe, expect, it } from 'vitest';
import { formatDiagnostic, InputError } from '../src/errors';
import { loadModel } from '../src/model';
import { WEB_SECRETS_HEAD } from './support/secrets-yaml';

// GIVEN a generate: item with a bad option, WHEN apps.yaml is loaded, THEN each problem is
// reported at the option (or the key) as FILE:LINE:COL, saying what random_password needs.

const head = `${WEB_SECRETS_HEAD}      config:
        generate:
`;
/** Line 11 onwards: the generate items, each on its own line, indented under generate:. */
const withItems = (...items: string[]) => head + items.map((i) => `          ${i}\n`).join('');

function diagnosticsOf(text: string): string[] {
  try {
    loadModel('apps.yaml', text);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map(formatDiagnostic).map((d) => d.split('\n')[0]!);
    throw e;
  }
  return [];
}

const cases: Record<string, { items: string[]; expected: string[] }> = {
  length0: { items: ['- K: { length: 0 }'], expected: ['apps.yaml:11:26: apps.web.secrets.config.generate[0].K.length: length must be at least 1'] },
  lengthHuge: { items: ['- K: { length: 1025 }'], expected: ['apps.yaml:11:26: apps.web.secrets.config.generate[0].K.length: length must be at most 1024'] },
  lengthText: { items: ['- K: { length: "32" }'], expected: ['apps.yaml:11:26: apps.web.secrets.config.generate[0].K.length: length must be a number'] },
  typo: {
    items: ['- K: { lenght: 32 }'],
    expected: [
      'apps.yaml:11:18: apps.web.secrets.config.generate[0].K.lenght: unknown key "lenght". Did you mean "length"? Allowed here: length, special, upper, lower, numeric, minUpper, minLower, minNumeric, minSpecial, overrideSpecial, rotation',
    ],
  },
  snakeCase: {
    items: ['- K: { min_upper: 2 }'],
    expected: [
      'apps.yaml:11:18: apps.web.secrets.config.generate[0].K.min_upper: unknown key "min_upper". Did you mean "minUpper"? Allowed here: length, special, upper, lower, numeric, minUpper, minLower, minNumeric, minSpecial, overrideSpecial, rotation',
    ],
  },
  special: { items: ['- K: { special: "no" }'], expected: ['apps.yaml:11:27: apps.web.secrets.config.generate[0].K.special: special must be true or false'] },
  minNegative: {
    items: ['- K: { minNumeric: -1 }'],
    expected: ['apps.yaml:11:30: apps.web.secrets.config.generate[0].K.minNumeric: minNumeric must be at least 0'],
  },
  rotationFraction: {
    items: ['- K: { rotation: 1.5 }'],
    expected: ['apps.yaml:11:28: apps.web.secrets.config.generate[0].K.rotation: rotation must be a whole number'],
  },
  rotationNegative: {
    items: ['- K: { rotation: -2 }'],
    expected: ['apps.yaml:11:28: apps.web.secrets.config.generate[0].K.rotation: rotation must be at least 0'],
  },
  minsOverLength: {
    items: ['- K: { length: 8, minUpper: 4, minLower: 3, minNumeric: 2 }'],
    expected: [
      'apps.yaml:11:18: apps.web.secrets.config.generate[0].K.length: K: minUpper 4 + minLower 3 + minNumeric 2 = 9 characters, more than its length 8; random_password needs length >= the sum of the minimums, so raise length or lower a minimum',
    ],
  },
  minsOverDefault: {
    items: ['- K: { minSpecial: 40, minUpper: 30 }'],
    expected: [
      'apps.yaml:11:13: apps.web.secrets.config.generate[0].K: K: minSpecial 40 + minUpper 30 = 70 characters, more than its length 64; random_password needs length >= the sum of the minimums, so raise length or lower a minimum',
    ],
  },
  minOnClassOff: {
    items: ['- K: { upper: false, minUpper: 1 }'],
    expected: [
      'apps.yaml:11:32: apps.web.secrets.config.generate[0].K.minUpper: K: minUpper asks for upper-case characters, but upper is false (random_password would add them anyway); remove minUpper or set upper: true',
    ],
  },
  overrideNoSpecial: {
    items: ['- K: { special: false, overrideSpecial: "-_" }'],
    expected: [
      'apps.yaml:11:34: apps.web.secrets.config.generate[0].K.overrideSpecial: K: overrideSpecial lists the special characters to use, but special is false, so none are used; remove overrideSpecial or set special: true',
    ],
  },
  overrideLetters: {
    items: ['- K: { overrideSpecial: "ab-" }'],
    expected: [
      'apps.yaml:11:35: apps.web.secrets.config.generate[0].K.overrideSpecial: overrideSpecial "ab-" may only hold ASCII punctuation (no letters, digits, spaces or non-ASCII: the provider picks characters byte by byte), e.g. "!#%*-_=+"',
    ],
  },
  overrideNonAscii: {
    items: ['- K: { overrideSpecial: "-§" }'],
    expected: [
      'apps.yaml:11:35: apps.web.secrets.config.generate[0].K.overrideSpecial: overrideSpecial "-§" may only hold ASCII punctuation (no letters, digits, spaces or non-ASCII: the provider picks characters byte by byte), e.g. "!#%*-_=+"',
    ],
  },
  overrideEmpty: {
    items: ['- K: { overrideSpecial: "" }'],
    expected: [
      "apps.yaml:11:35: apps.web.secrets.config.generate[0].K.overrideSpecial: overrideSpecial is empty; remove it to use the provider's own special characters",
    ],
  },
  allOff: {
    items: ['- K: { special: false, upper: false, lower: false, numeric: false }'],
    expected: [
      'apps.yaml:11:13: apps.web.secrets.config.generate[0].K: K: special, upper, lower and numeric are all false, so random_password has no characters to choose from; set at least one to true',
    ],
  },
  twoKeys: {
    items: ['- { A: { length: 3 }, B: {} }'],
    expected: [
      'apps.yaml:11:13: apps.web.secrets.config.generate[0]: a generate item with options names one key, but this one names 2; give each key its own item, e.g. - TOTP_VAULT_KEY: { length: 32 }',
    ],
  },
  noKeys: {
    items: ['- {}'],
    expected: [
      'apps.yaml:11:13: apps.web.secrets.config.generate[0]: a generate item with options names one key, but this one names 0; give each key its own item, e.g. - TOTP_VAULT_KEY: { length: 32 }',
    ],
  },
  nullOptions: {
    items: ['- K:'],
    expected: [
      'apps.yaml:11:15: apps.web.secrets.config.generate[0].K: generated key options must be a mapping of length, special, upper, lower, numeric, minUpper, minLower, minNumeric, minSpecial, overrideSpecial, rotation, e.g. { length: 32 }',
    ],
  },
  listOptions: {
    items: ['- K: [32]'],
    expected: [
      'apps.yaml:11:16: apps.web.secrets.config.generate[0].K: generated key options must be a mapping of length, special, upper, lower, numeric, minUpper, minLower, minNumeric, minSpecial, overrideSpecial, rotation, e.g. { length: 32 }',
    ],
  },
  badKeyName: {
    items: ['- "a b": { length: 3 }'],
    expected: [
      'apps.yaml:11:13: apps.web.secrets.config.generate[0]."a b": secret key "a b" may only hold letters, digits, "-", "_" and ".", e.g. LICENSE_KEY',
    ],
  },
  duplicate: {
    items: ['- K', '- K: { length: 32 }'],
    expected: ['apps.yaml:11:11: apps.web.secrets.config.generate: generate lists "K" twice; list each key once'],
  },
  numberItem: {
    items: ['- 42'],
    expected: [
      'apps.yaml:11:13: apps.web.secrets.config.generate[0]: a generate item is a key name, or a key with its options, e.g. - SECRET_KEY_BASE or - TOTP_VAULT_KEY: { length: 32 }',
    ],
  },
  blockStyle: {
    items: ['- SECRET_KEY_BASE', '- TOTP_VAULT_KEY:', '    length: 0', '    minUpper: x', '    numric: false'],
    expected: [
      'apps.yaml:13:23: apps.web.secrets.config.generate[1].TOTP_VAULT_KEY.length: length must be at least 1',
      'apps.yaml:14:25: apps.web.secrets.config.generate[1].TOTP_VAULT_KEY.minUpper: minUpper must be a number',
      'apps.yaml:15:15: apps.web.secrets.config.generate[1].TOTP_VAULT_KEY.numric: unknown key "numric". Did you mean "numeric"? Allowed here: length, special, upper, lower, numeric, minUpper, minLower, minNumeric, minSpecial, overrideSpecial, rotation',
    ],
  },
};

describe('generate: item options', () => {
  it.each(Object.keys(cases))('%s', (name) => {
    expect(diagnosticsOf(withItems(...cases[name]!.items))).toEqual(cases[name]!.expected);
  });

  it("checks the minimums against the secret's length when the key sets none of its own", () => {
    const text = head.replace('        generate:\n', '        length: 16\n        generate:\n') + '          - K: { minUpper: 10, minNumeric: 7 }\n';
    expect(diagnosticsOf(text)).toEqual([
      'apps.yaml:12:13: apps.web.secrets.config.generate[0].K: K: minUpper 10 + minNumeric 7 = 17 characters, more than its length 16; random_password needs length >= the sum of the minimums, so raise length or lower a minimum',
    ]);
    expect(diagnosticsOf(text.replace('minNumeric: 7', 'minNumeric: 6'))).toEqual([]);
  });

  it('accepts every option at a valid value, in flow and block style', () => {
    expect(
      diagnosticsOf(
        withItems(
          '- A',
          '- B: { length: 1, special: false, upper: false, lower: false, numeric: true, minNumeric: 1, rotation: 0 }',
          '- C:',
          '    length: 1024',
          '    minUpper: 1',
          '    minLower: 1',
          '    minNumeric: 1',
          '    minSpecial: 1021',
          '    overrideSpecial: "!#$%&*()-_=+[]{}<>:?~"',
          '    rotation: 9007199254740991',
        ),
      ),
    ).toEqual([]);
  });
});
