import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What a cold `joinkey synth` loads and compiles (issue 12, part 8: five apps cold against
// node + cdk8s alone). These run the built CLI (build/), as the bench does.

const root = join(__dirname, '..');
const cli = join(root, 'build', 'src', 'cli.js');
const templates = readdirSync(join(root, 'src', 'tofu-gen', 'templates')).filter((f) => f.endsWith('.hbs'));

interface Trace {
  readonly code: number;
  /** Every JavaScript file compiled, relative to node_modules/ when under it. */
  readonly compiled: string[];
  /** Handlebars parses, per Handlebars.create() instance. */
  readonly parses: number[];
  readonly extra?: unknown;
}

/** Runs `main(argv)` of the built CLI in a fresh node, tracing compiled files and Handlebars parses; `after` runs in that process once main is done. */
function trace(argv: (out: string) => string[], after = 'undefined'): Trace {
  const script = `
    const Module = require('node:module');
    const fs = require('node:fs'), path = require('node:path'), os = require('node:os');
    const compiled = [];
    const compile = Module.prototype._compile;
    Module.prototype._compile = function (content, filename) {
      compiled.push(filename.replace(/^.*node_modules\\//, ''));
      return compile.call(this, content, filename);
    };
    const handlebars = require(require.resolve('handlebars', { paths: [${JSON.stringify(root)}] }));
    const parses = [];
    const create = handlebars.create;
    handlebars.create = function () {
      const hb = create.call(this);
      const i = parses.push(0) - 1;
      const parse = hb.parse;
      hb.parse = function (...args) { parses[i]++; return parse.apply(this, args); };
      return hb;
    };
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'jk-startup-'));
    require(${JSON.stringify(cli)}).main(${argv('__OUT__')
      .map((a) => (a === '__OUT__' ? 'out' : JSON.stringify(a)))
      .join(', ')
      .replace(/^/, '[')
      .replace(/$/, ']')})
      .then((code) => {
        const extra = (${after})?.();
        process.stdout.write('\\n' + JSON.stringify({ code, compiled, parses, extra }));
        fs.rmSync(out, { recursive: true, force: true });
      });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: root });
  expect(r.stderr).toBe('');
  const t = JSON.parse(r.stdout.split('\n').pop()!) as Trace;
  expect(t.code).toBe(0);
  return t;
}

const synth = (out: string) => ['synth', '--config', join(root, 'apps.yaml'), '--out', out];

describe('a cold synth loads what it uses, once', () => {
  it('GIVEN joinkey synth THEN every HCL template is parsed and compiled exactly once, by one Handlebars instance', () => {
    const t = trace(synth);
    expect(templates.length).toBeGreaterThan(3);
    expect(t.parses).toEqual([templates.length]);
  });

  it("GIVEN joinkey synth THEN zod's English messages are loaded and none of its other locales, nor the locales index", () => {
    const t = trace(synth);
    const locales = t.compiled.filter((f) => f.startsWith('zod/') && f.includes('/locales/'));
    expect(locales).toEqual(['zod/v4/locales/en.cjs']);
    expect(t.compiled).toContain('zod/v4/classic/schemas.cjs');
  });

  it("GIVEN joinkey synth THEN zod's messages are its English ones", () => {
    const t = trace(
      synth,
      `() => { const { z } = require(${JSON.stringify(join(root, 'build', 'src', 'config', 'zod.js'))});
         return z.safeParse(z.object({ port: z.number() }).strict(), { port: 'x', extra: 1 }).error.issues.map((i) => i.message); }`,
    );
    expect(t.extra).toEqual(['Invalid input: expected number, received string', 'Unrecognized key: "extra"']);
  });

  it('GIVEN the deferred locales index THEN zod.locales still holds every locale, loaded on first use, and they work', () => {
    const t = trace(
      synth,
      `() => { const { z } = require(${JSON.stringify(join(root, 'build', 'src', 'config', 'zod.js'))});
         const before = Object.keys(require.cache).some((f) => f.endsWith('zod/v4/locales/de.cjs'));
         const names = Object.keys(z.locales);
         z.config(z.locales.de());
         const german = z.safeParse(z.number(), 'x').error.issues[0].message;
         z.config(z.locales.en());
         const english = z.safeParse(z.number(), 'x').error.issues[0].message;
         const root = require(require.resolve('zod/locales', { paths: [${JSON.stringify(root)}] }));
         return { before, de: names.includes('de'), en: names.includes('en'), count: names.length, german, english, same: root.de === z.locales.de }; }`,
    );
    expect(t.extra).toMatchObject({ before: false, de: true, en: true, english: 'Invalid input: expected number, received string', same: true });
    expect((t.extra as { count: number }).count).toBeGreaterThan(40);
    expect((t.extra as { german: string }).german).toMatch(/^Ungültige Eingabe/);
  });
});
