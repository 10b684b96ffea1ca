import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli';
import { hcl2jsonParser, liveConflicts, type LiveFinding } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';
import { captureIo } from './support/git-fixture';
import { BUNDLED_APPS_YAML, HAND_WRITTEN_SIDE, PLATFORM_FIXTURE, PLATFORM_REPOS } from './support/platform';

/**
 * `joinkey check --repos-dir` wired to the live inventory (issue 9, part 2): on the guidebook's
 * three repos (test/fixtures/platform) with the bundled apps.yaml, every conflict is printed at
 * DIR/<repo>/<path>:LINE:COL with its other side on the next line, and the run fails; with the
 * hand-written side removed, or with apps that collide with nothing, the live rules are quiet.
 */

const FIXTURE = PLATFORM_FIXTURE;
const BUNDLED = BUNDLED_APPS_YAML;
const REPOS = [...PLATFORM_REPOS];

let root: string;
let expected: LiveFinding[];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'joinkey-live-check-'));
  const { model } = loadModel('apps.yaml', readFileSync(BUNDLED, 'utf8'));
  expected = (await liveConflicts(readReposDir(FIXTURE, REPOS), renderTree(model), { parser: hcl2jsonParser() })).findings;
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
/** A copy of the fixture as `<root>/<name>/repos`, with `remove` deleted; returns the cwd. */
function reposCopy(remove: readonly string[] = []): string {
  const cwd = join(root, `run-${copies++}`);
  cpSync(FIXTURE, join(cwd, 'repos'), { recursive: true });
  for (const f of remove) rmSync(join(cwd, 'repos', f));
  return cwd;
}

