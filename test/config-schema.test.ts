import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { appsYaml } from '../bench/gen';
import { parsePlainYaml } from '../src/config/plain-yaml';
import { AppsFileSchema } from '../src/config/schema';
import { documentData, YamlSource } from '../src/config/source';
import { loadModel } from '../src/model';
// @ts-expect-error: a plain ES module without types
import { appsYamlSchemaText, SCHEMA_FILE } from '../scripts/gen-apps-schema.mjs';
import { appsDoc, docWithPrototypeNames, printYaml } from './support/arbitraries';
import { propertyParams } from './support/params';

// GIVEN the JSON Schema of apps.yaml that editors use (schemas/apps-yaml.schema.json), WHEN it is
// compared with the zod schema the loader validates with, THEN it is what the script generates
// now, it accepts every valid apps.yaml (the bundled one, the scenarios, the README's, generated
// ones) and it rejects the shape errors the loader rejects. The loader hands the validated input
// itself to the resolver, so the zod schema must not transform or default anything.

const root = path.resolve(__dirname, '..');
const SCHEMA_COMMENT = '# yaml-language-server: $schema=./schemas/apps-yaml.schema.json';
const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as object);

/** The data of apps.yaml text, as the loader reads it (mappings without a prototype). */
function dataOf(text: string): unknown {
  return parsePlainYaml(text) ?? documentData(new YamlSource('apps.yaml', text));
}

