import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';

/**
 * Manifests that land in a Helm chart's templates/ dir (crowdsec/templates, cms's chart/templates)
 * are rendered by Helm's template engine, Go's text/template. This runs them through it
 * (test/support/helm-engine/main.go) and requires every file to come out byte-identical: no
 * value of ours can open a template action. Needs Go (Debian's golang-go; .ci/run installs it).
 */
const root = path.resolve(__dirname, '..');
const engine = path.join(root, 'test/support/helm-engine/main.go');
// go needs a build cache; CI may run without HOME.
const goEnv = { ...process.env, GOCACHE: process.env.GOCACHE ?? path.join(os.tmpdir(), 'joinkey-go-cache'), GOTOOLCHAIN: 'local' };
const hasGo = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv }).status === 0;

interface Rendered {
  name: string;
  output: string;
  error?: string;
}

function helmRender(files: { name: string; content: string }[]): Rendered[] {
  const run = spawnSync('go', ['run', engine], { env: goEnv, input: JSON.stringify(files), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`helm engine failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Rendered[];
}

const scenarios = ['apps.yaml', 'test/scenarios/non-defaults.yaml'];

describe.skipIf(!hasGo)(`Helm's template engine (Go text/template)${hasGo ? '' : ': skipped, no "go" binary on PATH (apt-get install golang-go)'}`, () => {
  it('is real: it runs actions, rejects unknown functions, and honours the {{"{{"}} escape', () => {
    const [action, unknown, escaped] = helmRender([
      { name: 'a.yaml', content: 'name: {{ .Release.Name }}\n' },
      { name: 'b.yaml', content: 'sql: GRANT x TO "{{name}}"\n' },
      { name: 'c.yaml', content: 'sql: GRANT x TO "{{"{{"}}name}}"\n' },
    ]);
    expect(action).toEqual({ name: 'a.yaml', output: 'name: release\n' });
    expect(unknown!.error).toBe('template: b.yaml:1: function "name" not defined');
    expect(escaped).toEqual({ name: 'c.yaml', output: 'sql: GRANT x TO "{{name}}"\n' });
  });

  it('leaves every generated file under a templates/ dir byte-identical', () => {
    const files = scenarios.flatMap((s) => {
      const tree = renderTree(loadModel(s, fs.readFileSync(path.join(root, s), 'utf8')).model);
      return [...tree].flatMap(([repo, fs_]) =>
        [...fs_].filter(([p]) => p.split('/').slice(0, -1).includes('templates')).map(([p, content]) => ({ name: `${s}:${repo}/${p}`, content })),
      );
    });
    expect(files.map((f) => f.name)).toEqual(['apps.yaml:cms/chart/templates/vso.gen.yaml', 'apps.yaml:tools/crowdsec/templates/vso.gen.yaml']);
    for (const r of helmRender(files)) {
      expect(r.error, r.name).toBeUndefined();
      expect(r.output, r.name).toBe(files.find((f) => f.name === r.name)!.content);
    }
  });

  it('leaves the non-default scenario byte-identical with its manifests moved into chart templates/ dirs', () => {
    const text = fs
      .readFileSync(path.join(root, 'test/scenarios/non-defaults.yaml'), 'utf8')
      .replace('manifests: sites/docs/k8s', 'manifests: sites/docs/chart/templates')
      .replace('  billing:\n    repo: platform\n', '  billing:\n    repo: platform\n    manifests: charts/billing/templates\n');
    const tree = renderTree(loadModel('non-defaults.yaml', text).model);
    const files = [...tree].flatMap(([repo, fs_]) =>
      [...fs_].filter(([p]) => p.split('/').slice(0, -1).includes('templates')).map(([p, content]) => ({ name: `${repo}/${p}`, content })),
    );
    expect(files.map((f) => f.name)).toEqual(['platform/charts/billing/templates/vso.gen.yaml', 'platform/sites/docs/chart/templates/vso.gen.yaml']);
    for (const r of helmRender(files)) {
      expect(r.error, r.name).toBeUndefined();
      expect(r.output, r.name).toBe(files.find((f) => f.name === r.name)!.content);
    }
  });
});
