import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { emitYamlStream, type YamlValue } from '../src/emit/yaml';
import { loadModel } from '../src/model';
import { renderFiles, renderTree } from '../src/render';
import { HCL_BATCH, HclThread, HclThreadError, parseHcl, parseHclBatch, parseHclFiles, type HclSource } from '../src/validate/hcl-parse';
import { ParsedTree, parseRender } from '../src/validate/parsed-tree';
import { parseYamlDocs, readEmitted } from '../src/validate/yaml-docs';
import { packageRoot } from '../src/util/package-root';

// GIVEN the parsers `check` reads the rendered output back with, WHEN they take their fast paths
// (HCL files parsed many per call, on a thread; YAML read by the emitter's inverse), THEN every
// file gets exactly what parsing it on its own with hcl2json or `yaml` gives.

const root = packageRoot();
const runs = Number(process.env.JOINKEY_PROPERTY_RUNS ?? 100);
const scenario = (file: string) => loadModel(file, readFileSync(join(root, file), 'utf8')).model;
const models = {
  'apps.yaml': scenario('apps.yaml'),
  minimal: scenario('test/scenarios/minimal.yaml'),
  'non-defaults': scenario('test/scenarios/non-defaults.yaml'),
};
const renderedHcl = (): HclSource[] =>
  Object.values(models)
    .flatMap((m) => [...renderFiles(m)])
    .filter((f) => f.path.endsWith('.tf') || f.path.endsWith('.tfvars'))
    .map((f) => ({ name: `${f.repo}:${f.path}`, content: f.content }));
const oneByOne = (sources: readonly HclSource[]) => Promise.all(sources.map((s) => parseHcl(s)));

/** Files that are broken, or that would reach into their neighbours if batched naively. */
const HOSTILE: readonly string[] = [
  'a = 1\n}\n', // closes the wrapper early
  'a = 1\n}\njoinkey_file "1" {\nb = 2\n', // forges the next file's block
  'a = 1\n}\njoinkey_file "9" {\nb = 2\n', // forges a block of its own
  'x {\n', // swallows the wrapper's brace
  'a = <<EOT\nnever ends\n', // heredoc with no end
  'a = <<EOT\nends in the next file\n', // heredoc whose end a neighbour writes
  'EOT\nb = 1\n',
  '/* comment that never ends\n',
  'b = 2\n*/\n',
  '', // empty file
  '# only a comment', // no newline at the end
  'joinkey_file "0" {\n  a = 1\n}\n', // declares the wrapper itself
  'resource "vault_policy" "p" {\n  name = "p"\n  policy = "x"\n}\n',
  'v = "unterminated\n',
  'a = 1\na = 2\n',
];

describe('HCL in batches', () => {
  it('gives every rendered file of every scenario exactly its own parse', async () => {
    const sources = renderedHcl();
    expect(sources.length).toBeGreaterThan(HCL_BATCH / 4);
    const batched = await parseHclFiles(sources);
    expect(batched).toEqual(await oneByOne(sources));
    expect(batched.every((p) => p.body !== undefined)).toBe(true);
  });

  it('gives hostile files, wherever they sit in a batch, the parse or the error they get alone', async () => {
    const good = renderedHcl().slice(0, 6);
    const hostile = HOSTILE.map((content, i) => ({ name: `hostile-${i}.tf`, content }));
    const alone = await oneByOne(hostile);
    expect(alone.filter((p) => p.error !== undefined).length).toBeGreaterThan(5);
    for (const error of alone.flatMap((p, i) => (p.error === undefined ? [] : [[p.error, i] as const]))) {
      expect(error[0]).toContain(`hostile-${error[1]}.tf`); // each error names its own file
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constantFrom(...good.keys()).map((i) => ({ kind: 'good' as const, i })),
            fc.constantFrom(...hostile.keys()).map((i) => ({ kind: 'hostile' as const, i })),
          ),
          { minLength: 2, maxLength: 12 },
        ),
        async (picks) => {
          const batch = picks.map((p) => (p.kind === 'good' ? good[p.i]! : hostile[p.i]!));
          expect(await parseHclBatch(batch)).toEqual(await oneByOne(batch));
        },
      ),
      { numRuns: Math.min(runs, 60) },
    );
  });

  describe('on a worker thread', () => {
    const thread = new HclThread();
    afterAll(() => thread.close());

    it('parses and reports errors exactly as in this thread', async () => {
      const sources = [...renderedHcl().slice(0, 70), ...HOSTILE.map((content, i) => ({ name: `hostile-${i}.tf`, content }))];
      expect(await parseHclFiles(sources, thread.parse)).toEqual(await oneByOne(sources));
    });

    it('fails with an internal error, never a parse error, once the thread has ended', async () => {
      const dead = new HclThread();
      await dead.close();
      await expect(parseHcl({ name: 'a.tf', content: 'a = 1\n' }, dead.parse)).rejects.toThrow(HclThreadError);
      await expect(
        parseHclFiles(
          [
            { name: 'a.tf', content: 'a = 1\n' },
            { name: 'b.tf', content: 'b = 1\n' },
          ],
          dead.parse,
        ),
      ).rejects.toThrow(/internal: the HCL parser thread has ended/);
    });
  });
});

