import { describe, expect, test } from 'vitest';
import { OWNERSHIP_FILE, ownEnvironmentFiles } from '../src/ownership';

/** A dir per environment: the live reads of one environment leave out the dirs of the others. */
describe('ownEnvironmentFiles', () => {
  const repo = new Map<string, string>([
    ['README.md', 'x'],
    [OWNERSHIP_FILE, 'root list'],
    ['shared/main.tf', 'x'],
    [`envs/staging/${OWNERSHIP_FILE}`, 'l'],
    ['envs/staging/plausible/iac/secrets.gen.tf', 'x'],
    ['envs/staging/plausible/iac/main.tf', 'hand-written, staging'],
    [`envs/production/${OWNERSHIP_FILE}`, 'l'],
    ['envs/production/plausible/iac/secrets.gen.tf', 'x'],
    ['envs/staging-old/main.tf', 'not below envs/staging/'],
  ]);

  test.each([
    [
      'envs/production',
      [
        'README.md',
        OWNERSHIP_FILE,
        'shared/main.tf',
        `envs/production/${OWNERSHIP_FILE}`,
        'envs/production/plausible/iac/secrets.gen.tf',
        'envs/staging-old/main.tf',
      ],
    ],
    [
      'envs/staging',
      [
        'README.md',
        OWNERSHIP_FILE,
        'shared/main.tf',
        `envs/staging/${OWNERSHIP_FILE}`,
        'envs/staging/plausible/iac/secrets.gen.tf',
        'envs/staging/plausible/iac/main.tf',
        'envs/staging-old/main.tf',
      ],
    ],
  ])('GIVEN the environment at %s THEN the other environment dir is left out, hand-written files in it too', (own, kept) => {
    expect([...ownEnvironmentFiles(repo, own).keys()].sort()).toEqual([...kept].sort());
  });

  test('GIVEN no environment path (a branch per environment) THEN a dir with its own list is left out, the repo root list is not', () => {
    expect([...ownEnvironmentFiles(repo, undefined).keys()].sort()).toEqual(['README.md', OWNERSHIP_FILE, 'envs/staging-old/main.tf', 'shared/main.tf'].sort());
  });

  test('GIVEN an environment below a dir with a list of its own THEN that ancestor is not foreign', () => {
    const nested = new Map([
      [`envs/${OWNERSHIP_FILE}`, 'l'],
      [`envs/prod/${OWNERSHIP_FILE}`, 'l'],
      ['envs/prod/a.tf', 'x'],
      ['envs/b.tf', 'x'],
    ]);
    expect([...ownEnvironmentFiles(nested, 'envs/prod').keys()].sort()).toEqual([
      `envs/${OWNERSHIP_FILE}`,
      'envs/b.tf',
      `envs/prod/${OWNERSHIP_FILE}`,
      'envs/prod/a.tf',
    ]);
  });

  test('GIVEN a repo without nested lists THEN the same map comes back', () => {
    const plain = new Map([
      ['a.tf', 'x'],
      [OWNERSHIP_FILE, 'l'],
    ]);
    expect(ownEnvironmentFiles(plain, undefined)).toBe(plain);
  });
});
