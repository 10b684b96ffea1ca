import { describe, expect, it } from 'vitest';
import { parsePlainYaml } from '../src/config/plain-yaml';
import { documentData, MAX_NESTING, YamlSource } from '../src/config/source';
import { loadModel } from '../src/model';
import { diagnosticsOf } from './support/diagnostics';
import { renderTree } from '../src/render';
import { PROTOTYPE_NAMES } from './support/arbitraries';

// GIVEN a mapping key that YAML 1.2's core schema does not read as a string, or a name of
// Object.prototype, or nesting past MAX_NESTING, WHEN apps.yaml is loaded by either reader (the
// fast plain reader or `yaml`), THEN the key is an error at its own line and column that says to
// quote it, a prototype name is a name like any other, and deep nesting is a positioned error.

const REPOS = '  tools: { url: ssh://git@h/o/tools.git }\n  factory: { url: ssh://git@h/o/factory.git }\n';

/** The line and column of the first occurrence of `needle` at or after line `fromLine`. */
function positionOf(text: string, needle: string, fromLine = 1): string {
  const lines = text.split('\n');
  for (let i = fromLine - 1; i < lines.length; i++) {
    const col = lines[i]!.indexOf(needle);
    if (col >= 0) return `${i + 1}:${col + 1}`;
  }
  throw new Error(`${needle} not in text`);
}

/** Keys the core schema reads as numbers, booleans or null, and what the message calls them. */
const NON_STRING_KEYS: ReadonlyArray<[string, string]> = [
  ['0x1f', 'the number 31'],
  ['007', 'the number 7'],
  ['1e3', 'the number 1000'],
  ['0o17', 'the number 15'],
  ['.inf', 'the number Infinity'],
  ['-.Inf', 'the number -Infinity'],
  ['.NaN', 'the number NaN'],
  ['12', 'the number 12'],
  ['-1', 'the number -1'],
  ['+12', 'the number 12'],
  ['1.5', 'the number 1.5'],
  ['true', 'the boolean true'],
  ['FALSE', 'the boolean false'],
  ['null', 'null'],
  ['~', 'null'],
  ['Null', 'null'],
];
const ODD_KEYS: ReadonlyArray<[string, RegExp]> = [
  [
    '!!binary aGVsbG8=',
    /^the key "!!binary aGVsbG8=" has a tag that makes it something other than a string; remove the tag and quote the name, e.g. "aGVsbG8=":$/,
  ],
  ['!!int "x"', /^Unresolved tag: tag:yaml.org,2002:int; apps.yaml uses plain YAML values only, remove the tag$/],
  ['!!float 1', /^Unresolved tag: tag:yaml.org,2002:float; apps.yaml uses plain YAML values only, remove the tag$/],
  ['[a]', /^the key here is a list, not a name; keys in apps.yaml are names, e.g. web:$/],
  ['{a: b}', /^the key here is a mapping, not a name; keys in apps.yaml are names, e.g. web:$/],
];

/** Documents with `KEY` in one place each: top level, under repos, apps, secrets, consumers, and deeper, in block and flow style. */
const PLACES: Readonly<Record<string, string>> = {
  'top level': `version: 1\nrepos:\n${REPOS}apps: {}\nKEY: 1\n`,
  'first key of the file': `KEY: 1\nversion: 1\nrepos:\n${REPOS}apps: {}\n`,
  repos: `version: 1\nrepos:\n${REPOS}  KEY: { url: x }\napps: {}\n`,
  apps: `version: 1\nrepos:\n${REPOS}apps:\n  web: {}\n  KEY: {}\n`,
  'apps, first key': `version: 1\nrepos:\n${REPOS}apps:\n  KEY: {}\n  web: {}\n`,
  'an app': `version: 1\nrepos:\n${REPOS}apps:\n  web:\n    repo: tools\n    KEY: x\n`,
  secrets: `version: 1\nrepos:\n${REPOS}apps:\n  web:\n    repo: tools\n    secrets:\n      s: {}\n      KEY: {}\n`,
  'a secret': `version: 1\nrepos:\n${REPOS}apps:\n  web:\n    repo: tools\n    secrets:\n      s:\n        KEY: [A]\n`,
  database: `version: 1\nrepos:\n${REPOS}apps:\n  web:\n    database:\n      KEY: x\n`,
  consumers: `version: 1\nrepos:\n${REPOS}apps:\n  web: {}\nconsumers:\n  KEY: { serviceAccount: a, namespace: b, reads: [web/x] }\n`,
  'flow mapping': `version: 1\nrepos:\n${REPOS}apps: { KEY: {} }\n`,
  'nested flow mapping': `version: 1\nrepos:\n${REPOS}apps: { web: { secrets: { KEY: {} } } }\n`,
};