describe('the rendered tree, parsed once', () => {
  it('holds the tree renderTree gives, each HCL file parsed and each YAML file read as `yaml` reads it', async () => {
    let hcl = 0;
    let yaml = 0;
    for (const model of Object.values(models)) {
      const { tree, parsed } = parseRender(renderFiles(model));
      const again = ParsedTree.of(tree);
      expect(tree).toEqual(renderTree(model));
      for (const [repo, files] of tree) {
        for (const [path, content] of files) {
          if (path.endsWith('.tf') || path.endsWith('.tfvars')) {
            hcl++;
            const alone = await parseHcl({ name: `${repo}:${path}`, content });
            expect(await parsed.hcl(repo, path)).toEqual(alone);
            expect(await again.hcl(repo, path)).toEqual(alone);
            expect(parsed.yaml(repo, path)).toBeUndefined();
          } else if (path.endsWith('.yaml')) {
            yaml++;
            expect(parsed.yaml(repo, path)).toEqual(parseAllDocuments(content).map((d) => ({ value: d.toJS() })));
            expect(again.yaml(repo, path)).toEqual(parsed.yaml(repo, path));
            expect(readEmitted(content), `${repo}:${path} takes the fast path`).toBeDefined();
          } else {
            expect(parsed.hcl(repo, path) ?? parsed.yaml(repo, path)).toBeUndefined();
          }
        }
      }
    }
    expect(hcl).toBeGreaterThan(10);
    expect(yaml).toBeGreaterThan(2);
  });
});

describe("YAML: the reader of the emitter's output", () => {
  const MARK = '# generated\n';
  const key = fc.oneof(fc.string(), fc.constantFrom('apiVersion', 'kind', 'metadata', 'a: b', '- x', 'yes', '1', '"q"', '#', '---', '__proto__x'));
  const leaf = fc.oneof(
    fc.string(),
    fc.constantFrom('', '-', 'yes', 'null', '1', '0x1', '---', '...', 'a: b', '- a', '"', '\\', '\u2028'),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
  })).node;
  const docs = fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), { minLength: 1, maxLength: 3 });
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as YamlValue;

  it('reads back whatever emitYamlStream writes (property)', () => {
    fc.assert(
      fc.property(docs, (ds) => {
        const expected = ds.map(json);
        expect(readEmitted(MARK + emitYamlStream(expected))).toEqual(expected);
      }),
      { numRuns: runs * 3 },
    );
  });

  it("gives exactly `yaml`'s documents for any text, emitted, edited or hand-written (property)", () => {
    const edits: ReadonlyArray<(s: string) => string> = [
      (s) => s,
      (s) => s.replace(/\n {2}/, '\n   '), // odd indentation
      (s) => s.replace(/: /, ':  '), // extra space after a key
      (s) => s.replace(/"([a-z]+)"/, '$1'), // a quoted word unquoted
      (s) => s.replace(/\n/, '\nextra: 1\n'), // a key out of order
      (s) => s.replace(/- /, '-  '),
      (s) => `${s}---\n`,
      (s) => s.replace(/\n$/, ''), // no final newline
      (s) => s.replace(/[a-z]: /, (m) => `${m[0]}: &a `), // an anchor
    ];
    fc.assert(
      fc.property(docs, fc.constantFrom(...edits.keys()), (ds, e) => {
        const text = edits[e]!(MARK + emitYamlStream(ds.map(json)));
        const reference = [...parseAllDocuments(text)].flatMap((d) =>
          d.errors.length ? [{ error: d.errors[0]!.message }] : d.toJS() === null ? [] : [{ value: d.toJS() as unknown }],
        );
        expect(parseYamlDocs(text)).toEqual(reference);
      }),
      { numRuns: runs * 3 },
    );
  });

  it('leaves anything the emitter would not write to `yaml`', () => {
    for (const text of [
      'apiVersion: v1\n', // no comment line first
      `${MARK}b: 1\na: 1\n`, // keys out of order
      `${MARK}a: yes\n`, // YAML 1.1 boolean, unquoted
      `${MARK}a: 'x'\n`, // single quotes
      `${MARK}a: [x]\n`, // flow sequence
      `${MARK}a:\n    b: 1\n`, // 4-space indent
      `${MARK}a: 1\na: 2\n`, // duplicate key
      `${MARK}__proto__: 1\n`,
      `${MARK}a: 1 # comment\n`,
      `${MARK}a: 1`,
    ]) {
      expect(readEmitted(text), text).toBeUndefined();
    }
    expect(parseYamlDocs(`${MARK}a: 1\na: 2\n`)).toEqual([{ error: expect.stringMatching(/unique/) }]);
    expect(parseYamlDocs(`${MARK}b: 1\na: 'x'\n---\n---\nc: [1]\n`)).toEqual([{ value: { b: 1, a: 'x' } }, { value: { c: [1] } }]);
  });
});

describe('synth does not load the validators', () => {
  it('GIVEN joinkey synth runs THEN neither hcl2json nor ajv nor the validate modules are loaded', () => {
    const script = `
      const Module = require('node:module');
      const load = Module._load;
      const seen = [];
      Module._load = function (request, parent, ...rest) { seen.push(request); return load.call(this, request, parent, ...rest); };
      const out = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'jk-synth-'));
      require(${JSON.stringify(join(root, 'build', 'src', 'cli.js'))}).main(['synth', '--config', ${JSON.stringify(join(root, 'apps.yaml'))}, '--out', out])
        .then((code) => { process.stdout.write('\\n' + JSON.stringify({ code, seen })); require('node:fs').rmSync(out, { recursive: true }); });
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { code, seen } = JSON.parse(r.stdout.split('\n').pop()!) as { code: number; seen: string[] };
    expect(code).toBe(0);
    expect(seen).toContain('cdk8s'); // the hook does see synth's own modules
    expect(seen.filter((m) => /hcl2json|^ajv|validate\//.test(m))).toEqual([]);
  });
});
