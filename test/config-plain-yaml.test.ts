import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { appsYaml } from '../bench/gen';
import { parsePlainYaml } from '../src/config/plain-yaml';
import { documentData, YAML_OPTIONS, YamlSource } from '../src/config/source';

// GIVEN any text, WHEN the fast reader (js-yaml, plain-yaml.ts) accepts it, THEN `yaml` (the options the
// loader uses) reads it without error or warning into a deep-equal value, and so does the loader's
// `yaml` path (documentData: no prototypes, string keys only). The reader may refuse
// anything (the loader then falls back to `yaml`), but the apps.yaml files people write must not
// be refused, or the fast path would never be taken.

const runs = Number(process.env.JOINKEY_PROPERTY_RUNS ?? 300);

function expectSameAsYaml(text: string): boolean {
  const fast = parsePlainYaml(text);
  if (fast === undefined) return false;
  const doc = parseDocument(text, YAML_OPTIONS);
  expect(
    doc.errors.map((e) => e.message),
    text,
  ).toEqual([]);
  expect(
    doc.warnings.map((e) => e.message),
    text,
  ).toEqual([]);
  // JSON text compares types, values and key order (toStrictEqual trips over a key "constructor").
  expect(JSON.stringify(fast), text).toBe(JSON.stringify(doc.toJS()));
  expect(JSON.stringify(fast), text).toBe(JSON.stringify(documentData(new YamlSource('apps.yaml', text))));
  expect(withoutPrototypes(fast), text).toBe(true);
  return true;
}

/** Every mapping in the value has no prototype, so `__proto__` is an ordinary key. */
function withoutPrototypes(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(withoutPrototypes);
  if (typeof value !== 'object' || value === null) return true;
  return Object.getPrototypeOf(value) === null && Object.values(value).every(withoutPrototypes);
}

/** Characters that mean something to YAML somewhere, plus ordinary ones. */
const TRICKY = [...'aZ_09-.:#,[]{}\'"\\/~!&*|>%@`? \té\u00a0\u2028\ufeff\r'];
const tricky = fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 8 });
const ODD = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'null',
  'Null',
  '~',
  'true',
  'FALSE',
  '0',
  '00',
  '007',
  '0o17',
  '0x1F',
  '1e3',
  '1.5',
  '.5',
  '-1',
  '+1',
  '.inf',
  '-.Inf',
  '.nan',
  '1_000',
  '30s',
  '1.2.3',
  '12345678901234567890',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '- a',
  '-a',
  '? a',
  'ssh://git@h/o.git',
  ...Object.getOwnPropertyNames(Object.prototype),
  "it's",
  'say "hi"',
  'a, b',
  '[a]',
  '{a}',
  '',
];
const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('web', 'app00001', 'tools', 'kvv2', 'a_b', 'x-y', 'URL', '30s', 'a b') },
  fc.constantFrom(...ODD),
  tricky,
);
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('version', 'repos', 'apps', 'url', 'branch', 'web', 'restart', 'a', 'b', 'c') },
  word,
  fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype)),
);

/** A scalar as YAML text: plain, single- or double-quoted. */
const scalarText = fc
  .tuple(word, fc.constantFrom('plain', 'plain', 'single', 'double'))
  .map(([w, style]) => (style === 'single' ? `'${w.replace(/'/g, "''")}'` : style === 'double' ? `"${w}"` : w));
const sp = fc.constantFrom('', ' ', '  ');

const flow: fc.Arbitrary<string> = fc.letrec<{ flow: string }>((tie) => ({
  flow: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(fc.array(fc.oneof(scalarText, tie('flow')), { maxLength: 3 }), sp, fc.boolean())
      .map(([xs, s, trailing]) => `[${s}${xs.join(`,${s || ' '}`)}${trailing && xs.length ? ',' : ''}${s}]`),
    fc
      .tuple(fc.array(fc.tuple(key, fc.oneof(scalarText, tie('flow')), fc.constantFrom(': ', ':', ':  ')), { maxLength: 3 }), sp)
      .map(([kvs, s]) => `{${s}${kvs.map(([k, v, c]) => `${k}${c}${v}`).join(', ')}${s}}`),
  ),
})).flow;

const comment = fc.constantFrom('', '', ' # note', '  #x', '#x', ' #');
const inline = fc.oneof(scalarText, flow, fc.constant(''));

interface Block {
  readonly lines: string[];
}
const block: fc.Arbitrary<Block> = fc.letrec<{ map: Block; seq: Block }>((tie) => ({
  map: fc
    .array(fc.tuple(key, fc.oneof({ depthSize: 'small' }, inline, tie('map'), tie('seq')), comment, fc.constantFrom(2, 2, 2, 1, 4)), {
      minLength: 1,
      maxLength: 4,
    })
    .map((entries) => ({
      lines: entries.flatMap(([k, v, c, step]) =>
        typeof v === 'string' ? [`${k}:${v === '' ? '' : ' '}${v}${c}`] : [`${k}:${c}`, ...v.lines.map((l) => `${' '.repeat(step)}${l}`)],
      ),
    })),
  seq: fc.array(fc.tuple(inline, comment), { minLength: 1, maxLength: 3 }).map((items) => ({ lines: items.map(([v, c]) => `- ${v}${c}`) })),
})).map;

