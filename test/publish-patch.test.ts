import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { loadModel } from '../src/model';
import { withOwnershipFile } from '../src/publish/plan';
import { unifiedDiff } from '../src/publish/unified';
import { renderTree } from '../src/render';
import { captureIo, isolatedEnv } from './support/git-fixture';

/** 12.5: `joinkey diff` prints patches that apply: `git apply` turns the base files into the rendered ones. */

const root = mkdtempSync(join(tmpdir(), 'joinkey-patch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ...isolatedEnv(root), GIT_CONFIG_GLOBAL: '/dev/null' };
let n = 0;

/** Writes `files` into a fresh dir, applies `patch` there with git apply (check, then for real), returns the dir. */
function applyIn(files: Record<string, string>, patch: string): string {
  const dir = join(root, `t${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  writeFileSync(join(dir, '..', `t${n - 1}.patch`), patch);
  const run = (...args: string[]) =>
    execFileSync('git', ['apply', ...args, join(dir, '..', `t${n - 1}.patch`)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  run('--check');
  run();
  return dir;
}

const LINES = ['a', 'b', 'c', '', ' ', '--- a/x', '+++ b/x', '-', '+', '\\ No newline', '@@ -1 +1 @@', 'key = "v"', '\t# tab'];
const textArb = fc
  .tuple(fc.array(fc.constantFrom(...LINES), { maxLength: 12 }), fc.boolean())
  .map(([lines, eol]) => (lines.length ? lines.join('\n') + (eol ? '\n' : '') : ''));

describe('unifiedDiff output is a valid patch', () => {
  it('GIVEN any two texts WHEN the diff of a change is applied with git apply THEN it gives exactly the new text', () => {
    fc.assert(
      fc.property(
        textArb.filter((t) => t !== ''),
        textArb.filter((t) => t !== ''),
        (before, after) => {
          fc.pre(before !== after);
          const dir = applyIn({ 'd/f.gen.tf': before }, unifiedDiff('d/f.gen.tf', before, after));
          expect(readFileSync(join(dir, 'd/f.gen.tf'), 'utf8')).toBe(after);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('GIVEN any text WHEN the diff of an add or a delete is applied THEN the file appears with it, or is gone', () => {
    fc.assert(
      fc.property(
        textArb.filter((t) => t !== ''),
        (text) => {
          const added = applyIn({}, unifiedDiff('new/f.gen.yaml', undefined, text));
          expect(readFileSync(join(added, 'new/f.gen.yaml'), 'utf8')).toBe(text);
          const deleted = applyIn({ 'old.gen.tf': text }, unifiedDiff('old.gen.tf', text, undefined));
          expect(existsSync(join(deleted, 'old.gen.tf'))).toBe(false);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('joinkey diff --repos-dir prints a patch that applies to the checkout', () => {
  const YAML = (apps: string) => `version: 1
repos:
  tools: { url: /nonexistent/tools.git }
  factory: { url: /nonexistent/factory.git }
apps:
${apps}`;
  const BEFORE =
    '  webapp: {}\n  plausible: { repo: tools, namespace: tools, manifests: plausible/resources, iac: plausible/iac, database: { restart: [Deployment/plausible] } }\n';
  const AFTER =
    '  webapp: {}\n  crowdsec: { repo: tools, namespace: tools, manifests: crowdsec/templates, iac: crowdsec/iac, database: true, secrets: { api: { keys: [KEY] } } }\n  plausible: { repo: tools, namespace: tools, manifests: plausible/resources, iac: plausible/iac, database: false }\n';

  it.each([
    ['an empty repo (every file added)', undefined],
    ['a repo holding an earlier render (adds, changes and deletes)', BEFORE],
  ])('GIVEN %s WHEN the printed diff is applied with git apply THEN the checkout holds exactly the render', async (_what, earlier) => {
    const dir = join(root, `cli${n++}`);
    const repos = join(dir, 'repos');
    mkdirSync(join(repos, 'tools'), { recursive: true });
    mkdirSync(join(repos, 'factory'), { recursive: true });
    writeFileSync(join(repos, 'tools', 'README.md'), '# tools\n');
    if (earlier) {
      for (const [id, files] of renderTree(loadModel('apps.yaml', YAML(earlier)).model)) {
        for (const [p, c] of withOwnershipFile(id, files)) {
          mkdirSync(dirname(join(repos, id, p)), { recursive: true });
          writeFileSync(join(repos, id, p), c);
        }
      }
    }
    writeFileSync(join(dir, 'apps.yaml'), YAML(AFTER));
    const io = captureIo(dir, { PATH: process.env.PATH });
    expect(await main(['diff', '--repos-dir', 'repos', '--repos', 'tools'], io), io.err()).toBe(0);
    const patch = io.out();
    expect(patch).toContain('+++ b/crowdsec/iac/app_roles.gen.tf');
    if (earlier) expect(patch).toMatch(/--- a\/plausible\/.*\n\+\+\+ \/dev\/null/);
    const tools = join(repos, 'tools');
    execFileSync('git', ['apply', '--check', '-'], { cwd: tools, env, input: patch });
    execFileSync('git', ['apply', '-'], { cwd: tools, env, input: patch });
    const want = withOwnershipFile('tools', renderTree(loadModel('apps.yaml', YAML(AFTER)).model).get('tools')!);
    const have = execFileSync('find', ['.', '-type', 'f'], { cwd: tools })
      .toString()
      .trim()
      .split('\n')
      .map((p) => p.slice(2))
      .sort();
    expect(have).toEqual(['README.md', ...want.keys()].sort());
    for (const [p, c] of want) expect(readFileSync(join(tools, p), 'utf8'), p).toBe(c);
    // The same comparison again finds nothing.
    const again = captureIo(dir, { PATH: process.env.PATH });
    expect(await main(['diff', '--repos-dir', 'repos', '--repos', 'tools'], again)).toBe(0);
    expect(again.out()).toContain('no differences');
  });
});
