import fc from 'fast-check';

/**
 * Mutations of valid apps.yaml text for the bad-input property: deleted, duplicated, swapped or
 * re-indented lines, odd scalars in place of values or keys, truncation, and whole files that are
 * empty, binary, huge or not a mapping.
 */

/** Scalars and fragments that YAML or joinkey may read oddly. */
export const ODD_SCALARS: readonly string[] = [
  '~',
  'null',
  '[]',
  '{}',
  '*',
  '*a',
  '&a x',
  '&a',
  '!!binary aGVsbG8=',
  '!!str 1',
  '!foo bar',
  '!!map {}',
  '!!seq []',
  '"ünïcödé ✓"',
  'ünïcödé',
  '"\\u2028"',
  '"\\u0085x"',
  '"e\\u0301"',
  '"\\ud800"',
  '"\\x00"',
  '"\\t"',
  '\t',
  'a\tb',
  '{{name}}',
  '"{{name}}"',
  "'{{ .Values.x }}'",
  '${var.x}',
  '"${var.x}"',
  '"%{ if true }x%{ endif }"',
  '"*/ /*"',
  "'*/'",
  '"a\\"b"',
  '"a\\\\b"',
  "'it''s'",
  '"x\\ny"',
  '|\n  multi\n  line',
  '>-\n  folded\n  text',
  '|',
  '>',
  'true',
  'false',
  'yes',
  'no',
  'on',
  '0x1F',
  '0o17',
  '1e3',
  '.inf',
  '-.inf',
  '.nan',
  '-1',
  '0',
  '1.5',
  '99999999999999999999',
  '-',
  '? x',
  ': x',
  '=',
  '<<',
  '@x',
  '`x`',
  '%x',
  '#',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '[a, [b, {c: d}]]',
  '{a: 1, a: 2}',
  `"${'x'.repeat(70_000)}"`,
  'x'.repeat(5000),
  '\u00a0',
  '\ufeff',
  'Ω≈ç√∫',
  '😀',
  '"😀"',
  '\u202e',
  'k8s://a b c',
];

/** Keys that YAML 1.2's core schema reads as something other than a string. */
export const NON_STRING_KEYS: readonly string[] = [
  '0x1f',
  '007',
  '1e3',
  '0o17',
  '.inf',
  '-.Inf',
  '.NaN',
  'true',
  'False',
  'null',
  'NULL',
  '~',
  '12',
  '-1',
  '+1',
  '1.5',
  '0',
  '!!binary aGVsbG8=',
  '!!int "x"',
  '!!float 1',
  '!!null ""',
  '[a]',
  '{a: b}',
  '? [c]',
  '*a',
  '',
];

/** Odd scalars that can stand in for a key without holding a line break, keys that are not strings, and the names of Object.prototype. */
export const ODD_KEYS: readonly string[] = [
  ...ODD_SCALARS.filter((s) => !/\\n|\n|\\u2028|\\u0085|^[|>]/.test(s)),
  ...NON_STRING_KEYS,
  ...Object.getOwnPropertyNames(Object.prototype),
];

export type Mutation =
  | { kind: 'delete'; line: number }
  | { kind: 'duplicate'; line: number }
  | { kind: 'swap'; line: number; other: number }
  | { kind: 'reindent'; line: number; delta: number }
  | { kind: 'tab'; line: number }
  | { kind: 'value'; line: number; odd: number }
  | { kind: 'key'; line: number; odd: number }
  | { kind: 'insert'; line: number; odd: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'anchor'; line: number; other: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('reindent' as const), line: fc.nat(), delta: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('tab' as const), line: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('value' as const), line: fc.nat(), odd: fc.nat() }) },
  fc.record({ kind: fc.constant('key' as const), line: fc.nat(), odd: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), line: fc.nat(), odd: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('anchor' as const), line: fc.nat(), other: fc.nat() }),
);

