import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run as diff } from '../src/commands/diff';
import { run } from '../src/commands/publish';
import { BOT_IDENTITY, BOT_TRAILER } from '../src/publish/git';
import { OWNERSHIP_FILE } from '../src/render/files';
import { captureIo, makeFixture, testAppsYaml, type Fixture, type TestApp } from './support/git-fixture';

/**
 * publish against real bare repos: real clone, fetch, commit and push through simple-git, no
 * mocks. Every scenario runs `joinkey publish --no-pr` (the Gitea side is in gitea.test.ts).
 */

const REPOS = ['tools', 'factory', 'cms'];
const BOT = 'joinkey/sync';

type AppName = TestApp;
const appsYaml = (fx: Fixture, apps: readonly AppName[]) => testAppsYaml(fx, REPOS, apps);

let template: Fixture | undefined;
let fx: Fixture | undefined;
beforeAll(async () => {
  template = await makeFixture(REPOS);
});
afterAll(() => template?.cleanup());
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

async function setup(apps: readonly AppName[] = ['webapp', 'cms', 'plausible']) {
  fx = await makeFixture(REPOS, template);
  const cwd = join(fx.root, 'work');
  mkdirSync(cwd, { recursive: true });
  const config = (a: readonly AppName[]) => writeFileSync(join(cwd, 'apps.yaml'), appsYaml(fx!, a));
  config(apps);
  const publish = async (...extra: string[]) => {
    const io = captureIo(cwd, { ...fx!.env, GITEA_TOKEN: undefined });
    const code = await run(['--no-pr', ...extra], io);
    return { code, out: io.out(), err: io.err() };
  };
  const allHeads = async () => Object.fromEntries(await Promise.all(REPOS.map(async (id) => [id, await fx!.heads(id)] as const)));
  return { fx, cwd, config, publish, allHeads };
}

/** The bot branch is main plus exactly one commit by the bot. */
async function expectOneBotCommit(f: Fixture, id: string) {
  const heads = await f.heads(id);
  const g = f.git(f.bare(id));
  const parent = (await g.raw(['rev-parse', `${heads[`refs/heads/${BOT}`]}^`])).trim();
  expect(parent).toBe(heads['refs/heads/main']);
  const raw = await g.raw(['log', '-1', '--format=%an <%ae>%n%B', `refs/heads/${BOT}`]);
  expect(raw).toContain(`${BOT_IDENTITY.name} <${BOT_IDENTITY.email}>`);
  expect(raw).toContain(BOT_TRAILER);
  return raw;
}

