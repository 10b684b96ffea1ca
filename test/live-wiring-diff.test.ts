import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkLive } from '../src/check';
import { conflictFilesByRepo, hcl2jsonParser } from '../src/inventory';
import { loadModel } from '../src/model';
import { formatDiff, renderConflicts } from '../src/publish/diff';
import { planRepo } from '../src/publish/plan';
import { renderTree } from '../src/render';
import { BUNDLED_APPS_YAML } from './support/platform';

/**
 * What diff and publish take from the live inventory (renderConflicts: the conflicts the render
 * brings, across the repos read), what check takes (checkLive: all of them), and how diff
 * prints them. In memory: trees are maps, no git.
 */

const parser = hcl2jsonParser();
const render = renderTree(loadModel('apps.yaml', readFileSync(BUNDLED_APPS_YAML, 'utf8')).model);
const trees = (repos: Record<string, Record<string, string>>) => new Map(Object.entries(repos).map(([id, files]) => [id, new Map(Object.entries(files))]));

/** A hand-written policy in cms with the name of the consumer policy joinkey generates in tools. */
const CMS_POLICY =
  'resource "vault_policy" "crowdsec_conf" {\n  name   = "factory_crowdsec_conf"\n  policy = "path \\"kvv2/data/cms/factory/*\\" { capabilities = [\\"read\\"] }"\n}\n';
const VAULT_AUTH = (name: string) =>
  `apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultAuth\nmetadata:\n  name: ${name}\n  namespace: tools\nspec:\n  method: kubernetes\n  mount: kubernetes\n  kubernetes:\n    role: ${name}\n    serviceAccount: ${name}\n`;

describe('renderConflicts: the conflicts publish refuses and diff lists', () => {
  test('GIVEN a Vault policy written by hand in cms that tools now generates THEN the conflict spans the two repos and both are named', async () => {
    const found = await renderConflicts(trees({ tools: {}, cms: { 'iac/extra.tf': CMS_POLICY } }), render, parser);
    expect(found.map((f) => [f.rule, `${f.file}:${f.line}`, `${f.related.file}:${f.related.line}`])).toEqual([
      ['live-duplicate-identity', 'tools/hashicorp-vault/iac/consumers.gen.tf:12', 'cms/iac/extra.tf:1'],
    ]);
    expect(conflictFilesByRepo(found)).toEqual(
      new Map([
        ['cms', ['iac/extra.tf']],
        ['tools', ['hashicorp-vault/iac/consumers.gen.tf']],
      ]),
    );
  });

  test('GIVEN only cms read (publish --repos cms) THEN the render of the repos not read is left out', async () => {
    expect(await renderConflicts(trees({ cms: { 'iac/extra.tf': CMS_POLICY } }), render, parser)).toEqual([]);
  });

  test('GIVEN a duplicate the repos already held (both hand-written) THEN it refuses no publish, but check reports it', async () => {
    const held = trees({ tools: { 'umami/a.yaml': VAULT_AUTH('umami'), 'umami/b.yaml': VAULT_AUTH('umami') } });
    expect(await renderConflicts(held, render, parser)).toEqual([]);
    const checked = await checkLive(render, held, parser);
    expect(
      checked.map((d) => [d.rule, d.severity, `${d.file}:${d.line}:${d.col}`, d.related && `${d.related.file}:${d.related.line}:${d.related.col}`]),
    ).toEqual([['live-duplicate-object', 'error', 'tools/umami/b.yaml:4:9', 'tools/umami/a.yaml:4:9']]);
  });

  test('GIVEN no checkout at all THEN nothing is compared', async () => {
    expect(await renderConflicts(new Map(), render, parser)).toEqual([]);
  });
});

describe('formatDiff with live conflicts', () => {
  test('GIVEN conflicts of two repos THEN a Conflicts section lists them, both sides, and the table counts them by the generated side', async () => {
    const found = await renderConflicts(
      trees({ tools: { 'plausible/resources/mine.yaml': VAULT_AUTH('plausible') }, cms: { 'iac/extra.tf': CMS_POLICY } }),
      render,
      parser,
    );
    const plan = (id: string) => planRepo(id, { entries: new Map(), contents: new Map() }, render.get(id)!);
    const text = formatDiff(
      [
        { repoId: 'cms', source: 'dir', plan: plan('cms') },
        { repoId: 'tools', source: 'dir', plan: plan('tools') },
      ],
      false,
      found,
    );
    expect(text).toContain(
      '=== Conflicts: 2 with files already in the repos (2 refuse publish)\n' +
        `tools/hashicorp-vault/iac/consumers.gen.tf:12:1: live-duplicate-identity: ${found[0]!.message}\n  also at cms/iac/extra.tf:1:1\n` +
        `tools/plausible/resources/vso.gen.yaml:8:9: live-duplicate-object: ${found[1]!.message}\n  also at tools/plausible/resources/mine.yaml:4:9\n`,
    );
    expect(text).toMatch(/\ncms\s+4\s+0\s+0\s+0\s+0\s+0\ntools\s+\d+\s+0\s+0\s+0\s+0\s+2\n/);
    expect(text.endsWith('2 live conflicts (2 errors, 0 warnings): publish refuses cms, tools until the hand-written side is removed\n')).toBe(true);
    expect(text).not.toContain('\x1b[');
    expect(formatDiff([{ repoId: 'cms', source: 'dir', plan: plan('cms') }], true, found)).toContain(
      '\x1b[31mtools/hashicorp-vault/iac/consumers.gen.tf:12:1: live-duplicate-identity: ',
    );
  });

  test('GIVEN no conflict THEN there is no Conflicts section and no total line', () => {
    const text = formatDiff(
      [{ repoId: 'cms', source: 'dir', plan: planRepo('cms', { entries: new Map(), contents: new Map() }, render.get('cms')!) }],
      false,
      [],
    );
    expect(text).not.toContain('Conflicts');
    expect(text).not.toContain('live conflict');
    expect(text.endsWith('cms   4      0        0        0          0          0\n')).toBe(true);
  });
});
