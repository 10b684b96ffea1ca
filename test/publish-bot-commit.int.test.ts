import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/commands/publish';
import { BOT_IDENTITY } from '../src/publish/git';
import { captureIo, freshFixtures, HUMAN, testAppsYaml, type TestApp } from './support/git-fixture';

/**
 * 13.2: joinkey recognises exactly the commit it pushed. Its bot commit is reproducible (fixed
 * identity, dated at the parent's commit time, unsigned), so any tip of the bot branch that is
 * not byte for byte what joinkey makes for that parent, tree and message is a human's work and
 * stops the repo, whoever the author is. The recognition needs no cache: it survives a lost one.
 */

const REPOS = ['tools', 'factory'];
const BOT = 'joinkey/sync';

const freshFixture = freshFixtures(REPOS);

async function setup() {
  const f = await freshFixture();
  const cwd = join(f.root, 'work');
  mkdirSync(cwd, { recursive: true });
  const config = (apps: readonly TestApp[]) => writeFileSync(join(cwd, 'apps.yaml'), testAppsYaml(f, REPOS, apps));
  config(['webapp', 'plausible']);
  const publish = async (...extra: string[]) => {
    const io = captureIo(cwd, { ...f.env, GITEA_TOKEN: undefined });
    const code = await run(['--no-pr', '--repos', 'tools', ...extra], io);
    return { code, out: io.out(), err: io.err() };
  };
  const botHead = async () => (await f.heads('tools'))[`refs/heads/${BOT}`];
  /** git in a human clone checked out on the bot branch, with extra env (committer identity, dates). */
  const human = async () => {
    const h = await f.humanClone('tools');
    const git = (args: string[], env: Record<string, string> = {}, input?: string) =>
      execFileSync('git', args, { cwd: h.dir, env: { ...f.env, ...env }, input, stdio: ['pipe', 'pipe', 'pipe'] })
        .toString('utf8')
        .trim();
    git(['checkout', '--quiet', '-B', 'work', `origin/${BOT}`]);
    const push = () => git(['push', '--quiet', '--force', 'origin', `work:${BOT}`]);
    return { dir: h.dir, git, push };
  };
  return { f, cwd, config, publish, botHead, human };
}

const AS_BOT = { GIT_COMMITTER_NAME: BOT_IDENTITY.name, GIT_COMMITTER_EMAIL: BOT_IDENTITY.email };

