import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/commands/publish';
import { OWNERSHIP_FILE } from '../src/render/files';
import { captureIo, freshFixtures, TEST_APPS, type Fixture } from './support/git-fixture';

/**
 * publish with environments against real bare repos that have a `main` and a `sandbox` branch:
 * the environments go in promotion order, each on its own base branch with its own bot branch,
 * and the first one that fails stops the run before the next is touched.
 */

const REPOS = ['tools', 'factory'];
const fixture = freshFixtures(REPOS);

/** Branch per environment: sandbox on the sandbox branches, prod on main; crowdsec only in the sandbox. */
function branchPerEnv(fx: Fixture, promote = '[sandbox, prod]'): string {
  return [
    'version: 1',
    'repos:',
    ...REPOS.map((id) => `  ${id}: { url: ${fx.bare(id)}, branch: main }`),
    'environments:',
    '  prod: {}',
    '  sandbox:',
    '    state: { bucket: tf-sandbox }',
    '    repos: { tools: { branch: sandbox }, factory: { branch: sandbox } }',
    `promote: ${promote}`,
    'apps:',
    `  webapp: ${TEST_APPS.webapp}`,
    `  plausible: ${TEST_APPS.plausible}`,
    `  crowdsec: { repo: tools, namespace: tools, manifests: crowdsec/templates, iac: crowdsec/iac, environments: [sandbox] }`,
    '',
  ].join('\n');
}

/** Dir per environment: both on main, each below its own dir and state prefix. */
function dirPerEnv(fx: Fixture): string {
  return [
    'version: 1',
    'repos:',
    ...REPOS.map((id) => `  ${id}: { url: ${fx.bare(id)}, branch: main }`),
    'environments:',
    '  staging: { state: { prefix: staging }, repos: { tools: { path: envs/staging }, factory: { path: envs/staging } } }',
    '  production: { state: { prefix: production }, repos: { tools: { path: envs/production }, factory: { path: envs/production } } }',
    'apps:',
    `  webapp: ${TEST_APPS.webapp}`,
    `  plausible: ${TEST_APPS.plausible}`,
    '',
  ].join('\n');
}

async function setup(yaml: (fx: Fixture) => string, { sandboxBranch = true } = {}) {
  const fx = await fixture();
  if (sandboxBranch) for (const id of REPOS) await fx.git(fx.bare(id)).raw(['branch', 'sandbox', 'main']);
  const cwd = join(fx.root, 'work');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'apps.yaml'), yaml(fx));
  const publish = async (...extra: string[]) => {
    const io = captureIo(cwd, { ...fx.env, GITEA_TOKEN: undefined });
    const code = await run(['--no-pr', ...extra], io);
    return { code, out: io.out(), err: io.err() };
  };
  const allHeads = async () => Object.fromEntries(await Promise.all(REPOS.map(async (id) => [id, await fx.heads(id)] as const)));
  const parentOf = async (id: string, ref: string) => (await fx.git(fx.bare(id)).raw(['rev-parse', `${ref}^`])).trim();
  return { fx, cwd, publish, allHeads, parentOf };
}