/** A document, sometimes with one character changed, dropped or added, and blank or comment lines. */
const document = fc
  .tuple(block, fc.nat(), fc.constantFrom('none', 'none', 'none', 'drop', 'insert', 'space'), fc.constantFrom(...TRICKY, '\n'))
  .map(([b, at, edit, ch]) => {
    const text = `${b.lines.join('\n')}\n`;
    const i = at % text.length;
    if (edit === 'drop') return text.slice(0, i) + text.slice(i + 1);
    if (edit === 'insert') return text.slice(0, i) + ch + text.slice(i);
    if (edit === 'space') return text.slice(0, i) + ' ' + text.slice(i);
    return text;
  });

describe('parsePlainYaml', () => {
  it('reads what it accepts exactly as yaml does (generated documents)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(document, (text) => {
        if (expectSameAsYaml(text)) accepted++;
      }),
      { numRuns: runs * 10 },
    );
    // The generator must reach the accepting path often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(runs / 2);
  });

  it('reads what it accepts exactly as yaml does (any text)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...TRICKY, '\n', '\n', ' ', ' ', 'a', 'b', ':', '-'), maxLength: 40 }), (text) => {
        expectSameAsYaml(text);
      }),
      { numRuns: runs * 10 },
    );
  });

  it('accepts the apps.yaml files people write: the guidebook default, the scenarios, the bench input', () => {
    const root = path.join(__dirname, '..');
    const files = [path.join(root, 'apps.yaml'), ...fs.readdirSync(path.join(__dirname, 'scenarios')).map((f) => path.join(__dirname, 'scenarios', f))];
    for (const f of files) expect(expectSameAsYaml(fs.readFileSync(f, 'utf8')), f).toBe(true);
    expect(expectSameAsYaml(appsYaml(50))).toBe(true);
  });

  it.each([
    ['a block scalar', 'a: |\n  x\n'],
    ['a multi-line plain scalar', 'a: x\n  y\n'],
    ['a float', 'a: 1.5\n'],
    ['an escape', 'a: "x\\ny"\n'],
    ['a document marker', '---\na: 1\n'],
    ['a mapping in a sequence', 'a:\n  - b: 1\n'],
    ['a flow collection over two lines', 'a: [1,\n  2]\n'],
    ['quoted keys', '"a": 1\n\'b\': 2\n'],
    ['an explicit key', '? a\n: 1\n'],
    ...Object.getOwnPropertyNames(Object.prototype).map((name): [string, string] => [`the key ${name}`, `${name}: 1\nb: { ${name}: [x] }\n`]),
  ])('reads %s exactly as yaml does', (_what, text) => {
    expect(expectSameAsYaml(text)).toBe(true);
  });

  it.each([
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a tab', 'a:\n\tb: 1\n'],
    ['a scalar document', 'hello\n'],
    ['an empty document', '# nothing\n'],
    ['an alias of a collection', 'a: &x [1]\nb: *x\n'],
    ['an alias of a scalar', 'a: &x 1\nb: *x\n'],
    ['an anchor yaml rejects', '&a{}'],
    ['an anchor ending in ":"', 'a:\n  - [ {&constructor: web} ]\n'],
    ['a tag', 'a: !!str 1\n'],
    ...[
      '0x1f',
      '007',
      '1e3',
      '0o17',
      '.inf',
      '-.Inf',
      '.nan',
      'true',
      'False',
      'null',
      'NULL',
      '~',
      '12',
      '-1',
      '+1',
      '1.5',
      '!!binary aGVsbG8=',
      '!!int "x"',
      '[a]',
      '{a: b}',
      '? [c]',
    ].flatMap((k): [string, string][] => [
      [`the key ${k} at the top`, `${k}: 1\n`],
      [`the key ${k} nested`, `a:\n  b: 1\n  ${k}: 2\n`],
      [`the key ${k} in a flow mapping`, `a: { b: 1, ${k}: 2 }\n`],
    ]),
    ['an empty key', 'a: 1\n: 2\n'],
    ['nesting past MAX_NESTING (block)', Array.from({ length: 65 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' x\n'],
    ['nesting past MAX_NESTING (flow)', `a: ${'['.repeat(64)}${']'.repeat(64)}\n`],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a document after "..."', 'a: 1\n...\nb: 2\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['a NUL byte', 'a: "\u0000"\n'],
  ])('refuses %s, leaving it to yaml', (_what, text) => {
    expect(parsePlainYaml(text)).toBeUndefined();
  });
});