/** Ways a human rewrites or extends the bot commit; each returns after the push. */
const TAMPERING: [string, (h: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['human']>>) => void][] = [
  [
    'amend of the message (author kept)',
    (h) => {
      h.git(['commit', '--quiet', '--amend', '-m', 'joinkey: sync tools\n\nreworded\n\nGenerated-by: joinkey publish']);
      h.push();
    },
  ],
  [
    'amend of the content (author and message kept)',
    (h) => {
      writeFileSync(join(h.dir, 'plausible', 'iac', 'backend.gen.tf'), 'terraform {}\n');
      h.git(['commit', '--quiet', '--amend', '--no-edit', '-a']);
      h.push();
    },
  ],
  [
    'amend changing only the committer (author, tree and message kept)',
    (h) => {
      h.git(['commit', '--quiet', '--amend', '--no-edit']);
      h.push();
    },
  ],
  [
    'amend as the bot identity at another date (only the dates differ)',
    (h) => {
      h.git(['commit', '--quiet', '--amend', '--no-edit', '--date', '2030-01-01T00:00:00Z'], { ...AS_BOT, GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' });
      h.push();
    },
  ],
  [
    'a human commit on top',
    (h) => {
      writeFileSync(join(h.dir, 'NOTES.md'), 'mine\n');
      h.git(['add', 'NOTES.md']);
      h.git(['commit', '--quiet', '-m', 'notes']);
      h.push();
    },
  ],
  [
    'a commit on top that imitates the bot (author, committer and trailer)',
    (h) => {
      writeFileSync(join(h.dir, 'NOTES.md'), 'mine\n');
      h.git(['add', 'NOTES.md']);
      h.git(['commit', '--quiet', '--author', `${BOT_IDENTITY.name} <${BOT_IDENTITY.email}>`, '-m', 'joinkey: sync\n\nGenerated-by: joinkey publish'], AS_BOT);
      h.push();
    },
  ],
  [
    'a rebase onto a newer main',
    (h) => {
      h.git(['checkout', '--quiet', 'main']);
      writeFileSync(join(h.dir, 'CHANGELOG.md'), 'new on main\n');
      h.git(['add', 'CHANGELOG.md']);
      h.git(['commit', '--quiet', '-m', 'main moves on']);
      h.git(['push', '--quiet', 'origin', 'main']);
      h.git(['checkout', '--quiet', 'work']);
      h.git(['rebase', '--quiet', 'main']);
      h.push();
    },
  ],
  [
    'a re-signed commit (same tree, parent, identities, dates and message, plus a signature)',
    (h) => {
      const raw = h.git(['cat-file', 'commit', 'HEAD']);
      const blank = raw.indexOf('\n\n');
      const sig = 'gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEEexample\n -----END PGP SIGNATURE-----';
      const signed = `${raw.slice(0, blank)}\n${sig}${raw.slice(blank)}\n`;
      const sha = h.git(['hash-object', '-t', 'commit', '-w', '--stdin'], {}, signed);
      h.git(['reset', '--quiet', '--hard', sha]);
      h.push();
    },
  ],
];

describe('the bot branch tip must be exactly the commit joinkey made', () => {
  it.each(TAMPERING)('GIVEN %s WHEN publishing a change THEN the repo is stopped and the human work kept', async (_what, tamper) => {
    const { publish, botHead, human, config } = await setup();
    expect((await publish()).code).toBe(0);
    const ours = await botHead();
    tamper(await human());
    const theirs = await botHead();
    expect(theirs).not.toBe(ours);

    config(['webapp', 'plausible', 'crowdsec']);
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/tools\s+STOPPED/);
    expect(r.out).toContain(`branch ${BOT} has commits not made by joinkey`);
    expect(await botHead()).toBe(theirs);
    // Same input again: still stopped (nothing reverted silently).
    config(['webapp', 'plausible']);
    const again = await publish();
    expect(again.code).toBe(1);
    expect(await botHead()).toBe(theirs);
  });

  it('GIVEN an amend that keeps the author WHEN stopped THEN the reason says the tip is not the commit joinkey made and names the committer', async () => {
    const { publish, human, config } = await setup();
    expect((await publish()).code).toBe(0);
    const h = await human();
    h.git(['commit', '--quiet', '--amend', '--no-edit']);
    h.push();
    config(['webapp', 'plausible', 'crowdsec']);
    const r = await publish();
    expect(r.out).toContain(
      "carries joinkey's author but is not the commit joinkey made (it was amended, rebased, re-signed or re-committed; committer Hu Man)",
    );
    expect(HUMAN.name).toBe('Hu Man');
  });

  it('GIVEN a lost cache WHEN publishing the same input, then a change THEN the bot commit is still recognised: no push, then one new commit', async () => {
    const { f, cwd, publish, botHead, config } = await setup();
    expect((await publish()).code).toBe(0);
    const first = await botHead();
    rmSync(join(cwd, '.joinkey-cache'), { recursive: true, force: true });
    const same = await publish();
    expect(same.code, same.out + same.err).toBe(0);
    expect(same.out).toMatch(/tools\s+joinkey\/sync already up to date, nothing pushed/);
    expect(await botHead()).toBe(first);

    rmSync(join(cwd, '.joinkey-cache'), { recursive: true, force: true });
    config(['webapp', 'plausible', 'crowdsec']);
    const changed = await publish();
    expect(changed.code, changed.out + changed.err).toBe(0);
    const second = await botHead();
    expect(second).not.toBe(first);
    const main = (await f.heads('tools'))['refs/heads/main'];
    expect((await f.git(f.bare('tools')).raw(['rev-parse', `${second}^`])).trim()).toBe(main);
  });

  it('GIVEN the same parent, tree and message WHEN joinkey commits twice THEN it makes the same commit, dated at the parent, unsigned', async () => {
    const { f, cwd, publish, botHead } = await setup();
    expect((await publish()).code).toBe(0);
    const first = await botHead();
    // Delete the branch and the cache: a fresh run must rebuild the byte-identical commit.
    await f.git(f.bare('tools')).raw(['update-ref', '-d', `refs/heads/${BOT}`]);
    rmSync(join(cwd, '.joinkey-cache'), { recursive: true, force: true });
    expect((await publish()).code).toBe(0);
    expect(await botHead()).toBe(first);
    const raw = await f.git(f.bare('tools')).raw(['cat-file', 'commit', first!]);
    const mainTime = (await f.git(f.bare('tools')).raw(['log', '-1', '--format=%ct', 'main'])).trim();
    expect(raw).toContain(
      `\nauthor ${BOT_IDENTITY.name} <${BOT_IDENTITY.email}> ${mainTime} +0000\ncommitter ${BOT_IDENTITY.name} <${BOT_IDENTITY.email}> ${mainTime} +0000\n`,
    );
    expect(raw).not.toContain('gpgsig');
  });
});
