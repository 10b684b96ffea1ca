import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import { branchNameProblem } from '../src/model/names';
import { HEAD, load, located } from './helpers/check';
import { runCli, tempDir } from './support/cli-run';

// GIVEN branch names of every class git check-ref-format --branch knows WHEN joinkey judges them
// THEN it agrees with git itself (spawned here), except "@" alone, which git accepts as a branch
// but reads as HEAD in every revision, so joinkey refuses it.

const NAMES = [
  'main',
  'feature/x',
  'release/1.2',
  'ü',
  'a@b',
  '@a',
  'a@',
  'lock',
  'a{b',
  '#a',
  'a$b',
  'refs/heads/x',
  'a/b.c',
  'x'.repeat(200),
  '',
  '-',
  '-x',
  'HEAD',
  'a..b',
  'a..',
  '..a',
  'a/..',
  'a//b',
  'a/',
  '/a',
  'a.',
  '.a',
  'a/.b',
  '.lock',
  'a.lock',
  'a.lock/b',
  'x/y.lock',
  '@{x',
  'a@{b',
  'a b',
  'a\tb',
  'a\u007fb',
  'a\u0001b',
  'a~b',
  'a^b',
  'a:b',
  'a?b',
  'a*b',
  'a[b',
  'a\\b',
];

function gitAccepts(name: string): boolean | undefined {
  const r = spawnSync('git', ['check-ref-format', '--branch', name], { encoding: 'utf8', cwd: '/' });
  if (r.error) return undefined;
  return r.status === 0;
}

describe('branch-name: git check-ref-format --branch', () => {
  const git = gitAccepts('main') === undefined ? test.skip : test;
  git.each(NAMES)('GIVEN %j THEN joinkey agrees with git', (name) => {
    expect(branchNameProblem(name) === undefined).toBe(gitAccepts(name));
  });

  test('GIVEN "@" alone THEN it is refused, though git would create it', () => {
    expect(branchNameProblem('@')).toBe('"@" is reserved by git');
  });

  test('GIVEN repos.<id>.branch that git refuses WHEN checked THEN branch-name at the branch, with the reason', () => {
    const y = `${HEAD}\n  erp: { url: ssh://git@h/o/erp.git, branch: "a..b" }\n  web: { url: ssh://git@h/o/web.git, branch: "-x" }\napps:\n  x: {}\n`;
    expect(located(y, checkModel(load(y).model))).toEqual([
      '6:46 error branch-name: branch "a..b" is not a valid git branch name: it holds ".."; e.g. main',
      '7:46 error branch-name: branch "-x" is not a valid git branch name: it starts with "-", which git reads as an option; e.g. main',
    ]);
  });

  test('GIVEN branches git accepts beyond [A-Za-z0-9._/-] THEN no finding', () => {
    const y = `${HEAD}\n  erp: { url: ssh://git@h/o/erp.git, branch: "release@2026" }\napps:\n  x: {}\n`;
    expect(checkModel(load(y).model)).toEqual([]);
  });
});

describe('publish --branch uses the same rule', () => {
  test.each(['a..b', '-x', 'HEAD', 'x/y.lock', 'a b', 'a:b', '@'])('GIVEN --branch %j THEN exit 1 with the reason, before any git', async (bot) => {
    const dir = tempDir('branch');
    writeFileSync(join(dir, 'apps.yaml'), `${HEAD}\napps:\n  x: {}\n`);
    const r = await runCli(['publish', '--dry-run', `--branch=${bot}`, '--cache-dir', join(dir, 'cache')], dir);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `joinkey: --branch ${JSON.stringify(bot)} is not a valid git branch name: ${branchNameProblem(bot)}; e.g. joinkey/sync\n`,
    });
  });
});
