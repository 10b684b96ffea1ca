import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { giteaRepoOf, publishOrder } from '../src/publish';
import { checkoutTree, formatDiff } from '../src/publish/diff';
import { hasChanges, parseOwnership, planRepo, type BaseTree } from '../src/publish/plan';
import { pullRequestText, readCentralEntries, summarizePlan } from '../src/publish/summary';
import { hcl2jsonParser } from '../src/inventory';
import { renderFiles } from '../src/render';
import { treeFromFiles } from '../src/render/files';
import { unifiedDiff } from '../src/publish/unified';
import { loadModel } from '../src/model';
import { bodyHashOf } from '../src/gitea';
import { contentHash, markerLine, ownershipContent } from '../src/ownership';
import { MARKER, OWNERSHIP_FILE } from '../src/render/files';
import { makeRedactor } from '../src/util/redact';

/** A generated file's content at `path`: its marker line, then `body`. */
const gen = (path: string, body: string) => `${markerLine(path)}\n${body}\n`;
/** A version-2 ownership list recording each file with the hash of its content. */
const owned = (files: Record<string, string>) => ownershipContent(Object.entries(files).map(([path, content]) => ({ path, hash: contentHash(content) })));
/** A version-1 ownership list (joinkey 0.1): paths only. */
const ownedV1 = (...files: string[]) => JSON.stringify({ '//': `${MARKER}. Change apps.yaml and run "npx joinkey synth".`, files });

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
    const x = gen('a/x.gen.tf', 'x');
    const plan = planRepo('tools', base({ 'README.md': 'hi' }), rendered({ 'a/x.gen.tf': x }));
    expect(plan.adds.map((f) => f.path)).toEqual([OWNERSHIP_FILE, 'a/x.gen.tf']);
    expect(plan.changes).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect(JSON.parse(plan.adds[0]!.after!).files).toEqual({ 'a/x.gen.tf': contentHash(x) });
  });

  it('GIVEN an owned file with other content WHEN planning THEN it is changed; an equal one is unchanged', () => {
    const old = { 'a.gen.tf': gen('a.gen.tf', 'old'), 'b.gen.tf': gen('b.gen.tf', 'same') };
    const next = { 'a.gen.tf': gen('a.gen.tf', 'new'), 'b.gen.tf': gen('b.gen.tf', 'same') };
    const plan = planRepo('tools', base({ ...old, [OWNERSHIP_FILE]: owned(old) }), rendered(next));
    expect(plan.changes.map((f) => [f.path, f.before, f.after])).toEqual([
      [OWNERSHIP_FILE, owned(old), owned(next)],
      ['a.gen.tf', old['a.gen.tf'], next['a.gen.tf']],
    ]);
    expect(plan.unchanged).toEqual(['b.gen.tf']);
    expect(plan.conflicts).toEqual([]);
  });

  it('GIVEN a version-1 list WHEN its files keep their marker THEN they are owned and changed; one without marker is edited', () => {
    const b = base({ 'a.gen.tf': gen('a.gen.tf', 'old'), 'b.gen.tf': 'no marker\n', [OWNERSHIP_FILE]: ownedV1('a.gen.tf', 'b.gen.tf') });
    const plan = planRepo('tools', b, rendered({ 'a.gen.tf': gen('a.gen.tf', 'new'), 'b.gen.tf': gen('b.gen.tf', 'b') }));
    expect(plan.changes.map((f) => f.path)).toEqual([OWNERSHIP_FILE, 'a.gen.tf']);
    expect(plan.conflicts.map((c) => c.path)).toEqual(['b.gen.tf']);
  });

  const UNOWNED = `exists in the base branch and was not written by joinkey (${OWNERSHIP_FILE} does not list it); move or delete it by hand, or point the app elsewhere`;
  const EDITED = `was written by joinkey but edited by hand since (its content or marker line differs from what ${OWNERSHIP_FILE} recorded); joinkey will not revert the edit. Move the edit into apps.yaml, then restore the generated file (npx joinkey synth) or delete it in the base branch`;

  // 13.1: a file is joinkey's only by the list; quoting the marker, even as the first line, is not enough.
  it.each([
    ['plain hand-written', 'terraform {}\n'],
    ['a comment quoting the marker phrase', `# this file is not ${MARKER}\nterraform {}\n`],
    ['the exact marker line, but not listed', `${markerLine('a.gen.tf')}\nterraform {}\n`],
    ['the marker phrase on a later line', `terraform {}\n# ${MARKER}\n`],
    ['empty', ''],
  ])('GIVEN a file at a generated path that no list names (%s) WHEN planning THEN it is a conflict, not overwritten', (_what, content) => {
    for (const list of [undefined, owned({ 'other.gen.tf': gen('other.gen.tf', 'o') })]) {
      const plan = planRepo(
        'tools',
        base({ 'a.gen.tf': content, ...(list ? { [OWNERSHIP_FILE]: list } : {}) }),
        rendered({ 'a.gen.tf': gen('a.gen.tf', 'x') }),
      );
      expect(plan.conflicts).toEqual([{ path: 'a.gen.tf', reason: UNOWNED }]);
      expect(plan.changes.map((f) => f.path)).not.toContain('a.gen.tf');
    }
  });

  // 13.3: a hand edit of a generated file is never reverted, whatever the edit and whether or not the render changed.
  const written = gen('a.gen.tf', 'value = "1"\nother = "2"');
  it.each([
    ['marker line removed', written.split('\n').slice(1).join('\n')],
    ['a value changed', written.replace('"1"', '"9"')],
    ['a line added at the end', `${written}extra = "3"\n`],
    ['the marker line altered', written.replace('do not edit', 'edited anyway')],
    ['trailing whitespace only', written.replace('"2"', '"2" ')],
    ['emptied', ''],
  ])('GIVEN a listed file edited by hand (%s) WHEN planning THEN it is a conflict naming the file and how to fix it', (_what, edited) => {
    const list = owned({ 'a.gen.tf': written });
    for (const next of [written, gen('a.gen.tf', 'value = "5"\nother = "2"')]) {
      const plan = planRepo('tools', base({ 'a.gen.tf': edited, [OWNERSHIP_FILE]: list }), rendered({ 'a.gen.tf': next }));
      expect(plan.conflicts).toEqual([{ path: 'a.gen.tf', reason: EDITED }]);
      expect(plan.changes.map((f) => f.path)).not.toContain('a.gen.tf');
    }
  });

  it('GIVEN owned files no longer rendered WHEN planning THEN owned ones are deleted, edited ones kept with a warning, others untouched', () => {
    const old = gen('old.gen.tf', 'o');
    const kept = gen('edited.gen.tf', 'e');
    const valueEdited = gen('value.gen.tf', 'v = 1');
    const list = owned({ 'old.gen.tf': old, 'edited.gen.tf': kept, 'value.gen.tf': valueEdited, 'gone.gen.tf': gen('gone.gen.tf', 'g') });
    const b = base({
      'old.gen.tf': old,
      'edited.gen.tf': 'mine\n',
      'value.gen.tf': valueEdited.replace('1', '2'),
      'main.tf': 'hand\n',
      [OWNERSHIP_FILE]: list,
    });
    const plan = planRepo('tools', b, rendered({}));
    expect(plan.deletes.map((f) => f.path)).toEqual(['old.gen.tf']);
    expect(plan.warnings).toEqual([
      `edited.gen.tf is listed in ${OWNERSHIP_FILE} and no longer generated, but was edited by hand since joinkey wrote it; left in place`,
      `value.gen.tf is listed in ${OWNERSHIP_FILE} and no longer generated, but was edited by hand since joinkey wrote it; left in place`,
    ]);
    expect(plan.changes.map((f) => f.path)).toEqual([OWNERSHIP_FILE]);
    expect(plan.conflicts).toEqual([]);
  });

  it('GIVEN directory, symlink and file-above clashes WHEN planning THEN each is a conflict', () => {
    const b = base({ 'd/inner.txt': 'x', f: 'file' }, { 'l.gen.yaml': '120000' });
    const plan = planRepo('tools', b, rendered({ d: gen('d', 'x'), 'f/y.gen.tf': gen('f/y.gen.tf', 'y'), 'l.gen.yaml': gen('l.gen.yaml', 'z') }));
    expect(plan.conflicts.map((c) => [c.path, c.reason])).toEqual([
      ['d', 'is a directory in the base branch'],
      ['f/y.gen.tf', 'cannot be written because "f" is a file in the base branch'],
      ['l.gen.yaml', 'exists in the base branch as a symlink'],
    ]);
  });

  it('GIVEN an ownership list with unsafe or bad entries WHEN parsing THEN they are ignored with warnings', () => {
    const list = ownershipContent([
      { path: 'ok.tf', hash: contentHash('x') },
      { path: '../x', hash: contentHash('y') },
      { path: '.git/config', hash: contentHash('z') },
      { path: '/abs', hash: contentHash('w') },
    ]);
    const parsed = parseOwnership(list);
    expect([...parsed.files.keys()]).toEqual(['ok.tf']);
    expect(parsed.warnings).toEqual([
      `${OWNERSHIP_FILE} lists "../x", which is not a safe repo-relative path; ignored`,
      `${OWNERSHIP_FILE} lists ".git/config", which is not a safe repo-relative path; ignored`,
      `${OWNERSHIP_FILE} lists "/abs", which is not a safe repo-relative path; ignored`,
    ]);
    expect(planRepo('tools', base({ [OWNERSHIP_FILE]: '{' }), rendered({})).warnings).toEqual([
      `${OWNERSHIP_FILE} in the base branch is not valid JSON; treating no file as owned`,
    ]);
    // A listed path outside the repo is never deleted.
    const plan = planRepo('tools', base({ [OWNERSHIP_FILE]: ownedV1('../../etc/passwd') }), rendered({}));
    expect(plan.deletes).toEqual([]);
  });
});

