import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { originUrl } from '../src/commands/adopt';
import { loadModel } from '../src/model';
import { runCli, tempDir } from './support/cli-run';
import { PLATFORM_FIXTURE } from './support/platform';

/** `joinkey adopt` as a user runs it: findings at FILE:LINE:COL, exit codes, and never a file written over or half-written. */

let work: string;
beforeAll(() => {
  work = tempDir('adopt-cli');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const FINDING = /^(\S+):(\d+):(\d+): warning: (adopt-review|adopt-unmapped|adopt-kept): \S/;

describe('GIVEN the guidebook platform as checkouts', () => {
  test('WHEN adopt --out writes a new file THEN it is the apps.yaml that loads, and every finding is FILE:LINE:COL in the checkouts', async () => {
    const r = await runCli(['adopt', '--repos-dir', PLATFORM_FIXTURE, '--out', 'apps.yaml'], work);
    expect(r.code, r.stderr).toBe(0);
    const text = fs.readFileSync(path.join(work, 'apps.yaml'), 'utf8');
    expect(loadModel('apps.yaml', text).model.apps.map((a) => a.name)).toEqual(['cms', 'crowdsec', 'erp', 'plausible', 'webapp']);
    const lines = r.stderr.trimEnd().split('\n');
    const findings = lines.slice(0, -1);
    expect(findings.length).toBeGreaterThan(5);
    for (const l of findings) {
      const m = FINDING.exec(l);
      expect(m, l).not.toBeNull();
      const source = fs.readFileSync(m![1]!, 'utf8').split('\n');
      expect(source.length, l).toBeGreaterThanOrEqual(Number(m![2]));
    }
    expect(lines.at(-1)).toMatch(/^joinkey adopt: wrote apps\.yaml; 25 hand-written declarations it renders instead, 5 to review, 0 unmapped, 6 kept$/);
    expect(fs.readdirSync(work)).toEqual(['apps.yaml']);
  });

  test('WHEN --out names an existing file THEN adopt refuses, exit 1, and the file is untouched', async () => {
    const file = path.join(work, 'mine.yaml');
    fs.writeFileSync(file, 'my own apps.yaml\n');
    const r = await runCli(['adopt', '--repos-dir', PLATFORM_FIXTURE, '--out', 'mine.yaml'], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('joinkey: mine.yaml exists; adopt never writes over a file: pass --out with a new path\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('my own apps.yaml\n');
  });

  test('WHEN no --out THEN the apps.yaml goes to stdout and nothing is written', async () => {
    const before = fs.readdirSync(work).sort();
    const r = await runCli(['adopt', '--repos-dir', PLATFORM_FIXTURE], work);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(path.join(work, 'apps.yaml'), 'utf8').replace(/url: \S+ \}/g, (u) => u));
    expect(fs.readdirSync(work).sort()).toEqual(before);
  });
});

describe('GIVEN repos adopt cannot take over', () => {
  test.each([
    ['a missing dir', ['adopt', '--repos-dir', 'nowhere'], /^joinkey: cannot read --repos-dir nowhere: /],
    ['a dir without checkouts', ['adopt', '--repos-dir', '.'], /^joinkey: --repos-dir \. holds no repo checkouts/],
  ])('WHEN %s THEN one clear line, exit 1, no stack trace', async (_what, argv, message) => {
    const dir = tempDir('adopt-empty');
    try {
      const r = await runCli(argv, dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('WHEN the repos hold an app apps.yaml refuses THEN an adopt-conflict error at its entry, exit 1, nothing written', async () => {
    const dir = tempDir('adopt-conflict');
    try {
      fs.cpSync(PLATFORM_FIXTURE, path.join(dir, 'repos'), { recursive: true });
      const tfvars = path.join(dir, 'repos/tools/hashicorp-vault/iac/terraform.tfvars');
      fs.writeFileSync(tfvars, fs.readFileSync(tfvars, 'utf8').replace('  erp    = {}\n', '  erp    = {}\n  Bad_App = {}\n'));
      const r = await runCli(['adopt', '--repos-dir', 'repos', '--out', 'apps.yaml'], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'repos/tools/hashicorp-vault/iac/terraform.tfvars:4:3: adopt-conflict: "Bad_App": the adopted apps.yaml would be refused: apps.Bad_App: app name "Bad_App" is not a DNS-1123 label',
      );
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('joinkey: 1 adopt-conflict; nothing was written');
      expect(fs.existsSync(path.join(dir, 'apps.yaml'))).toBe(false);
      expect(fs.readdirSync(dir)).toEqual(['repos']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('originUrl: the url adopt writes for a checkout', () => {
  test.each([
    [
      '[core]\n\tbare = false\n[remote "origin"]\n\turl = ssh://git@gitea.example/org/tools.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
      'ssh://git@gitea.example/org/tools.git',
    ],
    [
      '[remote "upstream"]\n\turl = https://a.example/x.git\n[remote "origin"]\n\turl = https://bot:s3cr3t@gitea.example/org/tools.git\n',
      'https://gitea.example/org/tools.git',
    ],
    ['[remote "origin"]\n\turl = https://ghp_token0123@gitea.example/org/tools.git\n', 'https://gitea.example/org/tools.git'],
    ['[remote "origin"]\n\turl = ssh://git:pw@gitea.example:2222/org/tools.git\n', 'ssh://git@gitea.example:2222/org/tools.git'],
    ['[remote "upstream"]\n\turl = https://a.example/x.git\n', undefined],
  ])('GIVEN a git config THEN origin, credentials left out', (config, url) => {
    const file = path.join(work, 'gitconfig');
    fs.writeFileSync(file, config);
    expect(originUrl(file)).toBe(url);
    expect(originUrl(path.join(work, 'absent'))).toBeUndefined();
  });
});