async function check(cwd: string, ...args: string[]) {
  const io = captureIo(cwd, {});
  const code = await main(['check', '--config', BUNDLED, '--repos-dir', 'repos', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

const at = (file: string, line: number, col: number) => `repos/${file}:${line}:${col}`;

describe('check --repos-dir on the hand-written platform with the bundled apps.yaml', () => {
  test('GIVEN the fixture WHEN checking THEN every live conflict is printed with both positions and the run fails', async () => {
    const r = await check(reposCopy());
    expect(r.code).toBe(1);
    expect(expected).toHaveLength(23);
    for (const f of expected) {
      const level = f.severity === 'warning' ? 'warning: ' : '';
      expect(r.err).toContain(
        `${at(f.file, f.line, f.col)}: ${level}${f.rule}: ${f.message}\n  also at ${at(f.related.file, f.related.line, f.related.col)}\n`,
      );
    }
    expect(r.err).toContain('joinkey check: 22 errors, 4 warnings'); // 1 live warning, 2 unreadable, 1 model warning
  }, 60_000);

  test('THEN each class of issue 9 is among them, at the generated side, the hand-written one below', async () => {
    const r = await check(reposCopy());
    const lines = r.err.split('\n');
    const pair = (rule: string, here: string, there: string) => {
      const i = lines.findIndex((l) => l.startsWith(`repos/${here}: ${rule}: `));
      expect(i, `${rule} at ${here}`).toBeGreaterThanOrEqual(0);
      expect(lines[i + 1]).toBe(`  also at repos/${there}`);
    };
    pair('live-duplicate-object', 'tools/plausible/resources/vso.gen.yaml:8:9', 'tools/plausible/resources/vaultauth.yaml:5:9');
    pair('live-duplicate-destination', 'tools/plausible/resources/vso.gen.yaml:25:9', 'tools/plausible/resources/vaultsecret.yaml:4:9');
    pair('live-duplicate-backend', 'cms/iac/backend.gen.tf:9:3', 'cms/iac/main.tf:4:3');
    pair('live-duplicate-provider', 'tools/plausible/iac/backend.gen.tf:19:1', 'tools/plausible/iac/main.tf:17:1');
    pair('live-duplicate-module', 'tools/crowdsec/iac/app_roles.gen.tf:5:1', 'tools/crowdsec/iac/main.tf:18:1');
    pair('live-variable-overridden', 'factory/postgres/iac/databases.gen.auto.tfvars:5:1', 'factory/postgres/iac/terraform.tfvars:2:1');
    pair('live-duplicate-resource', 'tools/hashicorp-vault/iac/consumers.gen.tf:12:1', 'tools/hashicorp-vault/iac/factory_auth.tf:4:1');
    pair('live-duplicate-identity', 'tools/plausible/iac/secrets.gen.tf:15:1', 'tools/plausible/iac/main.tf:40:1');
  }, 60_000);

  test('THEN what the inventory cannot read is a live-unreadable warning with its position, and no related line', async () => {
    const r = await check(reposCopy());
    expect(r.err).toMatch(
      /^repos\/cms\/chart\/templates\/extra-objects\.yaml:3:1: warning: live-unreadable: not read: repeated by "\{\{ range \.Values\.extraObjects \}\}".*\nrepos\/cms\/iac\/app_roles/m,
    );
    expect(r.err).toMatch(/^repos\/tools\/plausible\/kustomization\.yaml:7:1: warning: live-unreadable: not read: helmCharts: /m);
  }, 60_000);

  test('WHEN --format json THEN every finding carries related, below the repos dir, and unreadable ones none', async () => {
    const r = await check(reposCopy(), '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as {
      file: string;
      line: number;
      col: number;
      rule: string;
      severity: string;
      message: string;
      related?: { file: string; line: number; col: number };
    }[];
    const live = out.filter((d) => d.rule.startsWith('live-') && d.rule !== 'live-unreadable');
    expect(live).toEqual(
      expected.map((f) => ({
        file: `repos/${f.file}`,
        line: f.line,
        col: f.col,
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        related: { file: `repos/${f.related.file}`, line: f.related.line, col: f.related.col },
      })),
    );
    const unreadable = out.filter((d) => d.rule === 'live-unreadable');
    expect(unreadable.map((d) => [d.file, d.line, d.severity, 'related' in d])).toEqual([
      ['repos/cms/chart/templates/extra-objects.yaml', 3, 'warning', false],
      ['repos/tools/plausible/kustomization.yaml', 7, 'warning', false],
    ]);
  }, 60_000);
});

describe('check --repos-dir once the conflicts are resolved', () => {
  test('GIVEN the hand-written side of every conflict removed THEN no live rule fires and the run passes, unreadable files only warned', async () => {
    const r = await check(reposCopy(HAND_WRITTEN_SIDE));
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(/: live-(?!unreadable)/);
    expect(r.out).toContain('warning: live-unreadable: ');
    expect(r.out).toMatch(/joinkey check: every invariant holds \(\d+ warnings\)/);
  }, 60_000);

  test.each([
    ['one conflict left: the hand-written VaultAuth of plausible', 'tools/plausible/resources/vaultauth.yaml', 'live-duplicate-object'],
    ['the doubly-set databases map of factory', 'factory/postgres/iac/terraform.tfvars', 'live-variable-overridden'],
    ['the hand-written factory_auth.tf', 'tools/hashicorp-vault/iac/factory_auth.tf', 'live-duplicate-resource'],
  ])(
    'GIVEN all removed but %s THEN only its conflicts are reported and the run fails',
    async (_, kept, rule) => {
      const r = await check(reposCopy(HAND_WRITTEN_SIDE.filter((f) => f !== kept)));
      expect(r.code).toBe(1);
      const errors = r.err.split('\n').filter((l) => /^repos\/\S+: (warning: )?live-(?!unreadable)/.test(l));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.some((l) => l.includes(`: ${rule}: `))).toBe(true);
      const related = r.err.split('\n').filter((l) => l.startsWith('  also at '));
      expect(related.length).toBe(errors.length);
      for (const l of related) expect(l).toMatch(new RegExp(`^  also at repos/${kept.replace(/[.]/g, '\\.')}:\\d+:\\d+$`));
    },
    60_000,
  );

  test('GIVEN an apps.yaml whose apps collide with nothing THEN the live rules are quiet', async () => {
    const cwd = reposCopy();
    const config = join(cwd, 'apps.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'repos:',
        '  tools: { url: ssh://git@gitea.example/org/tools.git, branch: main }',
        '  factory: { url: ssh://git@gitea.example/org/factory.git, branch: main }',
        'central:',
        '  vault: { repo: tools, dir: platform/vault-iac }',
        '  postgres: { repo: factory, dir: platform/postgres-iac }',
        'apps:',
        '  umami: { repo: tools, namespace: tools, manifests: umami/resources, iac: umami/iac, database: false, secrets: { config: { generate: [APP_SECRET] } } }',
        '',
      ].join('\n'),
    );
    // the central maps go where the platform has none (their variables.tf as the contract wants)
    mkdirSync(join(cwd, 'repos/tools/platform/vault-iac'), { recursive: true });
    mkdirSync(join(cwd, 'repos/factory/platform/postgres-iac'), { recursive: true });
    cpSync(join(cwd, 'repos/tools/hashicorp-vault/iac/variables.tf'), join(cwd, 'repos/tools/platform/vault-iac/variables.tf'));
    cpSync(join(cwd, 'repos/factory/postgres/iac/variables.tf'), join(cwd, 'repos/factory/platform/postgres-iac/variables.tf'));
    const io = captureIo(cwd, {});
    const code = await main(['check', '--config', 'apps.yaml', '--repos-dir', 'repos', '--format', 'json'], io);
    const out = JSON.parse(io.out()) as { rule: string; severity: string; file: string }[];
    expect(out.map((d) => [d.rule, d.severity, d.file])).toEqual([['live-unreadable', 'warning', 'repos/tools/plausible/kustomization.yaml']]);
    expect(code).toBe(0);
  }, 60_000);
});