describe('keys that are not strings', () => {
  for (const [place, template] of Object.entries(PLACES)) {
    it.each(NON_STRING_KEYS)(`${place}: %s is an error at the key that says to quote it`, (key, what) => {
      const text = template.replace('KEY', key);
      // The fast reader leaves the file to `yaml`, so both paths give this one message.
      expect(parsePlainYaml(text)).toBeUndefined();
      const at = positionOf(text, `${key}:`);
      expect(diagnosticsOf(text)).toContain(
        `apps.yaml:${at}: the key ${JSON.stringify(key)} is ${what} in YAML, not a name; quote it to use it as a name, e.g. ${JSON.stringify(key)}:`,
      );
      // Quoted, it is a string: whatever else is wrong with the name, it is not this error.
      expect(diagnosticsOf(template.replace('KEY', `"${key}"`)).filter((d) => d.includes('in YAML, not a name'))).toEqual([]);
    });

    it.each(ODD_KEYS)(`${place}: a %s key is an error at the key`, (key, message) => {
      // A bracketed key cannot follow another key in a block mapping (a limit of `yaml`); it is still reported at the key.
      const text = template.replace('KEY', key);
      expect(parsePlainYaml(text)).toBeUndefined();
      const diagnostics = diagnosticsOf(text);
      const at = positionOf(text, key);
      const here = diagnostics.filter((d) => d.startsWith(`apps.yaml:${at}: `));
      expect(here.length, diagnostics.join('\n')).toBe(1);
      expect(here[0]!.slice(`apps.yaml:${at}: `.length)).toMatch(message);
    });
  }

  it('reports every bad key of a file, each at its own line, not at its parent', () => {
    const text = `version: 1\nrepos:\n${REPOS}apps:\n  web:\n    secrets:\n      null: {}\n      7: {}\n  ~: {}\n`;
    expect(diagnosticsOf(text)).toEqual([
      'apps.yaml:8:7: the key "null" is null in YAML, not a name; quote it to use it as a name, e.g. "null":',
      'apps.yaml:9:7: the key "7" is the number 7 in YAML, not a name; quote it to use it as a name, e.g. "7":',
      'apps.yaml:10:3: the key "~" is null in YAML, not a name; quote it to use it as a name, e.g. "~":',
    ]);
  });

  it('does not take keys that are the same number, or both null, for duplicates', () => {
    expect(diagnosticsOf(`version: 1\nrepos:\n${REPOS}apps:\n  7: {}\n  007: {}\n  null: {}\n  ~: {}\n`)).toEqual([
      'apps.yaml:6:3: the key "7" is the number 7 in YAML, not a name; quote it to use it as a name, e.g. "7":',
      'apps.yaml:7:3: the key "007" is the number 7 in YAML, not a name; quote it to use it as a name, e.g. "007":',
      'apps.yaml:8:3: the key "null" is null in YAML, not a name; quote it to use it as a name, e.g. "null":',
      'apps.yaml:9:3: the key "~" is null in YAML, not a name; quote it to use it as a name, e.g. "~":',
    ]);
  });

  it('still reports a string key written twice', () => {
    expect(diagnosticsOf(`version: 1\nrepos:\n${REPOS}apps:\n  web: {}\n  "web": {}\n`)).toEqual([
      'apps.yaml:7:3: Map keys must be unique: a key appears twice in the same mapping; remove or merge one of them',
    ]);
  });

  it('reports an entry without a key at its ":"', () => {
    expect(diagnosticsOf(`version: 1\nrepos:\n${REPOS}apps:\n  web: {}\n  : {}\n`)).toEqual([
      'apps.yaml:7:3: this mapping entry has no key; write the name before the ":"',
    ]);
  });
});

