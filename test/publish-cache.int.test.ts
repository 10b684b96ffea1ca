import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { loadModel } from '../src/model';
import { publish } from '../src/publish';
import { CACHE_MARKER, gitEnvironment, gitFactory } from '../src/publish/git';
import { withOwnershipFile } from '../src/publish/plan';
import { renderFiles } from '../src/render';
import { treeFromFiles } from '../src/render/files';
import { makeRedactor } from '../src/util/redact';
import { captureIo, freshFixtures, testAppsYaml, type TestApp } from './support/git-fixture';

/**
 * 13.4: joinkey writes only to a cache it created and marked (.joinkey-cache in the root and in
 * each clone's .git); a --cache-dir holding anything else is refused untouched. 13.6: runs that
 * share a cache clone take its lock one after the other, so each pushes its own tree.
 */

const REPOS = ['tools', 'factory'];
const BOT = 'joinkey/sync';

const freshFixture = freshFixtures(REPOS);

async function setup(apps: readonly TestApp[] = ['webapp', 'plausible']) {
  const f = await freshFixture();
  const cwd = join(f.root, 'work');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'apps.yaml'), testAppsYaml(f, REPOS, apps));
  const cli = async (...args: string[]) => {
    const io = captureIo(cwd, { ...f.env });
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err() };
  };
  return { f, cwd, cli };
}

