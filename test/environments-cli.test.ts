import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { captureIo } from './support/git-fixture';

/** synth, check and explain on apps.yaml files with environments, through the CLI entry point. */

const root = path.resolve(__dirname, '..');
const SCENARIO = fs.readFileSync(path.join(root, 'test/scenarios/environments.yaml'), 'utf8');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workDir(appsYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinkey-env-cli-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'apps.yaml'), appsYaml);
  return dir;
}

async function cli(cwd: string, ...args: string[]) {
  const io = captureIo(cwd, {});
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Every file below dir, relative, sorted. */
function listing(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('joinkey synth with environments', () => {
  it('GIVEN environments WHEN synth runs twice THEN OUT/<env>/<repo>/<path> is written once, and --check agrees', async () => {
    const cwd = workDir(SCENARIO);
    const first = await cli(cwd, 'synth');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^\d+ files for 5 apps in 2 environments \(sandbox, prod\) in dist \(\d+ written, 0 deleted\)\n$/);
    const files = listing(path.join(cwd, 'dist'));
    expect(files).toContain(path.join('sandbox', 'tools', 'billing', 'iac', 'secrets.gen.tf'));
    expect(files).toContain(path.join('prod', 'tools', 'plausible', 'iac', 'backend.gen.tf'));
    expect(files).toContain(path.join('docs', 'environments.gen.md'));
    expect(files.some((f) => f.startsWith(path.join('prod', 'tools', 'billing')))).toBe(false);
    const again = await cli(cwd, 'synth');
    expect(again.out).toContain('(unchanged)');
    expect((await cli(cwd, 'synth', '--check')).code).toBe(0);
  });

  it('GIVEN an output of one implicit environment WHEN environments are added (and removed again) THEN synth replaces it and leaves nothing stale', async () => {
    const implicit = SCENARIO.replace(/^environments:[\s\S]*?^promote: .*\n/m, '')
      .replace('  erp:\n    environments: [prod]', '  erp: {}')
      .replace(/^ {4}environments: \[\w+\].*\n/gm, '');
    expect(implicit).not.toMatch(/environments:|promote:/);
    const cwd = workDir(implicit);
    expect((await cli(cwd, 'synth')).code).toBe(0);
    const before = listing(path.join(cwd, 'dist'));
    expect(before).toContain(path.join('tools', 'plausible', 'iac', 'backend.gen.tf'));
    fs.writeFileSync(path.join(cwd, 'apps.yaml'), SCENARIO);
    const r = await cli(cwd, 'synth');
    expect(r.code, r.err).toBe(0);
    const after = listing(path.join(cwd, 'dist'));
    expect(
      after.every((f) => /^(prod|sandbox|docs)\//.test(f)),
      after.join('\n'),
    ).toBe(true);
    expect(after).not.toContain(path.join('tools', 'plausible', 'iac', 'backend.gen.tf'));
    fs.writeFileSync(path.join(cwd, 'apps.yaml'), implicit);
    expect((await cli(cwd, 'synth')).code).toBe(0);
    expect(listing(path.join(cwd, 'dist'))).toEqual(before);
  });

  it('GIVEN two environments on one branch WHEN synth runs THEN it exits 1 at the environment, naming both, and writes nothing', async () => {
    const cwd = workDir(SCENARIO.replace('    repos: { tools: { branch: sandbox }, factory: { branch: sandbox }, cms: { branch: sandbox } }\n', ''));
    const r = await cli(cwd, 'synth');
    expect(r.code).toBe(1);
    // sandbox comes first in promote, so the finding sits at the later environment, prod
    expect(r.err).toMatch(/^apps\.yaml:10:3: environments\.prod: environments "sandbox" and "prod" write the same \d+ files/m);
    expect(fs.existsSync(path.join(cwd, 'dist'))).toBe(false);
  });
});

describe('joinkey check and explain with environments', () => {
  it('checks every environment, or the one --env names', async () => {
    const cwd = workDir(SCENARIO);
    const all = await cli(cwd, 'check', '--format', 'json');
    expect(all.code, all.err).toBe(0);
    const findings = JSON.parse(all.out) as { rule: string; message: string }[];
    expect(findings.every((f) => f.rule !== 'crd-schema' && f.rule !== 'provider-schema')).toBe(true);
    const one = await cli(cwd, 'check', '--env', 'sandbox');
    expect(one.code, one.err).toBe(0);
    expect(one.out).toContain('joinkey check: every invariant holds');
    const unknown = await cli(cwd, 'check', '--env', 'qa');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('joinkey: --env "qa" is not an environment of apps.yaml; known environments: sandbox, prod\n');
  });

  it('reports a shared state location with its rule id at the environment', async () => {
    const cwd = workDir(SCENARIO.replace('    state: { bucket: arcodange-tf-sandbox }\n', ''));
    const r = await cli(cwd, 'check');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^apps\.yaml:10:3: environment-shared-state: environments\.prod: environments "sandbox" and "prod" share the tofu state of 2 IaC projects \(app "cms" and others\)/m,
    );
  });

  it('diffs every environment against its own checkouts, DIR/<env>/<repo>, or the one --env names', async () => {
    const cwd = workDir(SCENARIO);
    for (const env of ['sandbox', 'prod'])
      for (const repo of ['tools', 'factory', 'cms']) fs.mkdirSync(path.join(cwd, 'repos', env, repo), { recursive: true });
    const all = await cli(cwd, 'diff', '--repos-dir', 'repos');
    expect(all.code, all.err).toBe(0);
    expect(all.out.indexOf('### environment sandbox')).toBeGreaterThanOrEqual(0);
    expect(all.out.indexOf('### environment sandbox')).toBeLessThan(all.out.indexOf('### environment prod'));
    expect(all.out).toContain('+++ b/billing/iac/secrets.gen.tf');
    const prod = await cli(cwd, 'diff', '--repos-dir', 'repos', '--env', 'prod');
    expect(prod.out).not.toContain('### environment sandbox');
    expect(prod.out).not.toContain('billing/');
  });

  it('explains an app per environment that holds it, or for the one --env names', async () => {
    const cwd = workDir(SCENARIO);
    const text = await cli(cwd, 'explain', 'plausible');
    expect(text.code, text.err).toBe(0);
    expect(text.out.indexOf('### environment sandbox')).toBeLessThan(text.out.indexOf('### environment prod'));
    const json = JSON.parse((await cli(cwd, 'explain', 'plausible', '--format', 'json')).out) as Record<string, { namespace: string }>;
    expect(Object.keys(json)).toEqual(['sandbox', 'prod']);
    expect(JSON.stringify(json.sandbox)).toContain('tools-sandbox');
    expect(JSON.stringify(json.prod)).not.toContain('tools-sandbox');
    const erp = await cli(cwd, 'explain', 'erp');
    expect(erp.out).toContain('### environment prod');
    expect(erp.out).not.toContain('### environment sandbox');
    const missing = await cli(cwd, 'explain', 'erp', '--env', 'sandbox');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('joinkey: no app "erp" in apps.yaml for environment sandbox; known apps: billing, cms, plausible, webapp\n');
  });
});