describe('joinkey publish with environments, on real git', () => {
  it('GIVEN main and sandbox branches WHEN publishing THEN one bot branch per environment, each on its own base, sandbox first', async () => {
    const { fx, publish, allHeads, parentOf } = await setup((f) => branchPerEnv(f));
    const before = await allHeads();
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    const after = await allHeads();
    for (const id of REPOS) {
      expect(Object.keys(after[id]!).sort()).toEqual([
        'refs/heads/joinkey/sync-prod',
        'refs/heads/joinkey/sync-sandbox',
        'refs/heads/main',
        'refs/heads/sandbox',
      ]);
      // the bases are untouched, and each bot branch is its base plus one commit
      expect(after[id]!['refs/heads/main']).toBe(before[id]!['refs/heads/main']);
      expect(after[id]!['refs/heads/sandbox']).toBe(before[id]!['refs/heads/sandbox']);
      expect(await parentOf(id, 'refs/heads/joinkey/sync-sandbox')).toBe(before[id]!['refs/heads/sandbox']);
      expect(await parentOf(id, 'refs/heads/joinkey/sync-prod')).toBe(before[id]!['refs/heads/main']);
    }
    // the app limited to the sandbox is in its branch only; the state buckets differ
    expect(await fx.ls('tools', 'refs/heads/joinkey/sync-sandbox')).toContain('crowdsec/iac/backend.gen.tf');
    expect((await fx.ls('tools', 'refs/heads/joinkey/sync-prod')).some((p) => p.startsWith('crowdsec/'))).toBe(false);
    expect(await fx.show('tools', 'refs/heads/joinkey/sync-sandbox', 'plausible/iac/backend.gen.tf')).toContain('bucket = "tf-sandbox"');
    expect(await fx.show('tools', 'refs/heads/joinkey/sync-prod', 'plausible/iac/backend.gen.tf')).toContain('bucket = "arcodange-tf"');
    // promotion order: every sandbox line before the first prod line
    expect(r.out.indexOf('### environment sandbox')).toBeGreaterThanOrEqual(0);
    expect(r.out.indexOf('### environment sandbox')).toBeLessThan(r.out.indexOf('### environment prod'));
  });

  it('GIVEN a published state WHEN publishing the same input again THEN nothing is pushed in any environment', async () => {
    const { publish, allHeads } = await setup((f) => branchPerEnv(f));
    expect((await publish()).code).toBe(0);
    const before = await allHeads();
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(await allHeads()).toEqual(before);
    expect(r.out.match(/Pushed: none\./g)).toHaveLength(2);
    expect(r.out).toMatch(/tools\s+joinkey\/sync-sandbox already up to date/);
    expect(r.out).toMatch(/tools\s+joinkey\/sync-prod already up to date/);
  });

  it('GIVEN promote: [prod, sandbox] WHEN publishing THEN prod goes first', async () => {
    const { publish } = await setup((f) => branchPerEnv(f, '[prod, sandbox]'));
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out.indexOf('### environment prod')).toBeLessThan(r.out.indexOf('### environment sandbox'));
  });

  it('GIVEN a hand-written file at a generated path of the sandbox WHEN publishing THEN the sandbox is refused and prod is left untouched', async () => {
    const { fx, publish, allHeads } = await setup((f) => branchPerEnv(f));
    const human = await fx.humanClone('tools');
    await human.git.raw(['checkout', '--quiet', 'sandbox']);
    mkdirSync(join(human.dir, 'plausible', 'iac'), { recursive: true });
    writeFileSync(join(human.dir, 'plausible', 'iac', 'backend.gen.tf'), '# hand-written\n');
    await human.git.add('.').then(() => human.git.commit('hand-written backend'));
    await human.git.raw(['push', '--quiet', 'origin', 'sandbox']);
    const before = await allHeads();
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.out).toContain('stopped at environment sandbox; not published: prod');
    const after = await allHeads();
    for (const id of REPOS)
      expect(
        Object.keys(after[id]!).some((ref) => ref.endsWith('sync-prod')),
        id,
      ).toBe(false);
    expect(after.tools).toEqual(before.tools);
    expect(await fx.show('tools', 'refs/heads/sandbox', 'plausible/iac/backend.gen.tf')).toBe('# hand-written\n');
  });

  it('GIVEN no sandbox branch to fetch WHEN publishing THEN the sandbox fails and prod is left untouched', async () => {
    const { publish, allHeads } = await setup((f) => branchPerEnv(f), { sandboxBranch: false });
    const before = await allHeads();
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.out).toContain('stopped at environment sandbox; not published: prod');
    expect(await allHeads()).toEqual(before);
  });

  it('GIVEN --env prod WHEN publishing THEN only prod is published', async () => {
    const { publish, allHeads } = await setup((f) => branchPerEnv(f));
    const r = await publish('--env', 'prod');
    expect(r.code, r.out + r.err).toBe(0);
    for (const id of REPOS)
      expect(Object.keys((await allHeads())[id]!).sort()).toEqual(['refs/heads/joinkey/sync-prod', 'refs/heads/main', 'refs/heads/sandbox']);
    await expect(publish('--env', 'staging')).rejects.toThrow('--env "staging" is not an environment of apps.yaml; known environments: sandbox, prod');
  });

  it("GIVEN a dir per environment on one branch WHEN both are merged in turn THEN neither deletes the other's files", async () => {
    const { fx, cwd, publish, allHeads, parentOf } = await setup(dirPerEnv, { sandboxBranch: false });
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    const heads = await allHeads();
    for (const id of REPOS) {
      expect(await parentOf(id, 'refs/heads/joinkey/sync-staging')).toBe(heads[id]!['refs/heads/main']);
      expect(await parentOf(id, 'refs/heads/joinkey/sync-production')).toBe(heads[id]!['refs/heads/main']);
    }
    const staging = await fx.ls('tools', 'refs/heads/joinkey/sync-staging');
    expect(staging).toContain(`envs/staging/${OWNERSHIP_FILE}`);
    expect(staging.every((p) => p === 'README.md' || p.startsWith('envs/staging/'))).toBe(true);
    // merge staging's bot branch into main, then publish again: production's commit adds its own files only
    const human = await fx.humanClone('tools');
    await human.git.raw(['merge', '--quiet', '--ff-only', 'origin/joinkey/sync-staging']);
    await human.git.raw(['push', '--quiet', 'origin', 'main']);
    const again = await publish();
    expect(again.code, again.out + again.err).toBe(0);
    const production = await fx.ls('tools', 'refs/heads/joinkey/sync-production');
    expect(production).toEqual(expect.arrayContaining(staging));
    expect(production).toContain(`envs/production/${OWNERSHIP_FILE}`);
    expect(again.out).toMatch(
      /tools: main -> joinkey\/sync-production[^\n]*\n {2}pushed [^\n]*\n {2}live effects: \d+ create\n {2}files: 7 added, 0 changed, 0 deleted/,
    );
    expect(again.out).toMatch(/tools\s+main already holds the generated files, nothing pushed/);
    // a change after the merge rewrites staging's own ownership list below its dir, which joinkey owns
    writeFileSync(join(cwd, 'apps.yaml'), dirPerEnv(fx).replace('apps:\n', `apps:\n  crowdsec: ${TEST_APPS.crowdsec}\n`));
    const changed = await publish();
    expect(changed.code, changed.out + changed.err).toBe(0);
    expect(changed.out).toMatch(
      /tools: main -> joinkey\/sync-staging[^\n]*\n {2}pushed[^\n]*\n {2}live effects: \d+ create\n {2}files: \d+ added, 2 changed, 0 deleted/,
    );
    expect(await fx.ls('tools', 'refs/heads/joinkey/sync-staging')).toContain('envs/staging/crowdsec/iac/backend.gen.tf');
  });
});
