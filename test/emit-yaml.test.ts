import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { emitYaml, emitYamlStream, scalar } from '../src/emit/yaml';

const runs = Number(process.env.JOINKEY_PROPERTY_RUNS ?? 300);

const ODD_STRINGS = [
  '',
  ' ',
  '-',
  '- x',
  '-x',
  ':',
  'a: b',
  'a:b',
  '#',
  'a #b',
  "'",
  '"',
  '*',
  '*ref',
  '&anchor',
  '!',
  '!!str',
  '%',
  '@',
  '`',
  '|',
  '>',
  '?',
  ',',
  '[',
  ']',
  '{',
  '}',
  '{{name}}',
  '${var.x}',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'NO',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '0',
  '1',
  '-1',
  '1.5',
  '1e3',
  '0x1F',
  '0o17',
  '.inf',
  '-.Inf',
  '.nan',
  '2026-11-28',
  '12:30',
  '1_000',
  '+1',
  '007',
  'multi\nline',
  'trailing\n',
  '\ttab',
  'back\\slash',
  'nul\u0000byte',
  'bell\u0007',
  'del\u007f',
  'nel\u0085',
  'ls\u2028',
  'bom\ufeff',
  'émoji 🎉',
  '日本語',
  ' leading',
  'trailing ',
  'a  b',
  'http://x.y/z?q=1#f',
  'C:\\path',
  '<<',
  '=',
  '---',
  '...',
];

describe('emitYaml', () => {
  it('writes apiVersion, kind and metadata first, other keys sorted, sequences indented', () => {
    expect(emitYaml({ spec: { b: 1, a: [{ q: 'v', p: true }, 'z'] }, metadata: { name: 'm' }, kind: 'K', apiVersion: 'v1' })).toBe(
      'apiVersion: v1\nkind: K\nmetadata:\n  name: m\nspec:\n  a:\n    - p: true\n      q: v\n    - z\n  b: 1\n',
    );
  });

  it('quotes every string another YAML reader could take for something else', () => {
    expect(scalar('plausible')).toBe('plausible');
    expect(scalar('creds/plausible')).toBe('creds/plausible');
    expect(scalar('kv-v2')).toBe('kv-v2');
    for (const s of [
      'yes',
      'no',
      'on',
      'off',
      'y',
      'true',
      'null',
      '~',
      '30s0',
      '1',
      '1.5',
      '.inf',
      '-',
      'a: b',
      '#x',
      '*a',
      '&a',
      '!a',
      "'",
      '"',
      '{{x}}',
      '',
    ]) {
      expect(scalar(s), s).not.toBe(s.length ? s : 'x');
      expect(parse(`v: ${scalar(s)}`).v, s).toBe(s);
    }
  });

  it('round-trips every odd string as a key and as a value', () => {
    for (const s of ODD_STRINGS) {
      const doc = { [s]: s, list: [s, { [s]: [s] }] };
      expect(parse(emitYaml(doc)), JSON.stringify(s)).toEqual(doc);
    }
  });

  it('round-trips generated JSON documents (property)', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom(...ODD_STRINGS));
    const leaf = fc.oneof(
      fc.string(),
      fc.constantFrom(...ODD_STRINGS),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (doc) => {
        expect(parse(emitYaml(doc as never))).toEqual(JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: runs, seed: 20261128 },
    );
  });

  it('joins documents with --- so a multi-document reader gets each back', () => {
    const docs = [
      { kind: 'A', a: 1 },
      { kind: 'B', b: ['x'] },
    ];
    const text = emitYamlStream(docs);
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(docs);
  });
});
