import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { isMap, isScalar, parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlainYaml } from '../../src/config/plain-yaml';
import { documentData, YamlSource } from '../../src/config/source';
import { loadModel } from '../../src/model';
import { appsDoc, docWithPrototypeNames, formatArb, printYaml } from '../support/arbitraries';
import { expectedDir, leftovers, outcomeProblems, readDir, runCli, tempDir } from '../support/cli-run';
import { mutate, mutationArb, WHOLE_FILES } from '../support/mutations';
import { propertyParams } from '../support/params';

// Property 5, bad input never crashes: GIVEN a mutated apps.yaml (lines deleted, duplicated,
// swapped or re-indented, odd scalars, truncation) or a file that is empty, binary, huge or not a
// mapping, WHEN `joinkey synth` runs on it, THEN it exits 0 with exactly the rendered output, or
// exits 1 with every diagnostic at FILE:LINE:COL and the output dir untouched; never another exit
// code, a stack trace, a hang or a partly written output dir.

const root = path.resolve(__dirname, '../..');
let work: string;
let previous: string;

beforeAll(async () => {
  work = tempDir('bad-input');
  // A previous, valid output that every failing run must leave exactly as it was.
  previous = path.join(work, 'previous');
  fs.copyFileSync(path.join(root, 'apps.yaml'), path.join(work, 'apps.yaml'));
  const r = await runCli(['synth', '--config', 'apps.yaml', '--out', 'previous'], work);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let n = 0;
/** Runs synth on `content` into a fresh copy of the previous output (or no output dir); returns the problems. */
async function synthProblems(content: string | Buffer, withPrevious: boolean, mustSucceed = false): Promise<string[]> {
  const dir = path.join(work, `run-${n++}`);
  fs.mkdirSync(dir);
  try {
    fs.writeFileSync(path.join(dir, 'in.yaml'), content);
    const out = path.join(dir, 'out');
    if (withPrevious) fs.cpSync(previous, out, { recursive: true });
    const before = readDir(out);
    const r = await runCli(['synth', '--config', 'in.yaml', '--out', 'out'], dir);
    const problems = outcomeProblems(r, 'in.yaml');
    const after = readDir(out);
    if (mustSucceed && r.code !== 0) problems.push(`exit ${r.code} for a valid file`);
    if (r.code === 0) {
      if (JSON.stringify(after) !== JSON.stringify(expectedDir('in.yaml', content.toString())))
        problems.push('exit 0 but the output dir is not exactly the rendered tree');
      problems.push(...vanishedNames(content.toString()));
    } else if (JSON.stringify(after) !== JSON.stringify(before)) {
      problems.push('a failed run changed the output dir');
    }
    const left = leftovers(dir);
    if (left.length) problems.push(`temp dirs left behind: ${left.join(', ')}`);
    return problems.map((p) => `${p}\n${r.stderr.slice(0, 2000)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Names under repos, apps, secrets and consumers that `yaml` reads in the text but the model of a
 * successful load lacks: a name (`__proto__`, `constructor`, ...) must be rendered or reported,
 * never dropped.
 */
function vanishedNames(text: string): string[] {
  const doc = parseDocument(text, { version: '1.2' });
  const keys = (node: unknown): string[] => (isMap(node) ? node.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : [])) : []);
  const { model } = loadModel('in.yaml', text);
  const missing = (where: string, inText: string[], inModel: string[]) =>
    inText.filter((n) => !inModel.includes(n)).map((n) => `${where}${JSON.stringify(n)} vanished from the model`);
  const apps = doc.get('apps');
  return [
    ...missing(
      'repos.',
      keys(doc.get('repos')),
      model.repos.map((r) => r.id),
    ),
    ...missing(
      'apps.',
      keys(apps),
      model.apps.map((a) => a.name),
    ),
    ...missing(
      'consumers.',
      keys(doc.get('consumers')),
      model.consumers.map((c) => c.name),
    ),
    ...keys(apps).flatMap((name) =>
      missing(
        `apps.${name}.secrets.`,
        keys(isMap(apps) ? (apps.get(name) as { get?: (k: string) => unknown } | undefined)?.get?.('secrets') : undefined),
        model.apps.find((a) => a.name === name)?.secrets.map((s) => s.name) ?? [],
      ),
    ),
  ];
}

/** The fast reader, when it accepts a text, must read it exactly as `yaml` does, without error. */
function fastReaderProblems(text: string): string[] {
  const fast = parsePlainYaml(text);
  if (fast === undefined) return [];
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true, version: '1.2' });
  if (doc.errors.length || doc.warnings.length) return [`the fast reader accepted text that yaml rejects: ${[...doc.errors, ...doc.warnings][0]!.message}`];
  const slow = JSON.stringify(doc.toJS());
  if (JSON.stringify(fast) !== slow) return [`the fast reader read ${JSON.stringify(fast).slice(0, 300)} where yaml reads ${slow.slice(0, 300)}`];
  const loaderSlow = JSON.stringify(documentData(new YamlSource('in.yaml', text)));
  return JSON.stringify(fast) === loaderSlow
    ? []
    : [`the fast reader read ${JSON.stringify(fast).slice(0, 300)} where the loader's yaml path reads ${loaderSlow.slice(0, 300)}`];
}

describe('property 5: bad input never crashes', () => {
  it('mutated valid files end in exit 0 with the full output or exit 1 with positioned messages and the old output intact', async () => {
    await fc.assert(
      fc.asyncProperty(
        appsDoc({ loose: true, maxApps: 3 }),
        formatArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (doc, fmt, mutations, withPrevious) => {
          const text = mutate(printYaml(doc, fmt), mutations);
          const problems = [...fastReaderProblems(text), ...(await synthProblems(text, withPrevious))];
          expect(problems, text.slice(0, 3000)).toEqual([]);
        },
      ),
      propertyParams(50, 1),
    );
  });

  it('the default apps.yaml, mutated, never crashes either', async () => {
    const base = fs.readFileSync(path.join(root, 'apps.yaml'), 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const text = mutate(base, mutations);
        const problems = [...fastReaderProblems(text), ...(await synthProblems(text, true))];
        expect(problems, text.slice(0, 3000)).toEqual([]);
      }),
      propertyParams(51, 1),
    );
  });

  it('names of Object.prototype (an app, repo and secret "constructor", a consumer "__proto__") are rendered like any other', async () => {
    await fc.assert(
      fc.asyncProperty(docWithPrototypeNames({ maxApps: 2 }), formatArb, async (doc, fmt) => {
        const text = printYaml(doc, fmt);
        const problems = [...fastReaderProblems(text), ...(await synthProblems(text, false, true))];
        expect(problems, text.slice(0, 3000)).toEqual([]);
      }),
      propertyParams(52, 0.3),
    );
  });

  it.each(Object.keys(WHOLE_FILES))('a file that is %s ends in exit 1 with a positioned message', async (name) => {
    const problems = await synthProblems(WHOLE_FILES[name]!, true);
    expect(problems).toEqual([]);
  });
});

describe('the installed CLI (node bin/joinkey.js), as a process', () => {
  const bin = path.join(root, 'bin', 'joinkey.js');
  const built = path.join(root, 'build', 'src', 'cli.js');

  it('is built (npm install runs "prepare", which runs tsc)', () => {
    expect(fs.existsSync(built), `${built} is missing: run "npm run build" (npx tsc -p .) before the tests`).toBe(true);
  });

  const cases: Record<string, string | Buffer> = {
    valid: fs.readFileSync(path.join(root, 'apps.yaml'), 'utf8'),
    binary: WHOLE_FILES.binary!,
    'alias-bomb': WHOLE_FILES['alias-bomb']!,
    'deep-nesting': WHOLE_FILES['deep-nesting']!,
    'huge-string': WHOLE_FILES['huge-string']!,
    'odd-scalars':
      'version: 1\nrepos: { tools: { url: x }, factory: { url: y } }\napps:\n  web: { namespace: "{{name}}", database: ${var.x} }\n  "e\\u0301": !!binary aGVsbG8=\n',
  };
  it.each(Object.keys(cases))('%s: exits 0 or 1 with positioned messages, within the timeout, without a stack trace', (name) => {
    expect(fs.existsSync(built), `${built} is missing: run "npm run build"`).toBe(true);
    const dir = tempDir('bin');
    try {
      fs.writeFileSync(path.join(dir, 'in.yaml'), cases[name]!);
      const r = spawnSync(process.execPath, [bin, 'synth', '--config', 'in.yaml', '--out', 'out'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: process.env.PATH },
      });
      expect(r.error, 'the process hung or could not start').toBeUndefined();
      expect(r.signal).toBeNull();
      expect(outcomeProblems({ code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, 'in.yaml')).toEqual([]);
      expect(r.status).toBe(name === 'valid' ? 0 : 1);
      if (r.status === 1) expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
