import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktn/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../src/model';
import { GenerateOptionsSchema } from '../src/config/schema';
import { effectiveArguments, keepersOf, rotationOfKeepers, rotationsAcknowledged, secretRotations } from '../src/model/generated';
import { GENERATE_OPTIONS, PASSWORD_ARGUMENTS } from '../src/model/random-password';
import type { Model, SecretModel } from '../src/model/model';
import { markerLine } from '../src/render/files';
import { renderAppTofu } from '../src/tofu-gen';
import { loadProviderSchemas, validateRenderedFiles } from '../src/validate/hcl';
import { packageRoot } from '../src/util/package-root';
import { instanceArguments } from './support/random-password';
import { WEB_SECRETS_HEAD } from './support/secrets-yaml';

// GIVEN generate: items that are plain key names or { KEY: { options } }, WHEN apps.yaml is
// resolved and rendered, THEN each key's random_password gets exactly its own arguments and
// keepers, at the same instance address, and the model says which edits rotate a password.

/** An app "web" whose secrets are the given YAML, indented under secrets:. */
const model = (secrets: string): Model => loadModel('apps.yaml', WEB_SECRETS_HEAD + secrets.replace(/^/gm, '      ')).model;
const secret = (secrets: string, name = 'config'): SecretModel => model(secrets).apps[0]!.secrets.find((s) => s.name === name)!;
const secretsFile = (m: Model): string => renderAppTofu(m, m.apps[0]!).find((f) => f.path.endsWith('secrets.gen.tf'))!.content;
const randomPassword = (text: string): string => {
  const start = text.indexOf('resource "random_password"');
  return text.slice(start, text.indexOf('\n}\n', start) + 3);
};

describe('resolving generate items', () => {
  it('the schema takes exactly the options the argument table maps, plus rotation', () => {
    expect(Object.keys(GenerateOptionsSchema.shape).sort()).toEqual([...GENERATE_OPTIONS].sort());
    expect(GENERATE_OPTIONS).toEqual([...PASSWORD_ARGUMENTS.map((a) => a.option), 'rotation']);
  });

  it("a plain name takes the secret's length (or 64) and special = true; options override per key; rotation defaults to 0", () => {
    const s = secret(`config:
  length: 40
  generate:
    - B_PLAIN
    - A_OPTS: { length: 32, special: false, upper: true, minNumeric: 2, rotation: 3 }
`);
    expect(s.generate).toEqual(['A_OPTS', 'B_PLAIN']);
    expect(s.generated).toEqual([
      {
        name: 'A_OPTS',
        origin: ['apps', 'web', 'secrets', 'config', 'generate', 1],
        password: { length: 32, special: false, upper: true, minNumeric: 2 },
        ownLength: true,
        rotation: 3,
      },
      { name: 'B_PLAIN', origin: ['apps', 'web', 'secrets', 'config', 'generate', 0], password: { length: 40, special: true }, ownLength: false, rotation: 0 },
    ]);
    expect(secret('config: { generate: [K] }').generated[0]!.password).toEqual({ length: 64, special: true });
  });
});

