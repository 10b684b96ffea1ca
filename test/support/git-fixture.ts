import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { CliIo } from '../../src/cli';

/** Real bare repos in a temp dir, seeded with a README on main, plus helpers to look inside them. */

export const HUMAN = { name: 'Hu Man', email: 'human@example.org' };

/** A git env that ignores the machine's global and system config. */
export function isolatedEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig-none'),
  };
}

export interface Fixture {
  readonly root: string;
  readonly home: string;
  readonly env: Record<string, string>;
  /** Absolute path of the bare repo of a repo id. */
  bare(id: string): string;
  git(dir: string): SimpleGit;
  /** A human clone of a bare repo, for pushing hand-made commits. */
  humanClone(id: string): Promise<{ dir: string; git: SimpleGit }>;
  /** refs/heads/* of a bare repo -> sha. */
  heads(id: string): Promise<Record<string, string>>;
  /** A file at a ref of a bare repo, or undefined. */
  show(id: string, ref: string, path: string): Promise<string | undefined>;
  /** Paths at a ref of a bare repo. */
  ls(id: string, ref: string): Promise<string[]>;
  cleanup(): void;
}

/**
 * Fresh bare repos under a new temp root. With `template` (a root made earlier by makeFixture
 * with the same ids), its seeded remotes are copied instead of re-created, which is faster.
 */
export async function makeFixture(ids: readonly string[], template?: Fixture): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'joinkey-publish-'));
  if (template) cpSync(join(template.root, 'remotes'), join(root, 'remotes'), { recursive: true });
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.gitconfig-none'), '');
  const env = isolatedEnv(home);
  const git = (dir: string) => simpleGit({ baseDir: dir, unsafe: { allowUnsafeConfigPaths: true } }).env(env);
  const bare = (id: string) => join(root, 'remotes', 'org', `${id}.git`);
  let clones = 0;
  const humanClone = async (id: string) => {
    const dir = join(root, 'humans', `${id}-${clones++}`);
    mkdirSync(dirname(dir), { recursive: true });
    await git(root).raw(['clone', '--quiet', bare(id), dir]);
    const g = git(dir);
    await g.addConfig('user.name', HUMAN.name).addConfig('user.email', HUMAN.email).addConfig('commit.gpgsign', 'false');
    return { dir, git: g };
  };
  for (const id of template ? [] : ids) {
    mkdirSync(bare(id), { recursive: true });
    await git(bare(id)).raw(['init', '--quiet', '--bare', '--initial-branch=main']);
    const seed = join(root, 'seed', id);
    mkdirSync(seed, { recursive: true });
    const g = git(seed);
    await g.raw(['init', '--quiet', '--initial-branch=main']);
    await g.addConfig('user.name', HUMAN.name).addConfig('user.email', HUMAN.email).addConfig('commit.gpgsign', 'false');
    writeFileSync(join(seed, 'README.md'), `# ${id}\nhand-written\n`);
    await g.add('README.md');
    await g.commit('initial');
    await g.raw(['push', '--quiet', bare(id), 'main:main']);
  }
  const heads = async (id: string) => {
    const out = await git(bare(id)).raw(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads']);
    return Object.fromEntries(
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  };
  const show = async (id: string, ref: string, path: string) => {
    try {
      return await git(bare(id)).raw(['show', `${ref}:${path}`]);
    } catch {
      return undefined;
    }
  };
  const ls = async (id: string, ref: string) => (await git(bare(id)).raw(['ls-tree', '-r', '--name-only', ref])).trim().split('\n').filter(Boolean);
  return { root, home, env, bare, git, humanClone, heads, show, ls, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * For a test file: seeds the bare repos of `ids` once (beforeAll) and returns a function that
 * gives each test a fresh copy of them, removed after the test (afterEach).
 */
export function freshFixtures(ids: readonly string[]): () => Promise<Fixture> {
  let template: Fixture | undefined;
  const made: Fixture[] = [];
  beforeAll(async () => {
    template = await makeFixture(ids);
  });
  afterAll(() => template?.cleanup());
  afterEach(() => {
    for (const f of made.splice(0)) f.cleanup();
  });
  return async () => {
    const f = await makeFixture(ids, template);
    made.push(f);
    return f;
  };
}

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(cwd: string, env: Record<string, string | undefined>): CapturedIo {
  let out = '';
  let err = '';
  return {
    cwd,
    env,
    stdout: {
      write: (s: string) => {
        out += s;
        return true;
      },
      isTTY: false,
    },
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
      isTTY: false,
    },
    out: () => out,
    err: () => err,
  };
}

/** The apps of the publish integration tests, by name: their apps.yaml entries. */
export const TEST_APPS = {
  webapp: '{}',
  cms: '{ repo: cms, manifests: chart/templates, iac: iac, database: false, secrets: { cloudflared: { serviceAccount: cloudflared } }, serviceAccounts: [cloudflared] }',
  plausible:
    '{ repo: tools, namespace: tools, manifests: plausible/resources, iac: plausible/iac, database: { restart: [Deployment/plausible], urlEnv: DATABASE_URL }, secrets: { config: { generate: [SECRET_KEY_BASE] } } }',
  crowdsec: '{ repo: tools, namespace: tools, manifests: crowdsec/templates, iac: crowdsec/iac, database: { restart: [Deployment/crowdsec-lapi] } }',
} as const;
export type TestApp = keyof typeof TEST_APPS;

/** apps.yaml for the fixture's bare repos (tools holds vault, factory postgres), with `extra` top-level lines. */
export function testAppsYaml(fx: Fixture, repos: readonly string[], apps: readonly TestApp[], extra: readonly string[] = []): string {
  return [
    'version: 1',
    ...extra,
    'repos:',
    ...repos.map((id) => `  ${id}: { url: ${fx.bare(id)}, branch: main }`),
    'central:',
    '  vault: { repo: tools, dir: hashicorp-vault/iac }',
    '  postgres: { repo: factory, dir: postgres/iac }',
    'apps:',
    ...apps.map((a) => `  ${a}: ${TEST_APPS[a]}`),
    '',
  ].join('\n');
}
