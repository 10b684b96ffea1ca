import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { giteaRepoOf, publishOrder } from '../src/publish';
import { checkoutTree, formatDiff } from '../src/publish/diff';
import { parseOwnership, planRepo, type BaseTree } from '../src/publish/plan';
import { makeRedactor } from '../src/publish/redact';
import { appBlocks, objectKinds, pullRequestText, summarizePlan } from '../src/publish/summary';
import { diffLines, unifiedDiff } from '../src/publish/unified';
import { loadModel } from '../src/model';
import { bodyHashOf } from '../src/gitea';
import { MARKER, OWNERSHIP_FILE } from '../src/render/files';

const gen = (s: string) => `# ${MARKER}. Change apps.yaml.\n${s}\n`;
const owned = (...files: string[]) => JSON.stringify({ '//': MARKER, files });

function base(files: Record<string, string>, modes: Record<string, string> = {}): BaseTree {
  const entries = new Map<string, string>();
  for (const p of Object.keys(files)) entries.set(p, modes[p] ?? '100644');
  for (const [p, m] of Object.entries(modes)) entries.set(p, m);
  const contents = new Map(Object.entries(files).filter(([p]) => !modes[p] || modes[p] === '100644' || modes[p] === '100755'));
  return { entries, contents };
}
const rendered = (files: Record<string, string>) => new Map(Object.entries(files));

describe('planRepo', () => {
  it('GIVEN an empty base WHEN planning THEN every rendered file and the ownership list are added', () => {
    const plan = planRepo('tools', base({ 'README.md': 'hi' }), rendered({ 'a/x.gen.tf': gen('x') }));
    expect(plan.adds.map((f) => f.path)).toEqual([OWNERSHIP_FILE, 'a/x.gen.tf']);
    expect(plan.changes).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect(JSON.parse(plan.adds[0]!.after!).files).toEqual(['a/x.gen.tf']);
  });

  it('GIVEN a marked file with other content WHEN planning THEN it is changed; an equal one is unchanged', () => {
    const r = rendered({ 'a.gen.tf': gen('new'), 'b.gen.tf': gen('same'), [OWNERSHIP_FILE]: owned('a.gen.tf', 'b.gen.tf') });
    const plan = planRepo('tools', base({ 'a.gen.tf': gen('old'), 'b.gen.tf': gen('same'), [OWNERSHIP_FILE]: owned('a.gen.tf', 'b.gen.tf') }), r);
    expect(plan.changes.map((f) => [f.path, f.before, f.after])).toEqual([['a.gen.tf', gen('old'), gen('new')]]);
    expect(plan.unchanged).toEqual(['b.gen.tf', OWNERSHIP_FILE]);
  });

  it('GIVEN a hand-written file at a generated path WHEN planning THEN it is a conflict naming the path', () => {
    const plan = planRepo('tools', base({ 'a.gen.tf': 'terraform {}\n' }), rendered({ 'a.gen.tf': gen('x') }));
    expect(plan.conflicts).toEqual([{ path: 'a.gen.tf', reason: `exists in the base branch and was not written by joinkey (no "${MARKER}" marker, not listed in ${OWNERSHIP_FILE}); move or delete it by hand, or point the app elsewhere` }]);
  });

  it('GIVEN a listed file without marker at a generated path WHEN planning THEN it is owned by the list and changed', () => {
    const plan = planRepo('tools', base({ 'a.gen.tf': 'edited\n', [OWNERSHIP_FILE]: owned('a.gen.tf') }), rendered({ 'a.gen.tf': gen('x') }));
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.map((f) => f.path)).toEqual([OWNERSHIP_FILE, 'a.gen.tf']);
  });

  it('GIVEN owned files no longer rendered WHEN planning THEN marked ones are deleted, a hand-edited one is kept with a warning, others untouched', () => {
    const b = base({ 'old.gen.tf': gen('o'), 'edited.gen.tf': 'mine\n', 'main.tf': 'hand\n', [OWNERSHIP_FILE]: owned('old.gen.tf', 'edited.gen.tf', 'gone.gen.tf') });
    const plan = planRepo('tools', b, rendered({}));
    expect(plan.deletes.map((f) => f.path)).toEqual(['old.gen.tf']);
    expect(plan.warnings).toEqual([`edited.gen.tf is listed in ${OWNERSHIP_FILE} and no longer generated, but lost its marker (edited by hand); left in place`]);
    expect(plan.changes.map((f) => f.path)).toEqual([OWNERSHIP_FILE]);
  });

  it('GIVEN directory, symlink and file-above clashes WHEN planning THEN each is a conflict', () => {
    const b = base({ 'd/inner.txt': 'x', f: 'file' }, { 'l.gen.yaml': '120000' });
    const plan = planRepo('tools', b, rendered({ d: gen('x'), 'f/y.gen.tf': gen('y'), 'l.gen.yaml': gen('z') }));
    expect(plan.conflicts.map((c) => [c.path, c.reason])).toEqual([
      ['d', 'is a directory in the base branch'],
      ['f/y.gen.tf', 'cannot be written because "f" is a file in the base branch'],
      ['l.gen.yaml', 'exists in the base branch as a symlink'],
    ]);
  });

  it('GIVEN an ownership list with unsafe or bad entries WHEN parsing THEN they are ignored with warnings', () => {
    expect(parseOwnership(owned('ok.tf', '../x', '.git/config', '/abs'))).toEqual({
      files: ['ok.tf'],
      warnings: [
        `${OWNERSHIP_FILE} lists "../x", which is not a safe repo-relative path; ignored`,
        `${OWNERSHIP_FILE} lists ".git/config", which is not a safe repo-relative path; ignored`,
        `${OWNERSHIP_FILE} lists "/abs", which is not a safe repo-relative path; ignored`,
      ],
    });
    expect(parseOwnership('{').warnings).toEqual([`${OWNERSHIP_FILE} in the base branch is not valid JSON; treating no file as owned`]);
    // A listed path outside the repo is never deleted.
    const plan = planRepo('tools', base({ [OWNERSHIP_FILE]: owned('../../etc/passwd') }), rendered({}));
    expect(plan.deletes).toEqual([]);
  });
});