/** Every file below dir (its .git included) -> sha256 of its bytes, or the target of a symlink. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(p);
      else if (d.isSymbolicLink())
        out[p] = `-> ${execFileSync('readlink', [join(dir, p)])
          .toString()
          .trim()}`;
      else
        out[p] =
          createHash('sha256')
            .update(readFileSync(join(dir, p)))
            .digest('hex') + ` ${statSync(join(dir, p)).mtimeMs}`;
    }
  };
  walk('');
  return out;
}

describe('--cache-dir: only a cache joinkey created', () => {
  it("GIVEN a user's working clone as --cache-dir WHEN publishing or diffing THEN it is refused and nothing in it changes", async () => {
    const { f, cli } = await setup();
    const clone = await f.humanClone('tools');
    writeFileSync(join(clone.dir, 'work-in-progress.txt'), 'not committed\n');
    await clone.git.add('work-in-progress.txt');
    const before = snapshot(clone.dir);
    for (const command of ['publish', 'diff']) {
      const r = await cli(command, ...(command === 'publish' ? ['--no-pr'] : []), '--cache-dir', clone.dir);
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.err).toContain(
        `--cache-dir ${clone.dir} is not a cache joinkey created (no ${CACHE_MARKER} marker in it) and is not empty; joinkey will not change its files, git index or origin`,
      );
    }
    expect(snapshot(clone.dir)).toEqual(before);
    expect((await clone.git.raw(['remote', 'get-url', 'origin'])).trim()).toBe(f.bare('tools'));
    expect(Object.keys(await f.heads('tools'))).toEqual(['refs/heads/main']);
  });

  it.each([
    [
      'a non-empty random dir',
      (d: string) => {
        mkdirSync(d);
        writeFileSync(join(d, 'notes.txt'), 'mine\n');
      },
    ],
    [
      'a dir holding only an empty subdir',
      (d: string) => {
        mkdirSync(join(d, 'photos'), { recursive: true });
      },
    ],
    [
      'a dir whose marker has other content',
      (d: string) => {
        mkdirSync(d);
        writeFileSync(join(d, CACHE_MARKER), 'forged\n');
      },
    ],
    [
      'a dir whose marker is a directory',
      (d: string) => {
        mkdirSync(join(d, CACHE_MARKER), { recursive: true });
      },
    ],
  ])('GIVEN %s as --cache-dir WHEN publishing THEN it is refused untouched', async (_what, make) => {
    const { f, cli } = await setup();
    const dir = join(f.root, 'mine');
    make(dir);
    const before = snapshot(dir);
    const r = await cli('publish', '--no-pr', '--cache-dir', dir);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.err).toContain(`--cache-dir ${dir} is not a cache joinkey created`);
    expect(snapshot(dir)).toEqual(before);
  });

  it("GIVEN a dir holding a user's clone at <repo id> WHEN publishing THEN it is refused, and the clone untouched", async () => {
    const { f, cli } = await setup();
    const dir = join(f.root, 'caches');
    mkdirSync(dir);
    execFileSync('git', ['clone', '--quiet', f.bare('tools'), join(dir, 'tools')], { env: f.env });
    const before = snapshot(dir);
    const r = await cli('publish', '--no-pr', '--cache-dir', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--cache-dir ${dir} is not a cache joinkey created`);
    expect(snapshot(dir)).toEqual(before);
  });

  it("GIVEN a joinkey cache where a user's clone or a symlink took the place of a clone WHEN publishing THEN that repo fails untouched, the other is published", async () => {
    for (const replace of ['clone', 'symlink'] as const) {
      const { f, cwd, cli } = await setup();
      const cache = join(cwd, '.joinkey-cache');
      expect((await cli('publish', '--no-pr', '--repos', 'factory')).code).toBe(0);
      expect(readFileSync(join(cache, CACHE_MARKER), 'utf8')).toContain('joinkey');
      expect(existsSync(join(cache, 'factory', '.git', CACHE_MARKER))).toBe(true);
      const user = await f.humanClone('tools');
      if (replace === 'clone') execFileSync('git', ['clone', '--quiet', f.bare('tools'), join(cache, 'tools')], { env: f.env });
      else symlinkSync(user.dir, join(cache, 'tools'));
      const before = snapshot(user.dir);
      const r = await cli('publish', '--no-pr');
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.out).toMatch(/tools\s+FAILED/);
      expect(r.out).toContain(
        replace === 'clone'
          ? `the cache clone ${join(cache, 'tools')} is not a cache joinkey created (no ${CACHE_MARKER} marker in it) and is not empty`
          : `the cache clone ${join(cache, 'tools')} is a symbolic link`,
      );
      expect(snapshot(user.dir)).toEqual(before);
      expect(Object.keys(await f.heads('tools'))).toEqual(['refs/heads/main']);
    }
  });

  it('GIVEN a symlink as --cache-dir WHEN publishing THEN it is refused, even to an empty dir', async () => {
    const { f, cli } = await setup();
    const target = join(f.root, 'empty');
    mkdirSync(target);
    const link = join(f.root, 'link');
    symlinkSync(target, link);
    const r = await cli('publish', '--no-pr', '--cache-dir', link);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--cache-dir ${link} is a symbolic link`);
    expect(readdirSync(target)).toEqual([]);
  });

  it('GIVEN an empty or absent dir WHEN publishing twice THEN joinkey marks it and reuses it', async () => {
    const { f, cli } = await setup();
    for (const dir of [join(f.root, 'empty-cache'), join(f.root, 'new', 'cache')]) {
      if (dir.endsWith('empty-cache')) mkdirSync(dir);
      expect((await cli('publish', '--no-pr', '--cache-dir', dir)).code).toBe(0);
      expect(existsSync(join(dir, CACHE_MARKER))).toBe(true);
      expect(existsSync(join(dir, 'tools', '.git', CACHE_MARKER))).toBe(true);
      const again = await cli('publish', '--no-pr', '--cache-dir', dir);
      expect(again.code, again.out + again.err).toBe(0);
      expect(again.out).toContain('Pushed: none.');
    }
  });
});

describe('concurrent publishes on one cache', () => {
  it('GIVEN two publish() calls at once with different inputs WHEN both finish THEN each pushed commit holds exactly its own render', async () => {
    const { f, cwd } = await setup();
    const git = gitFactory(gitEnvironment(f.env));
    const cacheDir = join(cwd, '.joinkey-cache');
    const inputs: TestApp[][] = [['webapp', 'plausible'], ['webapp', 'plausible', 'crowdsec'], ['crowdsec']];
    const runs = inputs.map((apps) => {
      const { model } = loadModel('apps.yaml', testAppsYaml(f, REPOS, apps));
      const files = [...renderFiles(model)];
      return { tree: treeFromFiles(files), report: publish({ model, files, git, cacheDir, configCommit: apps.join('+'), redact: makeRedactor([]) }) };
    });
    const reports = await Promise.all(runs.map((r) => r.report));
    const bare = f.git(f.bare('tools'));
    for (const [i, report] of reports.entries()) {
      expect(report.ok, JSON.stringify(report.repos.map((r) => [r.repoId, r.status, r.reason]))).toBe(true);
      for (const result of report.repos) {
        expect(result.status).toBe('pushed');
        const id = result.repoId;
        const want = withOwnershipFile(id, runs[i]!.tree.get(id) ?? new Map());
        const g = f.git(f.bare(id));
        const paths = (await g.raw(['ls-tree', '-r', '--name-only', result.commit!])).trim().split('\n');
        expect(paths.sort()).toEqual(['README.md', ...want.keys()].sort());
        for (const [p, content] of want) expect(await g.raw(['show', `${result.commit}:${p}`]), `${id}:${p} of run ${i}`).toBe(content);
      }
    }
    // The branch ends at one of the three commits, as main + that one commit.
    const tip = (await f.heads('tools'))[`refs/heads/${BOT}`];
    expect(reports.map((r) => r.repos.find((x) => x.repoId === 'tools')!.commit)).toContain(tip);
    expect((await bare.raw(['rev-parse', `${tip}^`])).trim()).toBe((await f.heads('tools'))['refs/heads/main']);
  });

  it('GIVEN a lock left by a dead run, then one held by a live process WHEN publishing THEN the stale lock is taken over, the live one waited for', async () => {
    const { f, cwd, cli } = await setup();
    expect((await cli('publish', '--no-pr', '--repos', 'tools')).code).toBe(0);
    const lock = join(cwd, '.joinkey-cache', 'tools', '.git', 'joinkey.lock');
    const dead = spawnSync('true').pid;
    writeFileSync(lock, `${dead} ${hostname()}\n`);
    writeFileSync(join(cwd, 'apps.yaml'), testAppsYaml(f, REPOS, ['webapp', 'plausible', 'crowdsec']));
    const r = await cli('publish', '--no-pr', '--repos', 'tools');
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('Pushed: tools.');
    expect(existsSync(lock)).toBe(false);

    // Another host's lock cannot be checked by pid: stale only once older than any run may wait.
    writeFileSync(lock, '1 some-ci-runner\n');
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(lock, old, old);
    writeFileSync(join(cwd, 'apps.yaml'), testAppsYaml(f, REPOS, ['crowdsec']));
    const restored = await cli('publish', '--no-pr', '--repos', 'tools');
    expect(restored.code, restored.out + restored.err).toBe(0);
    expect(restored.out).toContain('Pushed: tools.');

    const holder = spawn('sleep', ['30']);
    writeFileSync(lock, `${holder.pid} ${hostname()}\n`);
    setTimeout(() => holder.kill(), 1500);
    writeFileSync(join(cwd, 'apps.yaml'), testAppsYaml(f, REPOS, ['webapp', 'plausible']));
    const started = Date.now();
    const waited = await cli('publish', '--no-pr', '--repos', 'tools');
    expect(waited.code, waited.out + waited.err).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(waited.err).toContain(`tools: waiting for another joinkey run using ${join(cwd, '.joinkey-cache', 'tools')} (${holder.pid} ${hostname()})`);
    expect(waited.out).toContain('Pushed: tools.');
  });
});