/** Every name of Object.prototype, the ones a plain object inherits. */

/** The file with `name` in one place, in block style (the fast reader) or after "---" (which sends it to `yaml`). */
function withName(place: 'app' | 'repo' | 'secret' | 'consumer', name: string, viaYaml: boolean): string {
  const q = name;
  const body = {
    app: `version: 1\nrepos:\n${REPOS}apps:\n  ${q}: { repo: tools, database: false }\n`,
    repo: `version: 1\nrepos:\n${REPOS}  ${q}: { url: ssh://git@h/o/x.git }\napps:\n  web: { repo: ${q} }\n`,
    secret: `version: 1\nrepos:\n${REPOS}apps:\n  web:\n    repo: tools\n    secrets:\n      ${q}: { keys: [K] }\n`,
    consumer: `version: 1\nrepos:\n${REPOS}apps:\n  web: {}\nconsumers:\n  ${q}: { serviceAccount: a, namespace: b, reads: [web/x] }\n`,
  }[place];
  return viaYaml ? `---\n${body}` : body;
}

describe('names of Object.prototype', () => {
  it('are all tested', () => {
    expect(PROTOTYPE_NAMES).toEqual(
      expect.arrayContaining([
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'isPrototypeOf',
        'propertyIsEnumerable',
        'toLocaleString',
        '__defineGetter__',
        '__lookupSetter__',
      ]),
    );
  });

  for (const place of ['app', 'repo', 'secret', 'consumer'] as const) {
    for (const viaYaml of [false, true]) {
      it.each(PROTOTYPE_NAMES)(`as ${place} name${viaYaml ? ' (yaml reader)' : ''}: %s is rendered or reported, never dropped`, (name) => {
        const text = withName(place, name, viaYaml);
        if (!viaYaml) expect(parsePlainYaml(text), 'the fast reader reads it').toBeDefined();
        const diagnostics = diagnosticsOf(text);
        if (diagnostics.length) {
          // Rejected: at the name's own line, with the name in the message.
          const at = positionOf(text, `${name}:`);
          expect(diagnostics.join('\n')).toContain(`apps.yaml:${at}: `);
          expect(diagnostics.join('\n')).toContain(JSON.stringify(name));
          return;
        }
        const { model } = loadModel('apps.yaml', text);
        const names = {
          app: model.apps.map((a) => a.name),
          repo: model.repos.map((r) => r.id),
          secret: model.apps.flatMap((a) => a.secrets.map((s) => s.name)),
          consumer: model.consumers.map((c) => c.name),
        }[place];
        expect(names).toContain(name);
        const files = [...renderTree(model).values()].flatMap((f) => [...f.values()]).join('\n');
        expect(files).toContain(name);
      });
    }
  }

  it('keeps the errors of a __proto__ entry, which zod records skip', () => {
    expect(diagnosticsOf(`version: 1\nrepos:\n${REPOS}apps:\n  web: {}\nconsumers:\n  __proto__: { serviceAccount: a, namspace: b, reads: [] }\n`)).toEqual([
      'apps.yaml:8:3: consumers.__proto__: missing required key "namespace"; add namespace: <name>',
      'apps.yaml:8:35: consumers.__proto__.namspace: unknown key "namspace". Did you mean "namespace"? Allowed here: serviceAccount, namespace, reads',
      'apps.yaml:8:55: consumers.__proto__.reads: reads must list at least one kv path, e.g. [cms/factory/*]',
    ]);
  });

  it('reads a prototype name as data in both readers, into mappings without a prototype', () => {
    for (const name of PROTOTYPE_NAMES) {
      const text = `a:\n  ${name}: 1\n  b: { ${name}: [x] }\n`;
      const fast = parsePlainYaml(text)!;
      const slow = documentData(new YamlSource('apps.yaml', text)) as typeof fast;
      for (const data of [fast, slow]) {
        expect(Object.getPrototypeOf(data)).toBeNull();
        const a = data.a as Record<string, unknown>;
        expect(Object.getPrototypeOf(a)).toBeNull();
        expect(Object.keys(a)).toEqual([name, 'b']);
        expect(a[name]).toBe(1);
        expect((a.b as Record<string, unknown>)[name]).toEqual(['x']);
      }
    }
  });
});