const KEY_LINE = /^(\s*(?:- )?)([^\s:#][^:#]*?|"[^"]*"|'[^']*'):(\s|$)(.*)$/;

/** Applies mutations in order to the text's lines. */
export function mutate(text: string, mutations: readonly Mutation[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let lines = text.split(eol);
  for (const m of mutations) {
    const n = lines.length;
    if (n === 0) break;
    if (m.kind === 'truncate') {
      lines = lines
        .join(eol)
        .slice(0, m.at % (lines.join(eol).length + 1))
        .split(eol);
      continue;
    }
    const i = m.line % n;
    const line = lines[i]!;
    switch (m.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, line);
        break;
      case 'swap': {
        const j = m.other % n;
        [lines[i], lines[j]] = [lines[j]!, line];
        break;
      }
      case 'reindent':
        lines[i] = m.delta >= 0 ? ' '.repeat(m.delta) + line : line.replace(new RegExp(`^ {0,${-m.delta}}`), '');
        break;
      case 'tab':
        lines[i] = line.replace(/^( *)/, (s) => `\t${s.slice(1)}`);
        break;
      case 'value': {
        const k = KEY_LINE.exec(line);
        const odd = ODD_SCALARS[m.odd % ODD_SCALARS.length]!.split('\n');
        const pad = /^\s*/.exec(line)![0];
        if (k) lines.splice(i, 1, `${k[1]}${k[2]}: ${odd[0]}`, ...odd.slice(1).map((l) => pad + l));
        else lines[i] = line.replace(/^(\s*- ).*$/, `$1${odd.join(' ')}`);
        break;
      }
      case 'key': {
        const k = KEY_LINE.exec(line);
        if (k) lines[i] = `${k[1]}${ODD_KEYS[m.odd % ODD_KEYS.length]}:${k[3]}${k[4]}`;
        break;
      }
      case 'insert':
        lines.splice(i, 0, `${/^\s*/.exec(line)![0]}${ODD_SCALARS[m.odd % ODD_SCALARS.length]!.split('\n')[0]}`);
        break;
      case 'anchor': {
        // Give line i's value an anchor and make line j's value an alias of it.
        const j = m.other % n;
        const a = KEY_LINE.exec(line);
        const b = KEY_LINE.exec(lines[j]!);
        if (a && b && i !== j) {
          lines[i] = `${a[1]}${a[2]}: &x ${a[4]}`;
          lines[j] = `${b[1]}${b[2]}: *x`;
        }
        break;
      }
    }
  }
  return lines.join(eol);
}

/** Whole files that are not apps.yaml at all. */
export const WHOLE_FILES: Readonly<Record<string, string | Buffer>> = {
  empty: '',
  blank: '\n\n   \n',
  'comment-only': '# nothing here\n',
  'bom-only': '\ufeff',
  'null-doc': '~\n',
  'a-list': '- version: 1\n- apps: {}\n',
  'flow-list': '[]\n',
  'a-number': '42\n',
  'a-string': '"version: 1"\n',
  'a-tag': '!!binary aGVsbG8=\n',
  'two-documents': 'version: 1\n---\nversion: 1\n',
  'document-end': '...\n',
  'directive-only': '%YAML 1.2\n---\n',
  binary: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x10, 0x80]),
  'binary-no-nul': Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0x81, 0xc3, 0x28, 0x0a, 0xe2, 0x82]),
  'utf16-bom': Buffer.from('\ufeffversion: 1\n', 'utf16le'),
  'lone-cr': 'version: 1\rrepos: {}\rapps: {}\r',
  'alias-bomb': [
    'version: 1',
    'a: &a [x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
    'apps: {}',
    'repos: {}',
    '',
  ].join('\n'),
  'undefined-alias': 'version: 1\nrepos: *nope\napps: {}\n',
  'merge-key': 'version: 1\nbase: &b { repo: tools }\nrepos: { tools: { url: x }, factory: { url: y } }\napps:\n  web:\n    <<: *b\n',
  // Deep enough that a recursive reader without a depth limit overflows the stack.
  'deep-nesting': `version: 1\napps: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
  'deep-flow-mappings': `version: 1\napps: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n`,
  'deep-block-nesting': `version: 1\napps:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(2 * (i + 1))}k${i}:`).join('\n')}\n`,
  'huge-string': `version: 1\nrepos: {}\napps:\n  web: { namespace: "${'n'.repeat(3_000_000)}" }\n`,
  'many-errors': `version: 1\nrepos: {}\napps:\n${Array.from({ length: 2000 }, (_, i) => `  App_${i}: { nope: 1 }`).join('\n')}\n`,
  'proto-keys': 'version: 1\nrepos: { __proto__: { url: x }, constructor: { url: y } }\napps: { __proto__: {}, toString: {} }\n',
  'non-string-keys': 'version: 1\nrepos: { 0x1f: { url: x } }\napps:\n  007: {}\n  1e3: {}\n  null: {}\n  ~: {}\n  !!binary aGVsbG8=: {}\n',
  'deep-flow-100k': `version: 1\napps: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
  'deep-block-sequence': `version: 1\napps:\n  ${'- '.repeat(50_000)}x\n`,
  'deep-explicit-keys': `version: 1\n${'? '.repeat(20_000)}x\n`,
  'deep-aliases': `version: 1\na: &a ${'['.repeat(40)}x${']'.repeat(40)}\nb: &b ${'['.repeat(40)}*a${']'.repeat(40)}\napps: *b\n`,
  'circular-alias': 'version: 1\napps: &a { web: *a }\n',
  'three-documents': 'version: 1\n---\napps: {}\n---\nrepos: {}\n',
  'latin-1': Buffer.from('version: 1\napps:\n  caf\xe9: {}\n', 'latin1'),
  'utf16-be': Buffer.from('\ufeffversion: 1\n', 'utf16le').swap16(),
  'crlf-tab': 'version: 1\r\n\trepos: {}\r\n',
};
