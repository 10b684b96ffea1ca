import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/commands/publish';
import { OWNERSHIP_FILE } from '../src/render/files';
import { GiteaDouble } from './support/gitea-double';
import { captureIo, freshFixtures, testAppsYaml, type TestApp } from './support/git-fixture';
import { SwaggerChecker } from './support/swagger';

/**
 * What happens after a human merged the bot branch, decided from the base branch's tree:
 * 13.7 squash-merge and merge-without-delete (then main edited by hand), and 13.3 a generated
 * file edited by hand on main once the bot branch is gone. Real git, bare repos, the Gitea double.
 */

// the swagger subset of the Gitea double, committed as a derived extract (test/drift checks it against ../shared)
const SPEC = resolve(__dirname, '../schemas/gitea-pulls.json');
const TOKEN = 'jk-merge-token-4Hq8Vn1PzK';
const REPOS = ['tools', 'factory'];
const BOT = 'joinkey/sync';
const FILE = 'plausible/iac/app_roles.gen.tf';

const freshFixture = freshFixtures(REPOS);
let double: GiteaDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

async function setup(options: { gitea?: boolean } = {}) {
  const f = await freshFixture();
  if (options.gitea) {
    double = new GiteaDouble(new SwaggerChecker(SPEC), TOKEN);
    for (const id of REPOS) double.addRepo(`org/${id}`);
    await double.start();
  }
  const cwd = join(f.root, 'work');
  mkdirSync(cwd, { recursive: true });
  const config = (apps: readonly TestApp[]) =>
    writeFileSync(join(cwd, 'apps.yaml'), testAppsYaml(f, REPOS, apps, double ? [`gitea: { url: ${double.url} }`] : []));
  config(['webapp', 'plausible']);
  const publish = async () => {
    const io = captureIo(cwd, { ...f.env, GITEA_TOKEN: double ? TOKEN : undefined });
    const code = await run(['--repos', 'tools', ...(double ? [] : ['--no-pr'])], io);
    return { code, out: io.out(), err: io.err() };
  };
  const heads = async () => f.heads('tools');
  /** A human clone on main with the bot branch fetched; `sh` runs git there. */
  const human = async () => {
    const h = await f.humanClone('tools');
    const sh = async (...args: string[]) => (await h.git.raw(args)).trim();
    const commitAll = async (message: string) => {
      await sh('add', '-A');
      await sh('commit', '--quiet', '-m', message);
    };
    return { ...h, sh, commitAll, pushMain: () => sh('push', '--quiet', 'origin', 'main') };
  };
  return { f, cwd, config, publish, heads, human };
}

describe('after a squash-merge', () => {
  it('GIVEN the bot branch squash-merged into main (PR merged, branch left) WHEN publishing the same input THEN no-changes, no new PR, the stale branch deleted', async () => {
    const { publish, heads, human } = await setup({ gitea: true });
    expect((await publish()).code).toBe(0);
    const h = await human();
    await h.sh('merge', '--quiet', '--squash', `origin/${BOT}`);
    await h.sh('commit', '--quiet', '-m', 'Squashed joinkey sync (#1)');
    await h.pushMain();
    const pr = double!.repos.get('org/tools')!.pulls[0]!;
    Object.assign(pr, { state: 'closed', merged: true });
    const writes = double!.writes().length;

    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/tools\s+main already holds the generated files, nothing pushed; the stale joinkey\/sync was deleted/);
    expect(Object.keys(await heads())).toEqual(['refs/heads/main']);
    expect(double!.writes()).toHaveLength(writes);
    expect(double!.repos.get('org/tools')!.pulls).toHaveLength(1);

    const again = await publish();
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/tools\s+main already holds the generated files, nothing pushed\n/);
    expect(double!.writes()).toHaveLength(writes);
    expect(double!.violations).toEqual([]);
  });

  it('GIVEN a squash-merge done outside Gitea (its PR still open) WHEN publishing THEN that empty PR is closed through the API', async () => {
    const { publish, human } = await setup({ gitea: true });
    expect((await publish()).code).toBe(0);
    const h = await human();
    await h.sh('merge', '--quiet', '--squash', `origin/${BOT}`);
    await h.sh('commit', '--quiet', '-m', 'squash by hand');
    await h.pushMain();
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    const pr = double!.repos.get('org/tools')!.pulls[0]!;
    expect(pr.state).toBe('closed');
    const patch = double!.writes().find((w) => w.method === 'PATCH')!;
    expect(JSON.parse(patch.body)).toEqual({ state: 'closed' });
    expect(r.out).toContain('closed PR #1');
    expect(double!.violations).toEqual([]);
  });
});