describe('nesting', () => {
  const wrap = {
    'flow sequences': (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`,
    'flow mappings': (n: number) => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`,
    'mixed flow': (n: number) =>
      Array.from({ length: n }, (_, i) => (i % 2 ? '{a: ' : '[')).join('') +
      'x' +
      Array.from({ length: n }, (_, i) => (i % 2 ? '}' : ']'))
        .reverse()
        .join(''),
  };
  /** `apps:` at depth 1 holds a value of depth n - 1, so the file nests n collections. */
  for (const [what, value] of Object.entries(wrap)) {
    it(`${what}: ${MAX_NESTING} levels are read, one more is an error at the first too deep collection`, () => {
      const ok = `apps: ${value(MAX_NESTING - 1)}\n`;
      expect(() => documentData(new YamlSource('apps.yaml', ok))).not.toThrow();
      const fast = parsePlainYaml(ok);
      if (fast) expect(JSON.stringify(fast)).toBe(JSON.stringify(documentData(new YamlSource('apps.yaml', ok))));
      const deep = `version: 1\napps: ${value(MAX_NESTING)}\n`;
      expect(parsePlainYaml(deep)).toBeUndefined();
      // The first collection too deep is the MAX_NESTING-th opening bracket of the value (`apps:` is the first).
      const opener = [...value(MAX_NESTING)].reduce<number[]>((at, c, i) => (c === '[' || c === '{' ? [...at, i] : at), [])[MAX_NESTING - 1]!;
      expect(diagnosticsOf(deep)).toEqual([
        `apps.yaml:2:${7 + opener}: nested too deeply: collections here lie more than ${MAX_NESTING} levels deep, and apps.yaml needs about 6; check for an unclosed "[" or "{", or indentation that keeps growing`,
      ]);
    });
  }

  it('block mappings and sequences: the limit is the same in the fast reader and in yaml', () => {
    const blockMaps = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n';
    const blockSeqs = (n: number) => `k:\n${' '.repeat(1)}${'- '.repeat(n - 1)}x\n`;
    for (const make of [blockMaps, blockSeqs]) {
      const ok = make(MAX_NESTING);
      // The fast reader may stop a level or two earlier (js-yaml counts block nesting its own way); the loader then reads with yaml.
      expect(parsePlainYaml(make(MAX_NESTING - 2))).toBeDefined();
      expect(() => documentData(new YamlSource('apps.yaml', ok))).not.toThrow();
      const deep = make(MAX_NESTING + 1);
      expect(parsePlainYaml(deep)).toBeUndefined();
      expect(diagnosticsOf(deep)).toHaveLength(1);
      expect(diagnosticsOf(deep)[0]).toMatch(/^apps\.yaml:\d+:\d+: nested too deeply: /);
    }
  });

  it.each([
    ['100,000 "["', `version: 1\napps: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, '2:70'],
    ['100,000 unclosed "["', `version: 1\napps: ${'['.repeat(100_000)}\n`, '2:70'],
    ['30,000 "{a: "', `version: 1\napps: ${'{a: '.repeat(30_000)}1${'}'.repeat(30_000)}\n`, `2:${7 + 4 * (MAX_NESTING - 1)}`],
    ['50,000 "- "', `version: 1\napps:\n  ${'- '.repeat(50_000)}x\n`, `3:${3 + 2 * (MAX_NESTING - 1)}`],
    ['20,000 "? "', `version: 1\n${'? '.repeat(20_000)}x\n`, `2:${1 + 2 * MAX_NESTING}`],
    [
      '3,000 indented keys',
      `version: 1\napps:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')}\n`,
      `${2 + MAX_NESTING}:${MAX_NESTING + 1}`,
    ],
  ])('%s: one positioned "nested too deeply" error, no stack overflow', (_what, text, at) => {
    expect(parsePlainYaml(text)).toBeUndefined();
    const diagnostics = diagnosticsOf(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(new RegExp(`^apps\\.yaml:${at}: nested too deeply: `));
  });

  it('counts the nesting that aliases bring in, and reports it at the alias', () => {
    const nest = (n: number, x: string) => `${'['.repeat(n)}${x}${']'.repeat(n)}`;
    // a: 2 + 30 levels, b: 2 + 25 + 30 - 1, c as deep as b, d 10 more: too deep, at its *b.
    const text = `version: 1\na: &a ${nest(31, 'x')}\nb: &b ${nest(25, '*a')}\nc: *b\nd: ${nest(10, '*b')}\n`;
    expect(diagnosticsOf(text)).toEqual([
      `apps.yaml:5:14: nested too deeply: collections here lie more than ${MAX_NESTING} levels deep, and apps.yaml needs about 6; check for an unclosed "[" or "{", or indentation that keeps growing (here through aliases)`,
    ]);
  });

  it.each([
    [
      'an alias bomb',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e]\n`,
      '5:',
      /^aliases expand to more than 100000 values/,
    ],
    ['a circular alias', `a: &a { b: [*a] }\n`, '1:13', /^alias \*a refers to a value that contains it/],
    ['an alias without anchor', `a: *x\n`, '1:4', /^alias \*x has no anchor &x before it/],
    ['an alias of a later anchor', `a: *x\nb: &x 1\n`, '1:4', /^alias \*x has no anchor &x before it/],
  ])('%s is one positioned error', (_what, text, at, message) => {
    const diagnostics = diagnosticsOf(`version: 1\n${text}`);
    expect(diagnostics).toHaveLength(1);
    const [line, col] = at.split(':').map((x) => (x === '' ? '\\d+' : Number(x)));
    expect(diagnostics[0]!.slice(0, diagnostics[0]!.indexOf(': ') + 2)).toMatch(new RegExp(`^apps\\.yaml:${Number(line) + 1}:${col}: $`));
    expect(diagnostics[0]!.slice(diagnostics[0]!.indexOf(': ') + 2)).toMatch(message);
  });

  it('expands an ordinary alias to the anchored value', () => {
    const text = `version: 1\nrepos:\n${REPOS}apps:\n  web: &w { repo: tools, database: false }\n  api: *w\n`;
    expect(loadModel('apps.yaml', text).model.apps.map((a) => [a.name, a.target?.repo])).toEqual([
      ['api', 'tools'],
      ['web', 'tools'],
    ]);
  });
});

describe('one document', () => {
  it.each([
    ['a second "---"', 'version: 1\napps: {}\n---\nversion: 1\n', '3:1'],
    ['"---" first and second', '---\nversion: 1\n--- # two\nx: 1\n', '3:1'],
    ['a document after "..."', 'version: 1\n...\nx: 1\n', '3:1'],
    ['three documents', 'version: 1\n---\na: 1\n---\nb: 1\n', '2:1'],
    ['an empty second document', 'version: 1\n---\n', '2:1'],
  ])('%s: "must be one YAML document" at the second document', (_what, text, at) => {
    expect(parsePlainYaml(text)).toBeUndefined();
    expect(diagnosticsOf(text)).toEqual([
      `apps.yaml:${at}: apps.yaml must be one YAML document, but a second one starts here; remove this "---" and everything after it, or merge it into the first document`,
    ]);
  });

  it('accepts a single document with "---" and "..."', () => {
    expect(diagnosticsOf(`---\nversion: 1\nrepos:\n${REPOS}apps: {}\n...\n`)).toEqual([]);
  });
});