describe('planRepo with a hand-over (publish --adopt)', () => {
  const handOver = (deletes: string[], edits: Record<string, string> = {}, adds: Record<string, string> = {}) => ({
    deletes,
    edits: new Map(Object.entries(edits)),
    adds: new Map(Object.entries(adds)),
  });
  const x = gen('a/x.gen.tf', 'x');

  it('GIVEN hand-written files deleted, edited and added THEN they are the hand-over, the generated files are added, and none is listed as owned', () => {
    const b = base({ 'a/main.tf': 'resource "r" "a" {}\n', 'a/mixed.tf': 'locals {}\nresource "r" "b" {}\n', 'README.md': 'hi' });
    const plan = planRepo(
      'tools',
      b,
      rendered({ 'a/x.gen.tf': x }),
      OWNERSHIP_FILE,
      handOver(['a/main.tf'], { 'a/mixed.tf': 'locals {}\n' }, { 'a/adopt-moves.tf': 'moved {}\n' }),
    );
    expect(plan.handOver.map((h) => [h.change, h.path])).toEqual([
      ['added', 'a/adopt-moves.tf'],
      ['deleted', 'a/main.tf'],
      ['edited', 'a/mixed.tf'],
    ]);
    expect(plan.handOver.find((h) => h.path === 'a/mixed.tf')).toMatchObject({
      before: 'locals {}\nresource "r" "b" {}\n',
      after: 'locals {}\n',
      mode: '100644',
    });
    expect(plan.adds.map((f) => f.path)).toEqual([OWNERSHIP_FILE, 'a/x.gen.tf']);
    expect(plan.conflicts).toEqual([]);
    const list = parseOwnership(plan.adds.find((f) => f.path === OWNERSHIP_FILE)!.after);
    expect([...list.files.keys()]).toEqual(['a/x.gen.tf']);
  });

  it('GIVEN a deleted hand-written file at a path the render writes THEN it is changed in place, once; identical bytes are unchanged', () => {
    const b = base({ 'a/x.gen.tf': 'hand-written\n', 'a/y.gen.tf': gen('a/y.gen.tf', 'y') });
    const plan = planRepo(
      'tools',
      b,
      rendered({ 'a/x.gen.tf': x, 'a/y.gen.tf': gen('a/y.gen.tf', 'y') }),
      OWNERSHIP_FILE,
      handOver(['a/x.gen.tf', 'a/y.gen.tf']),
    );
    expect(plan.changes).toEqual([{ path: 'a/x.gen.tf', before: 'hand-written\n', after: x, mode: '100644' }]);
    expect(plan.unchanged).toEqual(['a/y.gen.tf']);
    expect(plan.handOver).toEqual([]);
  });

  it('GIVEN an edited hand-written file at a rendered path THEN it is a conflict: the render never writes over a hand-written file', () => {
    const plan = planRepo(
      'tools',
      base({ 'a/x.gen.tf': 'mine\nyours\n' }),
      rendered({ 'a/x.gen.tf': x }),
      OWNERSHIP_FILE,
      handOver([], { 'a/x.gen.tf': 'mine\n' }),
    );
    expect(plan.conflicts.map((c) => c.path)).toEqual(['a/x.gen.tf']);
  });

  it('GIVEN only a hand-over THEN the plan has changes (a bot commit is made)', () => {
    const b = base({ [OWNERSHIP_FILE]: owned({}), 'a/old.yaml': 'kind: X\n' });
    const none = planRepo('tools', b, rendered({}), OWNERSHIP_FILE);
    expect(hasChanges(none)).toBe(false);
    expect(hasChanges(planRepo('tools', b, rendered({}), OWNERSHIP_FILE, handOver(['a/old.yaml'])))).toBe(true);
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

  /** The factory repo after publishing `before`'s render and merging it, planned against the render of the model. */
  const factoryPlan = (before: string) => {
    const old = treeFromFiles(renderFiles(loadModel('apps.yaml', before).model)).get('factory')!;
    const next = [...renderFiles(model)];
    const plan = planRepo('factory', base(Object.fromEntries(old)), treeFromFiles(next).get('factory')!);
    return { plan, files: next };
  };
  const NO_LIVE_EFFECTS = { effects: [], acknowledged: [], unacknowledged: [], refusals: [], suggestions: [], notes: [] };

  it('GIVEN the central databases map before and after THEN the summary names the apps whose entries change, the new roles and the removed apps, from the real parser and the provenance', async () => {
    const cases = [
      // plausible added, gone removed (gone had a database)
      { before: YAML.replace(/ {2}plausible: .*\n/, '  gone: { database: true }\n'), app: 'gone, plausible', newRoles: ['plausible_role'], removed: ['gone'] },
      // plausible's database renamed: a changed entry, no new role
      {
        before: YAML.replace('database: { restart: [Deployment/plausible] }', 'database: { name: plausible_old, restart: [Deployment/plausible] }'),
        app: 'plausible',
        newRoles: [],
        removed: [],
      },
      // webapp gains a database: a new entry and role
      { before: YAML.replace('webapp: {}', 'webapp: { database: false }'), app: 'webapp', newRoles: ['webapp_role'], removed: [] },
    ];
    for (const c of cases) {
      const { plan, files } = factoryPlan(c.before);
      expect(plan.conflicts).toEqual([]);
      const s = summarizePlan(model, plan, files, await readCentralEntries(plan, files, hcl2jsonParser()));
      expect(s.newRoles, c.before).toEqual(c.newRoles);
      expect(s.removedApps, c.before).toEqual(c.removed);
      expect(
        s.files.find((f) => f.path === 'pg/databases.gen.auto.tfvars'),
        c.before,
      ).toEqual({
        path: 'pg/databases.gen.auto.tfvars',
        change: 'changed',
        app: c.app,
        kinds: ['var.applications'],
      });
    }
  });

  it('GIVEN a plan THEN the PR body opens with the live effects, names every file with its app and kinds from provenance, and hashes deterministically', async () => {
    const { plan, files } = factoryPlan(YAML.replace(/ {2}plausible: .*\n/, '  gone: { database: true }\n'));
    const s = summarizePlan(model, plan, files, await readCentralEntries(plan, files, hcl2jsonParser()));
    const t1 = pullRequestText(model, 'factory', 'main', 'joinkey/sync', s, NO_LIVE_EFFECTS, files);
    const t2 = pullRequestText(model, 'factory', 'main', 'joinkey/sync', s, NO_LIVE_EFFECTS, files);
    expect(t1).toEqual(t2);
    expect(bodyHashOf(t1.body)).toBe(t1.hash);
    expect(t1.body.startsWith('## Live effects\n\nNo live object is created, changed or destroyed.\n\n## Generated files for `factory`\n')).toBe(true);
    expect(t1.body).toContain('| gone, plausible | var.applications | `pg/databases.gen.auto.tfvars` | changed |');
    expect(t1.body).toContain('| (joinkey) | ownership list | `.joinkey/files.json` | changed |');
    expect(t1.body).toContain('### Removed apps');
    const noted = pullRequestText(model, 'tools', 'main', 'joinkey/sync', s, NO_LIVE_EFFECTS, files, {
      roles: ['plausible_role'],
      factoryRepo: 'factory',
      factoryPr: { label: 'other/fact#4', url: 'https://g/other/fact/pulls/4' },
    });
    expect(noted.body).toContain(
      '> **merge factory first**: this PR needs the new PostgreSQL role `plausible_role`, created by [other/fact#4](https://g/other/fact/pulls/4).',
    );
    expect(noted.hash).not.toBe(t1.hash);
  });

  it('GIVEN a deleted file of an app no longer in apps.yaml THEN the base ownership list attributes it, and the app is removed', async () => {
    const before = YAML.replace('  plausible:', '  olderp: { repo: factory, manifests: olderp/k8s, iac: olderp/iac }\n  plausible:');
    const { plan, files } = factoryPlan(before);
    const s = summarizePlan(model, plan, files, await readCentralEntries(plan, files, hcl2jsonParser()));
    const deleted = s.files.filter((f) => f.change === 'deleted');
    expect(deleted.map((f) => [f.path, f.app])).toEqual([
      ['olderp/iac/app_roles.gen.tf', 'olderp'],
      ['olderp/iac/backend.gen.tf', 'olderp'],
      ['olderp/k8s/vso.gen.yaml', 'olderp'],
    ]);
    expect(deleted.map((f) => f.kinds)).toEqual([['tf'], ['tf'], ['yaml']]);
    expect(s.removedApps).toEqual(['olderp']);
  });
});

describe('redaction and diffs', () => {
  it('redacts the token, its URL encoding and URL credentials, and keeps a plain ssh user', () => {
    const r = makeRedactor(['s3cr+t']);
    expect(r('a s3cr+t b s3cr%2Bt https://u:p@h/x https://tok@h/y ssh://git@h/z')).toBe('a *** b *** https://***@h/x https://***@h/y ssh://git@h/z');
  });

  it('formats a unified diff of a change, an add, a delete and a missing final newline', () => {
    expect(unifiedDiff('f', 'a\nb\nc\n', 'a\nx\nc\n')).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n');
    expect(unifiedDiff('f', undefined, 'n\n')).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+n\n');
    expect(unifiedDiff('f', 'n\nm\n', undefined)).toBe('--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-n\n-m\n');
    expect(unifiedDiff('f', 'a\n', 'a')).toBe('--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n');
    expect(unifiedDiff('f', 'same', 'same')).toBe('');
  });

  it('compares a checkout dir and prints a summary table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinkey-diff-'));
    try {
      mkdirSync(join(dir, 'tools', '.git'), { recursive: true });
      writeFileSync(join(dir, 'tools', 'a.gen.tf'), gen('a.gen.tf', 'old'));
      writeFileSync(join(dir, 'tools', '.git', 'HEAD'), 'x');
      mkdirSync(join(dir, 'tools', '.joinkey'));
      writeFileSync(join(dir, 'tools', OWNERSHIP_FILE), owned({ 'a.gen.tf': gen('a.gen.tf', 'old') }));
      const r = rendered({ 'a.gen.tf': gen('a.gen.tf', 'new') });
      const tree = await checkoutTree(join(dir, 'tools'), r);
      expect([...tree.entries.keys()].sort()).toEqual([OWNERSHIP_FILE, 'a.gen.tf']);
      const text = formatDiff([{ repoId: 'tools', source: 'dir', plan: planRepo('tools', tree, r) }], false);
      expect(text).toContain('-old\n+new');
      expect(text).toContain('REPO   ADDED  CHANGED  DELETED  UNCHANGED  CONFLICTS  LIVE-CONFLICTS\ntools  0      2        0        0          0          0\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