describe('rendering per-key options', () => {
  it('plain names render exactly the v1 block: toset, length, special', () => {
    expect(randomPassword(secretsFile(model('config: { length: 20, generate: [B, A] }')))).toBe(`resource "random_password" "config" {
  for_each = toset(["A", "B"])
  length   = 20
  special  = true
}
`);
  });

  it('options every key shares, and rotation 0, stay literal arguments of the toset form', () => {
    const same = secretsFile(
      model(`config:
  generate:
    - A: { length: 24, special: false, rotation: 0 }
    - B: { length: 24, special: false }
`),
    );
    expect(randomPassword(same)).toBe(`resource "random_password" "config" {
  for_each = toset(["A", "B"])
  length   = 24
  special  = false
}
`);
  });

  it('options that differ between keys go into a for_each map, null where a key leaves them unset', () => {
    const text = secretsFile(
      model(`config:
  generate:
    - SECRET_KEY_BASE
    - TOTP_VAULT_KEY: { length: 32, rotation: 2 }
    - my.key: { overrideSpecial: "-_", minSpecial: 2, numeric: false }
`),
    );
    expect(text).toBe(`${markerLine('web/iac/secrets.gen.tf')}
# Generated secrets: one random_password per key, base64-encoded and written to kv-v2 with
# vault_kv_secret_v2. No secret value is written in this file.

resource "random_password" "config" {
  for_each = {
    "SECRET_KEY_BASE" = { length = 64, numeric = null, min_special = null, override_special = null, keepers = null }
    "TOTP_VAULT_KEY"  = { length = 32, numeric = null, min_special = null, override_special = null, keepers = { rotation = "2" } }
    "my.key"          = { length = 64, numeric = false, min_special = 2, override_special = "-_", keepers = null }
  }
  length           = each.value.length
  special          = true
  numeric          = each.value.numeric
  min_special      = each.value.min_special
  override_special = each.value.override_special
  keepers          = each.value.keepers
}

resource "vault_kv_secret_v2" "config" {
  mount = "kvv2"
  name  = "web/config"
  data_json = jsonencode({
    for key, password in random_password.config : key => base64encode(password.result)
  })
}
`);
  });

  it('rotation N >= 1 renders keepers = { rotation = "N" }; 0 or no rotation renders no keepers at all', () => {
    expect(randomPassword(secretsFile(model('config: { generate: [{ K: { rotation: 7 } }] }')))).toBe(`resource "random_password" "config" {
  for_each = toset(["K"])
  length   = 64
  special  = true
  keepers  = { rotation = "7" }
}
`);
    for (const item of ['K', '{ K: { rotation: 0 } }', '{ K: {} }']) {
      expect(secretsFile(model(`config: { generate: [${item}] }`)), item).not.toContain('keepers');
    }
    expect(keepersOf({ rotation: 0 })).toBeUndefined();
    expect(keepersOf({ rotation: 12 })).toEqual({ rotation: '12' });
  });

  describe('the rendered HCL, read back as OpenTofu reads it', () => {
    let schemas: ReturnType<typeof loadProviderSchemas>;
    beforeAll(() => {
      schemas = loadProviderSchemas();
    });
    const variants: Record<string, string> = {
      plain: 'config: { length: 17, generate: [A, B] }',
      shared: 'config: { generate: [{ A: { lower: false, minUpper: 3 } }, { B: { lower: false, minUpper: 3 } }] }',
      mixed: `config:
  length: 48
  generate:
    - A
    - B: { length: 1, special: false, upper: false, lower: false }
    - C: { upper: true, lower: true, numeric: true, special: true, minUpper: 1, minLower: 1, minNumeric: 1, minSpecial: 1, overrideSpecial: "!$%{}", rotation: 1 }
    - d-e.f: { rotation: 9, minLower: 40 }
other:
  generate: [{ X: { rotation: 2 } }, Y]`,
    };

    it.each(Object.keys(variants))(
      "%s: every instance gets exactly the model's arguments and keepers, and the file passes the provider schema",
      async (name) => {
        const m = model(variants[name]!);
        const files = renderAppTofu(m, m.apps[0]!);
        expect(await validateRenderedFiles(files, schemas)).toEqual([]);
        const doc = (await parse('secrets.gen.tf', secretsFile(m))) as { resource: { random_password: Record<string, [Record<string, unknown>]> } };
        for (const s of m.apps[0]!.secrets) {
          const resource = doc.resource.random_password[s.name]![0];
          for (const key of s.generated) {
            const expected = Object.fromEntries(
              PASSWORD_ARGUMENTS.flatMap((a) => (key.password[a.option] === undefined ? [] : [[a.argument, key.password[a.option]]])),
            );
            const keepers = keepersOf(key);
            expect(instanceArguments(resource, key.name), `${s.name}["${key.name}"]`).toEqual({ ...expected, ...(keepers ? { keepers } : {}) });
          }
        }
      },
    );
  });
});