describe('joinkey publish on real git', () => {
  it('GIVEN fresh repos WHEN publishing THEN each repo gets main + one bot commit with the generated files, factory first', async () => {
    const { fx, publish } = await setup();
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    for (const id of REPOS) {
      const msg = await expectOneBotCommit(fx, id);
      expect(msg).toContain('apps.yaml uncommitted');
      expect(await fx.show(id, `refs/heads/${BOT}`, 'README.md')).toBe(`# ${id}\nhand-written\n`);
      const owned = Object.keys(JSON.parse((await fx.show(id, `refs/heads/${BOT}`, OWNERSHIP_FILE))!).files as Record<string, string>);
      const tree = await fx.ls(id, `refs/heads/${BOT}`);
      expect(tree.sort()).toEqual(['README.md', OWNERSHIP_FILE, ...owned].sort());
    }
    expect(await fx.ls('tools', `refs/heads/${BOT}`)).toContain('plausible/iac/app_roles.gen.tf');
    expect(await fx.ls('factory', `refs/heads/${BOT}`)).toContain('postgres/iac/databases.gen.auto.tfvars');
    expect(await fx.ls('cms', `refs/heads/${BOT}`)).toContain('chart/templates/vso.gen.yaml');
    // Only the bot branch is pushed; main is untouched.
    expect(Object.keys(await fx.heads('tools')).sort()).toEqual(['refs/heads/joinkey/sync', 'refs/heads/main']);
    // Dependency order: factory before the others.
    expect(r.err.indexOf('factory:')).toBeLessThan(r.err.indexOf('cms:'));
    expect(r.err.indexOf('factory:')).toBeLessThan(r.err.indexOf('tools:'));
    expect(r.out).toMatch(/Pushed: factory, cms, tools\./);
    expect(existsSync(join(fx.root, 'work', '.joinkey-cache', 'tools', '.git'))).toBe(true);
  });

  it('GIVEN a published state WHEN publishing the same input again THEN no commit and no push', async () => {
    const { publish, allHeads } = await setup();
    expect((await publish()).code).toBe(0);
    const before = await allHeads();
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(await allHeads()).toEqual(before);
    expect(r.out).toContain('Pushed: none.');
    for (const id of REPOS) expect(r.out).toMatch(new RegExp(`\\n  ${id}\\s+joinkey/sync already up to date, nothing pushed`));
  });

  it('GIVEN a published state WHEN apps.yaml changes THEN the same branch is rebuilt as main + one new commit', async () => {
    const { fx, publish, config } = await setup();
    expect((await publish()).code).toBe(0);
    const first = (await fx.heads('tools'))[`refs/heads/${BOT}`];
    config(['webapp', 'cms', 'plausible', 'crowdsec']);
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    const second = (await fx.heads('tools'))[`refs/heads/${BOT}`];
    expect(second).not.toBe(first);
    const msg = await expectOneBotCommit(fx, 'tools');
    expect(msg).toMatch(/Apps changed: .*crowdsec/);
    expect(await fx.ls('tools', `refs/heads/${BOT}`)).toContain('crowdsec/iac/app_roles.gen.tf');
    // cms did not change: its branch stays.
    expect(r.out).toMatch(/cms\s+joinkey\/sync already up to date/);
  });

  it('GIVEN a merged bot branch WHEN an app is removed THEN its owned files are deleted and nothing else is touched', async () => {
    const { fx, publish, config } = await setup(['webapp', 'cms', 'plausible', 'crowdsec']);
    expect((await publish()).code).toBe(0);
    // Merge the PR: main fast-forwards to the bot branch; a human adds a file next to generated ones.
    const human = await fx.humanClone('tools');
    await human.git.raw(['merge', '--quiet', '--ff-only', `origin/${BOT}`]);
    writeFileSync(join(human.dir, 'crowdsec', 'iac', 'main.tf'), '# hand-written\n');
    await human.git.add('.').then(() => human.git.commit('hand-written main.tf'));
    await human.git.raw(['push', '--quiet', 'origin', 'main']);

    config(['webapp', 'cms', 'plausible']);
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    await expectOneBotCommit(fx, 'tools');
    const tree = await fx.ls('tools', `refs/heads/${BOT}`);
    expect(tree.filter((p) => p.startsWith('crowdsec/'))).toEqual(['crowdsec/iac/main.tf']);
    expect(tree).toContain('README.md');
    expect(tree).toContain('plausible/iac/app_roles.gen.tf');
    expect(r.out).toContain('delete  crowdsec/iac/app_roles.gen.tf');
    const owned = Object.keys(JSON.parse((await fx.show('tools', `refs/heads/${BOT}`, OWNERSHIP_FILE))!).files as Record<string, string>);
    expect(owned.some((p) => p.startsWith('crowdsec/'))).toBe(false);
    expect(owned).toContain('plausible/iac/app_roles.gen.tf');
  });

  it('GIVEN an open bot branch WHEN apps.yaml goes back to what main holds THEN the stale bot branch is deleted, not kept as an empty proposal', async () => {
    // Found by test/properties/publish-no-data-lost.test.ts: the stale branch used to be left as it was.
    const { fx, publish, config } = await setup();
    expect((await publish()).code).toBe(0);
    const human = await fx.humanClone('tools');
    await human.git.raw(['merge', '--quiet', '--ff-only', `origin/${BOT}`]);
    await human.git.raw(['push', '--quiet', 'origin', 'main']);
    config(['webapp', 'cms', 'plausible', 'crowdsec']);
    expect((await publish()).code).toBe(0);
    expect(await fx.ls('tools', `refs/heads/${BOT}`)).toContain('crowdsec/iac/app_roles.gen.tf');

    config(['webapp', 'cms', 'plausible']);
    const open = await fx.heads('tools');
    const dry = await publish('--dry-run');
    expect(dry.code, dry.out + dry.err).toBe(0);
    expect(dry.out).toMatch(/main already holds the generated files, nothing pushed; the stale joinkey\/sync would be deleted/);
    expect(await fx.heads('tools')).toEqual(open);
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(Object.keys(await fx.heads('tools'))).toEqual(['refs/heads/main']);
    expect(r.out).toMatch(/tools\s+main already holds the generated files, nothing pushed; the stale joinkey\/sync was deleted/);
    const heads = await fx.heads('tools');
    expect((await publish()).code).toBe(0);
    expect(await fx.heads('tools')).toEqual(heads);
  });

  it('GIVEN a hand-written file at a generated path WHEN publishing THEN that repo is refused, named, and its branch untouched', async () => {
    const { fx, publish } = await setup();
    const human = await fx.humanClone('tools');
    mkdirSync(join(human.dir, 'plausible', 'iac'), { recursive: true });
    writeFileSync(join(human.dir, 'plausible', 'iac', 'backend.gen.tf'), 'terraform { backend "local" {} }\n');
    await human.git.add('.').then(() => human.git.commit('hand-written backend'));
    await human.git.raw(['push', '--quiet', 'origin', 'main']);
    const before = await fx.heads('tools');

    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.out).toContain('conflict: plausible/iac/backend.gen.tf exists in the base branch and was not written by joinkey');
    expect(r.out).toMatch(/tools\s+REFUSED/);
    expect(await fx.heads('tools')).toEqual(before);
    expect(await fx.show('tools', 'refs/heads/main', 'plausible/iac/backend.gen.tf')).toBe('terraform { backend "local" {} }\n');
    // The other repos are still published, and the report says exactly which.
    expect(r.out).toContain('Pushed: factory, cms.');
  });

  it('GIVEN a human commit on the bot branch WHEN publishing THEN the run stops for that repo and keeps the commit', async () => {
    const { fx, publish, config } = await setup();
    expect((await publish()).code).toBe(0);
    const human = await fx.humanClone('tools');
    await human.git.raw(['checkout', '--quiet', '-b', 'work', `origin/${BOT}`]);
    writeFileSync(join(human.dir, 'NOTES.md'), 'mine\n');
    await human.git.add('.').then(() => human.git.commit('human fix on the bot branch'));
    await human.git.raw(['push', '--quiet', 'origin', `work:${BOT}`]);
    const before = await fx.heads('tools');

    config(['webapp', 'cms', 'plausible', 'crowdsec']);
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/tools\s+STOPPED/);
    expect(r.out).toContain(`branch ${BOT} has commits not made by joinkey`);
    expect(r.out).toContain(`author ${'human@example.org'}`);
    expect(await fx.heads('tools')).toEqual(before);
  });

  it('GIVEN fresh repos WHEN publishing with --dry-run THEN the plan is printed and nothing is written anywhere', async () => {
    const { fx, cwd, publish, allHeads } = await setup();
    const before = await allHeads();
    const r = await publish('--dry-run');
    expect(r.code, r.out + r.err).toBe(0);
    expect(await allHeads()).toEqual(before);
    expect(existsSync(join(cwd, '.joinkey-cache'))).toBe(false);
    expect(r.out).toContain('tools: main -> joinkey/sync');
    expect(r.out).toContain('add     plausible/iac/app_roles.gen.tf');
    expect(r.out).toContain('would push one commit to joinkey/sync');
    expect(r.out).toContain('Dry run: nothing was written, pushed or opened.');
    void fx;
  });

  it('GIVEN fresh repos WHEN running joinkey diff THEN it prints uncoloured unified diffs per repo and a summary table, pushing nothing', async () => {
    const { cwd, allHeads } = await setup();
    const before = await allHeads();
    const io = captureIo(cwd, fx!.env);
    const code = await diff([], io);
    expect(code, io.out() + io.err()).toBe(0);
    expect(io.out()).toContain('--- /dev/null\n+++ b/plausible/iac/app_roles.gen.tf\n@@ -0,0 +1,');
    expect(io.out()).not.toContain('\x1b[');
    expect(io.out()).toMatch(/REPO\s+ADDED\s+CHANGED\s+DELETED\s+UNCHANGED\s+CONFLICTS\s+LIVE-CONFLICTS\nfactory\s+2\s+0\s+0\s+0\s+0\s+0\n/);
    expect(io.out()).not.toContain('=== Conflicts');
    expect(await allHeads()).toEqual(before);
  });

  it('GIVEN --repos WHEN publishing THEN only those repos are touched', async () => {
    const { fx, publish, allHeads } = await setup();
    const before = await allHeads();
    const r = await publish('--repos', 'cms');
    expect(r.code, r.out + r.err).toBe(0);
    const after = await allHeads();
    expect(after.tools).toEqual(before.tools);
    expect(after.factory).toEqual(before.factory);
    expect(after.cms[`refs/heads/${BOT}`]).toBeDefined();
    void fx;
  });
});