describe('after a merge that left the bot branch in place', () => {
  it.each([
    [
      'a generated file deleted on main',
      (h: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['human']>>) => {
        rmSync(join(h.dir, FILE));
        return Promise.resolve();
      },
    ],
    [
      'the merge reverted on main',
      async (h: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['human']>>) => {
        await h.sh('revert', '--no-edit', '-m', '1', 'HEAD');
      },
    ],
  ])('GIVEN %s WHEN publishing the same input THEN the bot commit is rebuilt on the current main, not reported up to date', async (_what, drift) => {
    const { f, publish, heads, human } = await setup();
    expect((await publish()).code).toBe(0);
    const generated = await f.show('tools', `refs/heads/${BOT}`, FILE);
    expect(generated).toBeDefined();
    const h = await human();
    await h.sh('merge', '--quiet', '--no-ff', '-m', 'Merge joinkey/sync', `origin/${BOT}`);
    await h.pushMain();
    await drift(h);
    if ((await h.sh('status', '--porcelain')) !== '') await h.commitAll('hand edit on main');
    await h.pushMain();
    const main = (await heads())['refs/heads/main'];

    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).not.toContain('already up to date');
    expect(r.out).toMatch(/tools\s+pushed joinkey\/sync/);
    const bot = (await heads())[`refs/heads/${BOT}`]!;
    expect((await f.git(f.bare('tools')).raw(['rev-parse', `${bot}^`])).trim()).toBe(main);
    expect(await f.show('tools', main!, FILE)).toBeUndefined();
    expect(await f.show('tools', bot, FILE)).toBe(generated);
  });

  it('GIVEN an unrelated hand edit on main after the merge WHEN publishing THEN no-changes, and the merged branch is left alone', async () => {
    const { publish, heads, human } = await setup();
    expect((await publish()).code).toBe(0);
    const h = await human();
    await h.sh('merge', '--quiet', '--no-ff', '-m', 'Merge joinkey/sync', `origin/${BOT}`);
    writeFileSync(join(h.dir, 'NOTES.md'), 'mine\n');
    await h.commitAll('notes');
    await h.pushMain();
    const before = await heads();
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/tools\s+main already holds the generated files, nothing pushed\n/);
    expect(await heads()).toEqual(before);
  });
});

describe('13.3: a generated file edited by hand on main, the bot branch gone', () => {
  const EDITS: [string, (content: string) => string][] = [
    ['a value changed', (c) => c.replace(/"plausible/, '"plausible-edited')],
    ['the marker line removed', (c) => c.split('\n').slice(1).join('\n')],
    ['a line appended', (c) => `${c}# tuned by hand\n`],
    ['the marker line kept, the body replaced', (c) => `${c.split('\n')[0]}\nmodule "mine" {}\n`],
  ];
  it.each(EDITS)('GIVEN %s WHEN publishing the same input or a change THEN the repo is refused naming the file, and the edit stays', async (_what, edit) => {
    const { f, config, publish, heads, human } = await setup();
    expect((await publish()).code).toBe(0);
    const h = await human();
    await h.sh('merge', '--quiet', '--ff-only', `origin/${BOT}`);
    await h.pushMain();
    await h.sh('push', '--quiet', 'origin', `:${BOT}`);
    const edited = edit((await f.show('tools', 'refs/heads/main', FILE)) ?? '');
    writeFileSync(join(h.dir, FILE), edited);
    await h.commitAll('hand edit of a generated file');
    await h.pushMain();

    for (const apps of [
      ['webapp', 'plausible'],
      ['webapp', 'plausible', 'crowdsec'],
    ] as TestApp[][]) {
      config(apps);
      const r = await publish();
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.out).toMatch(/tools\s+REFUSED/);
      expect(r.out).toContain(
        `conflict: ${FILE} was written by joinkey but edited by hand since (its content or marker line differs from what ${OWNERSHIP_FILE} recorded); joinkey will not revert the edit. Move the edit into apps.yaml, then restore the generated file (npx joinkey synth) or delete it in the base branch`,
      );
      expect(Object.keys(await heads())).toEqual(['refs/heads/main']);
      expect(await f.show('tools', 'refs/heads/main', FILE)).toBe(edited);
    }
  });
});