describe('which edits rotate a generated key', () => {
  const before = `config:
  length: 40
  generate:
    - PLAIN
    - TUNED: { length: 32, special: false, rotation: 1 }
`;
  const rotations = (next: string) => secretRotations(secret(before), secret(next));

  it('no edit, or setting an argument to the value the provider already uses, rotates nothing', () => {
    expect(rotations(before)).toEqual([]);
    expect(
      rotations(`config:
  length: 40
  generate:
    - PLAIN: { special: true, upper: true, lower: true, numeric: true, minUpper: 0, minSpecial: 0, rotation: 0 }
    - TUNED: { length: 32, special: false, rotation: 1 }
`),
    ).toEqual([]);
    expect(rotationsAcknowledged(secret(before), secret(before))).toBe(true);
  });

  it('a changed argument rotates the key, unacknowledged unless its rotation counter went up', () => {
    expect(rotations(before.replace('length: 32', 'length: 33'))).toEqual([{ key: 'TUNED', changed: ['length'], acknowledged: false }]);
    expect(rotations(before.replace('length: 32', 'length: 33').replace('rotation: 1', 'rotation: 2'))).toEqual([
      { key: 'TUNED', changed: ['keepers', 'length'], acknowledged: true },
    ]);
    expect(rotations(before.replace('special: false', 'special: true'))).toEqual([{ key: 'TUNED', changed: ['special'], acknowledged: false }]);
    expect(rotations(before.replace('special: false', 'special: true, overrideSpecial: "-"'))).toEqual([
      { key: 'TUNED', changed: ['override_special', 'special'], acknowledged: false },
    ]);
    expect(rotationsAcknowledged(secret(before), secret(before.replace('length: 32', 'length: 33')))).toBe(false);
  });

  it("the secret's length rotates the keys that take it, not those with their own", () => {
    expect(rotations(before.replace('length: 40', 'length: 41'))).toEqual([{ key: 'PLAIN', changed: ['length'], acknowledged: false }]);
    expect(rotations(before.replace('length: 40', 'length: 64').replace('  length: 64\n', ''))).toEqual([
      { key: 'PLAIN', changed: ['length'], acknowledged: false },
    ]);
  });

  it('raising the counter alone is an acknowledged rotation; lowering it, or back to 0, rotates unacknowledged', () => {
    expect(rotations(before.replace('rotation: 1', 'rotation: 2'))).toEqual([{ key: 'TUNED', changed: ['keepers'], acknowledged: true }]);
    expect(rotations(before.replace('- PLAIN', '- PLAIN: { rotation: 1 }'))).toEqual([{ key: 'PLAIN', changed: ['keepers'], acknowledged: true }]);
    expect(rotations(before.replace('rotation: 1', 'rotation: 0'))).toEqual([{ key: 'TUNED', changed: ['keepers'], acknowledged: false }]);
    expect(secretRotations(secret(before.replace('rotation: 1', 'rotation: 5')), secret(before))).toEqual([
      { key: 'TUNED', changed: ['keepers'], acknowledged: false },
    ]);
  });

  it('a key added or removed is a create or a destroy, not a rotation', () => {
    expect(rotations(before.replace('    - PLAIN\n', ''))).toEqual([]);
    expect(rotations(`${before}    - NEW: { length: 10 }\n`)).toEqual([]);
  });

  it("effective arguments fill in the provider's values for unset ones", () => {
    expect(effectiveArguments({ length: 5, special: false })).toEqual({
      length: 5,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      min_upper: 0,
      min_lower: 0,
      min_numeric: 0,
      min_special: 0,
      override_special: null,
    });
  });
});

describe('the README\'s "Generated secrets" example', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const example = /### Generated secrets[^]*?```yaml\n([^]*?)```/.exec(readme)?.[1];

  it('loads, and renders what the README says of each key', async () => {
    expect(example).toBeDefined();
    const m = model(example!);
    const config = m.apps[0]!.secrets[0]!;
    expect(config.generated.map((k) => [k.name, k.password, k.rotation])).toEqual([
      ['API_TOKEN', { length: 40, special: false, minNumeric: 4 }, 1],
      ['SECRET_KEY_BASE', { length: 64, special: true }, 0],
      ['TOTP_VAULT_KEY', { length: 32, special: true }, 0],
    ]);
    const doc = (await parse('secrets.gen.tf', secretsFile(m))) as { resource: { random_password: { config: [Record<string, unknown>] } } };
    expect(instanceArguments(doc.resource.random_password.config[0], 'API_TOKEN')).toEqual({
      length: 40,
      special: false,
      min_numeric: 4,
      keepers: { rotation: '1' },
    });
  });
});

describe('the bundled apps.yaml against the one before per-key options', () => {
  it('rotates TOTP_VAULT_KEY (64 -> 32 characters), acknowledged by its rotation 1, and leaves SECRET_KEY_BASE alone', () => {
    const now = readFileSync(join(packageRoot(), 'apps.yaml'), 'utf8');
    const before = now.replace(/ {8}generate:\n( {10}.*\n)+/, '        generate: [SECRET_KEY_BASE, TOTP_VAULT_KEY]\n');
    expect(before).not.toBe(now);
    const config = (text: string) =>
      loadModel('apps.yaml', text)
        .model.apps.find((a) => a.name === 'plausible')!
        .secrets.find((s) => s.name === 'config')!;
    expect(config(before).generated.map((k) => k.password.length)).toEqual([64, 64]);
    expect(secretRotations(config(before), config(now))).toEqual([{ key: 'TOTP_VAULT_KEY', changed: ['keepers', 'length'], acknowledged: true }]);
    expect(rotationsAcknowledged(config(before), config(now))).toBe(true);
  });
});

describe('rotationOfKeepers reads back what keepersOf renders', () => {
  it.each([0, 1, 2, 9, 10, 123])('rotation %i round-trips', (rotation) => {
    expect(rotationOfKeepers(keepersOf({ rotation }))).toBe(rotation);
  });
  it.each([[{ rotation: 1 }], [{ rotation: '0' }], [{ rotation: '01' }], [{ rotation: '1', other: 'x' }], [{ version: '1' }], [['1']], ['1']])(
    'keepers %j are not a rotation counter',
    (keepers) => {
      expect(rotationOfKeepers(keepers)).toBeUndefined();
    },
  );
});