const YAML = `version: 1
repos:
  tools: { url: ssh://git@gitea.example.org/arcodange-org/tools.git }
  factory: { url: https://gitea.example.org/arcodange-org/factory.git, gitea: other/fact }
  cms: { url: /srv/git/org/cms }
central:
  vault: { repo: tools, dir: v }
  postgres: { repo: factory, dir: pg }
apps:
  webapp: {}
  plausible: { repo: tools, manifests: plausible/resources, iac: plausible/iac, database: { restart: [Deployment/plausible] } }
`;

describe('publish ordering, names and PR text', () => {
  const { model } = loadModel('apps.yaml', YAML);

  it('orders factory first, then the rest sorted, and rejects unknown --repos', () => {
    expect(publishOrder(model)).toEqual(['factory', 'cms', 'tools']);
    expect(publishOrder(model, ['tools', 'factory'])).toEqual(['factory', 'tools']);
    expect(() => publishOrder(model, ['nope'])).toThrow('--repos names "nope", which apps.yaml does not declare; known repos: cms, factory, tools');
  });

  it('derives owner/name from the url, or takes repos.<id>.gitea', () => {
    expect(model.repos.map((r) => giteaRepoOf(r))).toEqual([
      { owner: 'org', name: 'cms' },
      { owner: 'other', name: 'fact' },
      { owner: 'arcodange-org', name: 'tools' },
    ]);
    expect(giteaRepoOf({ id: 'x', url: 'git@host:org/x.git' })).toEqual({ owner: 'org', name: 'x' });
  });

  it('summarizes central maps per app, finds new roles, and hashes the PR text deterministically', () => {
    const before = 'applications = {\n  "webapp" = {\n    role = "webapp_role"\n  }\n  "gone" = {}\n}\n';
    const after = 'applications = {\n  "plausible" = {\n    role = "plausible_role"\n  }\n  "webapp" = {\n    role = "webapp_role"\n  }\n}\n';
    expect([...appBlocks(after).keys()]).toEqual(['plausible', 'webapp']);
    const plan = planRepo('factory', base({ 'pg/databases.gen.auto.tfvars': gen(before) }), rendered({ 'pg/databases.gen.auto.tfvars': gen(after) }));
    const s = summarizePlan(model, plan);
    expect(s.newRoles).toEqual(['plausible_role']);
    expect(s.removedApps).toEqual(['gone']);
    expect(s.files.find((f) => f.path === 'pg/databases.gen.auto.tfvars')).toEqual({ path: 'pg/databases.gen.auto.tfvars', change: 'changed', app: 'gone, plausible', kinds: ['var.applications'] });
    const t1 = pullRequestText(model, 'factory', 'main', 'joinkey/sync', s);
    const t2 = pullRequestText(model, 'factory', 'main', 'joinkey/sync', summarizePlan(model, plan));
    expect(t1).toEqual(t2);
    expect(bodyHashOf(t1.body)).toBe(t1.hash);
    expect(t1.body).toContain('### Removed apps');
    const noted = pullRequestText(model, 'tools', 'main', 'joinkey/sync', s, { roles: ['plausible_role'], factoryRepo: 'factory', factoryPr: { label: 'other/fact#4', url: 'https://g/other/fact/pulls/4' } });
    expect(noted.body).toContain('> **merge factory first**: this PR needs the new PostgreSQL role `plausible_role`, created by [other/fact#4](https://g/other/fact/pulls/4).');
    expect(noted.hash).not.toBe(t1.hash);
  });

  it('reads object kinds from manifests and OpenTofu', () => {
    expect(objectKinds('m.gen.yaml', 'kind: VaultAuth\n---\nkind: VaultDynamicSecret\n')).toEqual(['VaultAuth', 'VaultDynamicSecret']);
    expect(objectKinds('x.gen.tf', 'resource "vault_kv_secret_v2" "a" {}\nmodule "app_roles" {}\nterraform {\n}\n')).toEqual(['module.app_roles', 'terraform', 'vault_kv_secret_v2']);
  });
});

