import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The repo's own tooling: the layering rules of .dependency-cruiser.cjs, run on a throw-away
 * src/ tree with one import of each kind, and the CI summary of vitest's JSON report.
 */

const root = resolve(__dirname, '..');

describe('the layering rules (.dependency-cruiser.cjs)', () => {
  let dir = '';
  /** module -> the modules it imports; every module exports `v`. */
  const tree: Record<string, string[]> = {
    // Sideways, upward and cyclic imports the rules must catch. publish -> gitea is downward
    // (gitea is the PR adapter publish drives); gitea -> publish is not.
    'src/commands/diff.ts': ['src/commands/publish.ts', 'src/commands/common.ts', 'src/publish/index.ts'],
    'src/commands/publish.ts': ['src/commands/common.ts', 'src/gitea/index.ts', 'src/publish/index.ts'],
    'src/commands/common.ts': ['src/model/index.ts'],
    'src/gitea/index.ts': ['src/publish/redact.ts', 'src/errors.ts'],
    'src/publish/index.ts': ['src/gitea/index.ts', 'src/explain/index.ts', 'src/render/files.ts', 'src/publish/redact.ts'],
    'src/publish/redact.ts': [],
    'src/validate/hcl.ts': ['src/tofu-gen/package-root.ts', 'src/render/files.ts'],
    'src/config/rules.ts': ['src/render/files.ts', 'src/model/names.ts', 'src/model/defaults.ts', 'src/util/edit-distance.ts'],
    'src/docs/index.ts': ['src/check/glob.ts', 'src/explain/index.ts'],
    'src/check/glob.ts': [],
    'src/check/index.ts': ['src/render/index.ts', 'src/validate/hcl.ts', 'src/check/glob.ts'],
    'src/model/index.ts': ['src/config/rules.ts', 'src/model/names.ts', 'src/render/index.ts'],
    'src/render/index.ts': [
      'src/tofu-gen/index.ts',
      'src/charts/vso-chart.ts',
      'src/docs/index.ts',
      'src/emit/yaml.ts',
      'src/render/files.ts',
      'src/output/write.ts',
    ],
    'src/output/write.ts': ['src/render/files.ts'],
    'src/tofu-gen/index.ts': ['src/tofu-gen/package-root.ts', 'src/render/files.ts', 'src/model/defaults.ts', 'imports/crds.ts'],
    'src/tofu-gen/package-root.ts': [],
    'src/charts/vso-chart.ts': ['imports/crds.ts', 'src/model/index.ts'],
    'src/emit/yaml.ts': ['vitest', 'yaml'],
    'src/explain/index.ts': ['src/render/files.ts', 'src/model/defaults.ts'],
    'src/render/files.ts': ['src/explain/index.ts'],
    'src/model/names.ts': ['src/config/rules.ts'],
    'src/model/defaults.ts': [],
    'src/errors.ts': [],
    'src/util/edit-distance.ts': ['src/util/ring.ts'],
    'src/util/ring.ts': ['src/util/edit-distance.ts'],
    'src/cli.ts': ['src/commands/diff.ts', 'src/errors.ts'],
    'imports/crds.ts': [],
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jk-depcruise-'));
    for (const [file, deps] of Object.entries(tree)) {
      mkdirSync(join(dir, dirname(file)), { recursive: true });
      const lines = deps.map((d, i) => {
        if (!d.endsWith('.ts')) return `import * as v${i} from '${d}';`; // a package
        const spec = relative(dirname(file), d).replace(/\.ts$/, '');
        return `import { v as v${i} } from '${spec.startsWith('.') ? spec : `./${spec}`}';`;
      });
      writeFileSync(join(dir, file), `${lines.join('\n')}\nexport const v = [${deps.map((_, i) => `v${i}`).join(', ')}].length;\n`);
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['src', 'imports'] }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', dependencies: { yaml: '*' }, devDependencies: { vitest: '*' } }));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cruise = () => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
        'src',
        '--config',
        join(root, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    const out = JSON.parse(r.stdout) as { summary: { violations: { from: string; to: string; rule: { name: string }; cycle?: { name: string }[] }[] } };
    return { violations: out.summary.violations };
  };

  it('reports exactly the sideways, upward and circular imports, and passes the downward ones', () => {
    const { violations } = cruise();
    const pkg = (to: string) => to.replace(/^.*node_modules\/([^/]+)\/.*$/, '$1');
    const got = violations
      .filter((v) => v.rule.name !== 'no-circular')
      .map((v) => `${v.rule.name}: ${v.from} -> ${pkg(v.to)}`)
      .sort();
    expect(got).toEqual(
      [
        'commands-sideways: src/commands/diff.ts -> src/commands/publish.ts',
        'cdk8s-imports-only-in-charts: src/tofu-gen/index.ts -> imports/crds.ts',
        'layer-config: src/config/rules.ts -> src/render/files.ts',
        'layer-docs: src/docs/index.ts -> src/check/glob.ts',
        'layer-file-set: src/render/files.ts -> src/explain/index.ts',
        'layer-gitea: src/gitea/index.ts -> src/publish/redact.ts',
        'layer-leaf: src/model/names.ts -> src/config/rules.ts',
        'layer-model-entry: src/model/index.ts -> src/render/index.ts',
        'layer-render: src/render/index.ts -> src/output/write.ts',
        'layer-validate: src/validate/hcl.ts -> src/tofu-gen/package-root.ts',
        'no-dev-deps-in-src: src/emit/yaml.ts -> vitest',
      ].sort(),
    );
    // Each cycle once, as the sorted set of its modules.
    const cycles = violations
      .filter((v) => v.rule.name === 'no-circular')
      .map((v) =>
        [v.from, ...(v.cycle ?? []).map((c) => c.name)]
          .filter((m, i, all) => all.indexOf(m) === i)
          .sort()
          .join(' '),
      );
    expect(cycles.sort()).toEqual([
      'src/charts/vso-chart.ts src/model/index.ts src/render/index.ts',
      'src/config/rules.ts src/model/names.ts',
      'src/explain/index.ts src/render/files.ts',
      'src/util/edit-distance.ts src/util/ring.ts',
    ]);
  });
});

describe('scripts/vitest-summary.mjs, the closing lines of .ci/run', () => {
  type Summarize = (report: unknown, cwd?: string) => { lines: string[]; failed: boolean };
  const load = async () => ((await import(pathToFileURL(join(root, 'scripts', 'vitest-summary.mjs')).href)) as { summarize: Summarize }).summarize;
  const test = (fullName: string, status: string) => ({ fullName, status, title: fullName.split(' ').at(-1), ancestorTitles: [] });
  const report = (over: Record<string, unknown>, files: { name: string; tests: ReturnType<typeof test>[] }[]) => ({
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    numFailedTestSuites: 0,
    ...over,
    testResults: files.map((f) => ({ name: f.name, assertionResults: f.tests })),
  });

  it('lists every skipped, pending and todo test by file and full name, and counts them in the last line', async () => {
    const summarize = await load();
    const got = summarize(
      report({ numPassedTests: 2, numPendingTests: 2, numTodoTests: 1 }, [
        { name: '/repo/test/a.test.ts', tests: [test('suite one passes', 'passed'), test('suite needs go', 'skipped')] },
        { name: '/repo/test/sub/b.test.ts', tests: [test('b later', 'todo'), test('b runs', 'passed'), test('b queued', 'pending')] },
      ]),
      '/repo',
    );
    expect(got.lines).toEqual([
      'tests that did not run (3):',
      '  skipped: test/a.test.ts > suite needs go',
      '  todo: test/sub/b.test.ts > b later',
      '  pending: test/sub/b.test.ts > b queued',
      'vitest: 2 passed, 0 failed, 3 skipped',
    ]);
    expect(got.failed).toBe(false);
  });

  it('says so when every test ran, and fails on a failed test or a test file that did not load', async () => {
    const summarize = await load();
    const clean = summarize(
      report({ numPassedTests: 3 }, [{ name: '/r/test/a.test.ts', tests: [test('x', 'passed'), test('y', 'passed'), test('z', 'passed')] }]),
      '/r',
    );
    expect(clean).toEqual({ lines: ['tests that did not run: none', 'vitest: 3 passed, 0 failed, 0 skipped'], failed: false });
    const failedTest = summarize(
      report({ numPassedTests: 1, numFailedTests: 1 }, [{ name: '/r/test/a.test.ts', tests: [test('x', 'passed'), test('y', 'failed')] }]),
      '/r',
    );
    expect(failedTest.failed).toBe(true);
    expect(failedTest.lines.at(-1)).toBe('vitest: 1 passed, 1 failed, 0 skipped');
    expect(summarize(report({ numFailedTestSuites: 1 }, [{ name: '/r/test/broken.test.ts', tests: [] }]), '/r').failed).toBe(true);
  });
});

describe('scripts/lint.mjs, npm run lint', () => {
  const lintIn = (scripts: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'jk-lint-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', private: true, scripts }));
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'lint.mjs')], { cwd: dir, encoding: 'utf8' });
      return { status: r.status, lines: r.stdout.split('\n').map((l) => l.replace(/\(\d+\.\d s\)/, '(T)')) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('runs all three steps even when the first fails, prints each whole in a fixed order, and fails if any failed', () => {
    const got = lintIn({ 'lint:deps': 'sleep 0.3; echo deps bad; exit 3', 'lint:format': 'echo format ok', 'lint:eslint': 'echo eslint bad >&2; exit 1' });
    expect(got.status).toBe(1);
    expect(got.lines).toEqual([
      '== lint:deps: FAILED (T)',
      'deps bad',
      '== lint:format: ok (T)',
      'format ok',
      '== lint:eslint: FAILED (T)',
      'eslint bad',
      'lint failed: lint:deps, lint:eslint',
      '',
    ]);
  });

  it('exits 0 when every step passes, and 1 when a step is missing', () => {
    const ok = lintIn({ 'lint:deps': 'true', 'lint:format': 'echo fine', 'lint:eslint': 'true' });
    expect(ok.status).toBe(0);
    expect(ok.lines).toEqual(['== lint:deps: ok (T)', '== lint:format: ok (T)', 'fine', '== lint:eslint: ok (T)', '']);
    const missing = lintIn({ 'lint:deps': 'true', 'lint:format': 'true' });
    expect(missing.status).toBe(1);
    expect(missing.lines.at(-2)).toBe('lint failed: lint:eslint');
  });
});
