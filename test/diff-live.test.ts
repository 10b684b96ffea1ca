import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { hcl2jsonParser, publishedTrees, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { loadModel } from '../src/model';
import { formatDiff, liveEffectsOfRender, renderConflicts } from '../src/publish/diff';
import { planRepo } from '../src/publish/plan';
import { renderTree } from '../src/render';
import { runCli, tempDir } from './support/cli-run';
import { BUNDLED_APPS_YAML, bundledWithConsumer, PLATFORM_FIXTURE, PLATFORM_REPOS } from './support/platform';

/**
 * diff's "## Live effects" and "## Access changes" sections: the change plan and the access review
 * between the repos read and the same repos with the render published. In memory, then the CLI.
 */

const APPS_YAML = fs.readFileSync(BUNDLED_APPS_YAML, 'utf8');
const FIXTURE = readReposDir(PLATFORM_FIXTURE, PLATFORM_REPOS);
const parser = hcl2jsonParser();
const model = (text: string) => loadModel('apps.yaml', text).model;
const diffsOf = (checkouts: RepoTrees, tree: RepoTrees) =>
  PLATFORM_REPOS.map((id) => ({
    repoId: id,
    source: id,
    plan: planRepo(
      id,
      { entries: new Map([...(checkouts.get(id) ?? new Map())].map(([p]) => [p, '100644'])), contents: new Map(checkouts.get(id)) },
      tree.get(id)!,
    ),
  }));

describe('liveEffectsOfRender and its sections in formatDiff', () => {
  test('GIVEN a consumer added over the published bundled render THEN Live effects creates its policy and role, and Access changes shows its gains', async () => {
    const base = publishedTrees(FIXTURE, renderTree(model(APPS_YAML)));
    for (const [name, sa, ns, read] of [
      ['geoip-reader', 'geoipupdate', 'monitoring', 'plausible/geoip'],
      ['bouncer-reader', 'bouncer', 'tools', 'crowdsec/lapi'],
    ] as const) {
      const m = model(bundledWithConsumer(name, sa, ns, [read]));
      const tree = renderTree(m);
      const live = (await liveEffectsOfRender(base, tree, m, parser))!;
      const created = live.plan.effects.filter((e) => e.effect === 'create').map((e) => (e.object === 'tofu' ? e.address : e.identity));
      expect(created).toEqual(expect.arrayContaining([`vault_policy.${name}`, `vault_kubernetes_auth_backend_role.${name}`]));
      expect(live.access.changes).toEqual([
        {
          subject: `kubernetes kubernetes ${ns}/${sa}`,
          changes: [expect.objectContaining({ path: `kvv2/data/${read}`, gained: ['read', 'list'], lost: [] })],
        },
      ]);
      const text = formatDiff(diffsOf(base, tree), false, [], live);
      expect(text).toContain(`| \`kubernetes kubernetes ${ns}/${sa}\` | \`kvv2/data/${read}\` | read, list | - |`);
      expect(text).toContain(`| \`vault_policy\` in \`tools/hashicorp-vault/iac\` | \`vault_policy.${name}\` | create | - |`);
    }
  });

  test('GIVEN the fixture and the bundled render THEN the sections follow the conflicts, in order, before the summary table', async () => {
    const m = model(APPS_YAML);
    const tree = renderTree(m);
    const live = (await liveEffectsOfRender(FIXTURE, tree, m, parser))!;
    const conflicts = await renderConflicts(FIXTURE, tree, parser);
    const text = formatDiff(diffsOf(FIXTURE, tree), false, conflicts, live);
    const at = (s: string) => text.indexOf(s);
    expect(
      [at('=== Conflicts: 23'), at('\n## Live effects\n'), at('\nNot planned:\n'), at('\n## Access changes\n'), at('\nREPO ')].every(
        (i, k, all) => i > (all[k - 1] ?? -1),
      ),
    ).toBe(true);
    // the hand-written consumer policy and the generated one differ in text only: an update, and no access change
    expect(text).toContain('| `vault_policy` in `tools/hashicorp-vault/iac` | `vault_policy.factory_crowdsec_conf` | update (policy) |');
    expect(text).toContain('## Access changes\n\nNo identity gains or loses access to a Vault path.\n\nNot reviewed:\n');
  });

  test('GIVEN no repo read THEN no sections; formatDiff without them prints as before', async () => {
    const m = model(APPS_YAML);
    expect(await liveEffectsOfRender(new Map(), renderTree(m), m, parser)).toBeUndefined();
    const text = formatDiff(diffsOf(FIXTURE, renderTree(m)), false, []);
    expect(text).not.toContain('## Live effects');
    expect(text).not.toContain('## Access changes');
  });
});

describe('joinkey diff --repos-dir (CLI)', () => {
  test('GIVEN the fixture checkouts THEN the output has both sections and the exit status is unchanged', async () => {
    const dir = tempDir('diff-live');
    fs.writeFileSync(path.join(dir, 'apps.yaml'), bundledWithConsumer('geoip-reader', 'geoipupdate', 'monitoring', ['plausible/geoip']));
    fs.cpSync(PLATFORM_FIXTURE, path.join(dir, 'repos'), { recursive: true });
    const r = await runCli(['diff', '--repos-dir', 'repos'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\n## Live effects\n\n| Object | Address or identity | Effect | Data effect |\n');
    expect(r.stdout).toContain('\n## Access changes\n\n| Identity | Vault path | Gains | Loses |\n| --- | --- | --- | --- |\n');
    expect(r.stdout).toContain('| `kubernetes kubernetes monitoring/geoipupdate` | `kvv2/data/plausible/geoip` | read, list | - |');
  });
});