describe('redaction and diffs', () => {
  it('redacts the token, its URL encoding and URL credentials, and keeps a plain ssh user', () => {
    const r = makeRedactor(['s3cr+t']);
    expect(r('a s3cr+t b s3cr%2Bt https://u:p@h/x https://tok@h/y ssh://git@h/z')).toBe('a *** b *** https://***@h/x https://***@h/y ssh://git@h/z');
  });

  it('diffs lines minimally and formats a unified diff', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c']).map((e) => e.op + e.line)).toEqual([' a', '-b', '+x', ' c']);
    expect(unifiedDiff('f', 'a\nb\nc\n', 'a\nx\nc\n')).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n');
    expect(unifiedDiff('f', undefined, 'n\n')).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+n\n');
    expect(unifiedDiff('f', 'same', 'same')).toBe('');
  });

  it('compares a checkout dir and prints a summary table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinkey-diff-'));
    try {
      mkdirSync(join(dir, 'tools', '.git'), { recursive: true });
      writeFileSync(join(dir, 'tools', 'a.gen.tf'), gen('old'));
      writeFileSync(join(dir, 'tools', '.git', 'HEAD'), 'x');
      const r = rendered({ 'a.gen.tf': gen('new'), [OWNERSHIP_FILE]: owned('a.gen.tf') });
      const tree = await checkoutTree(join(dir, 'tools'), r);
      expect([...tree.entries.keys()]).toEqual(['a.gen.tf']);
      const text = formatDiff([{ repoId: 'tools', source: 'dir', plan: planRepo('tools', tree, r) }], false);
      expect(text).toContain('-old\n+new');
      expect(text).toContain('REPO   ADDED  CHANGED  DELETED  UNCHANGED  CONFLICTS\ntools  1      1        0        0          0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