function schemaErrors(text: string): string[] {
  return validate(dataOf(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const readmeExample = (): string => /```yaml\n([^]*?)```/.exec(fs.readFileSync(path.join(root, 'README.md'), 'utf8'))![1]!;
const VALID_FILES: Record<string, () => string> = {
  'apps.yaml': () => fs.readFileSync(path.join(root, 'apps.yaml'), 'utf8'),
  'the README example': readmeExample,
  'the bench input': () => appsYaml(50),
  ...Object.fromEntries(
    fs.readdirSync(path.join(__dirname, 'scenarios')).map((f) => [`test/scenarios/${f}`, () => fs.readFileSync(path.join(__dirname, 'scenarios', f), 'utf8')]),
  ),
};

describe('schemas/apps-yaml.schema.json', () => {
  it('is what scripts/gen-apps-schema.mjs generates from src/config/schema.ts now', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe((appsYamlSchemaText as (zod: typeof z, schema: unknown) => string)(z, AppsFileSchema));
  });

  it('is named on the first line of the bundled apps.yaml and of the README example', () => {
    expect(VALID_FILES['apps.yaml']!().split('\n')[0]).toBe(SCHEMA_COMMENT);
    expect(readmeExample().split('\n')[0]).toBe(SCHEMA_COMMENT);
  });

  it.each(Object.keys(VALID_FILES))('accepts %s, which the loader accepts', (name) => {
    const text = VALID_FILES[name]!();
    expect(() => loadModel(name, text)).not.toThrow();
    expect(schemaErrors(text)).toEqual([]);
  });

  it('accepts every generated valid apps.yaml, also with Object.prototype names', () => {
    fc.assert(
      fc.property(fc.oneof(appsDoc(), docWithPrototypeNames()), (doc) => {
        const text = printYaml(doc);
        expect(() => loadModel('apps.yaml', text)).not.toThrow();
        expect(schemaErrors(text), text).toEqual([]);
      }),
      propertyParams(60, 2),
    );
  });

  const base = 'version: 1\nrepos:\n  tools: { url: ssh://git@h/o/tools.git }\n  factory: { url: ssh://git@h/o/factory.git }\n';
  it.each([
    ['an unknown key in an app', `${base}apps:\n  web:\n    serviceAcounts: [x]\n`],
    ['an unknown top-level key', `${base}apps: {}\nx: 1\n`],
    ['an unknown key in database', `${base}apps:\n  web: { database: { nme: a } }\n`],
    ['an unknown key in a secret', `${base}apps:\n  web: { secrets: { s: { key: [A] } } }\n`],
    ['an unknown key in a repo', `${base}  cms: { url: x, brnch: main }\napps: {}\n`],
    ['an app name that is not a DNS label', `${base}apps:\n  Web_1: {}\n`],
    ['an app named __proto__', `${base}apps:\n  __proto__: {}\n`],
    ['a secret name that is not a DNS label', `${base}apps:\n  web: { secrets: { My_Secret: {} } }\n`],
    ['a repo id that is not a DNS label', `${base}  Cms: { url: x }\napps: {}\n`],
    ['an uppercase consumer name', `${base}apps: {}\nconsumers:\n  Web_Reader: { serviceAccount: a, namespace: b, reads: [web/x] }\n`],
    ['no version', 'repos: {}\napps: {}\n'],
    ['version 2', 'version: 2\nrepos: {}\napps: {}\n'],
    ['no apps', `${base}`],
    ['apps: null', `${base}apps:\n`],
    ['a scalar file', 'hello\n'],
    ['database: yes', `${base}apps:\n  web: { database: yes }\n`],
    ['database.restart as a string', `${base}apps:\n  web: { database: { restart: Deployment/x } }\n`],
    ['a restart target of another kind', `${base}apps:\n  web: { database: { restart: [Pod/x] } }\n`],
    ['a consumer without namespace', `${base}apps: {}\nconsumers:\n  c: { serviceAccount: a, reads: [web/x] }\n`],
    ['a consumer with no reads', `${base}apps: {}\nconsumers:\n  c: { serviceAccount: a, namespace: b, reads: [] }\n`],
    ['a secret length under 16', `${base}apps:\n  web: { secrets: { s: { generate: [A], length: 8 } } }\n`],
    ['a port over 65535', `${base}postgres: { port: 70000 }\napps: {}\n`],
    ['a tokenTtl of 0', `${base}vault: { tokenTtl: 0 }\napps: {}\n`],
    ['a fractional port', `${base}postgres: { port: 54.5 }\napps: {}\n`],
    ['a repo url with a space', `${base}  cms: { url: "ssh://h/a b" }\napps: {}\n`],
    ['a repo without url', `${base}  cms: { branch: main }\napps: {}\n`],
    ['a namespace over 63 characters', `${base}apps:\n  web: { namespace: ${'n'.repeat(64)} }\n`],
    ['namespaces as a string', `${base}apps:\n  web: { namespaces: other }\n`],
    ['a manifests dir with ..', `${base}apps:\n  web: { manifests: ../x }\n`],
    ['gitea without url', `${base}gitea: { labels: [a] }\napps: {}\n`],
  ])('rejects %s, as the loader does', (_what, text) => {
    expect(() => loadModel('apps.yaml', text)).toThrow();
    expect(schemaErrors(text)).not.toEqual([]);
  });

  it('never rejects a file whose shape the loader accepts (generated and mutated documents)', () => {
    const mutated = fc
      .tuple(
        appsDoc({ loose: true, maxApps: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom<unknown>(null, 0, 1, -1, 1.5, 70000, '', 'x', 'Web', true, [], {}, ['a', 'a'], { a: 1 })), {
          maxLength: 3,
        }),
      )
      .map(([doc, edits]) => {
        const data = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
        for (const [at, value] of edits) setSomewhere(data, at, value);
        return data;
      });
    let accepted = 0;
    fc.assert(
      fc.property(mutated, (data) => {
        if (!AppsFileSchema.safeParse(data).success) return;
        accepted++;
        expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
      }),
      propertyParams(61, 5),
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

/** JSON with the keys of every mapping sorted: equal for deep-equal data. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Replaces the `at`-th value of the tree (in a depth-first walk) with `value`. */
function setSomewhere(node: unknown, at: number, value: unknown): void {
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n))
      n.forEach((v, i) => {
        slots.push([n, i]);
        walk(v);
      });
    else if (typeof n === 'object' && n !== null)
      for (const [k, v] of Object.entries(n)) {
        slots.push([n as Record<string, unknown>, k]);
        walk(v);
      }
  };
  walk(node);
  if (slots.length === 0) return;
  const [parent, key] = slots[at % slots.length]!;
  (parent as Record<string | number, unknown>)[key] = value;
}

describe('the zod schema', () => {
  it('has no defaults or transforms, so its output is its input (which the loader hands on)', () => {
    const found: string[] = [];
    const walk = (schema: z.core.$ZodType, where: string, seen: Set<unknown>) => {
      if (seen.has(schema)) return;
      seen.add(schema);
      const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
      if (['default', 'prefault', 'transform', 'pipe', 'catch', 'success', 'codec'].includes(def.type)) found.push(`${where}: ${def.type}`);
      const children: Array<[string, unknown]> = [
        ...Object.entries((def.shape as Record<string, unknown> | undefined) ?? {}),
        ['<key>', def.keyType],
        ['<value>', def.valueType],
        ['<inner>', def.innerType],
        ['[]', def.element],
        ...((def.options as unknown[] | undefined) ?? []).map((o, i): [string, unknown] => [`|${i}`, o]),
      ];
      for (const [k, child] of children) if (child) walk(child as z.core.$ZodType, `${where}.${k}`, seen);
    };
    walk(AppsFileSchema, '', new Set());
    expect(found).toEqual([]);
  });

  it('returns data deep-equal to its input for valid files', () => {
    for (const name of Object.keys(VALID_FILES)) {
      const data = dataOf(VALID_FILES[name]!());
      expect(canonical(AppsFileSchema.parse(data)), name).toBe(canonical(data));
    }
  });
});
