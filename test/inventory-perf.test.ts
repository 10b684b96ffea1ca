import { describe, expect, test } from 'vitest';
import { appsYaml } from '../bench/gen';
import { findLiveConflicts, hcl2jsonParser, inventoryRepos } from '../src/inventory';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';

/**
 * The inventory of a large render: complete (every object, module and identity of every app) and
 * linear. 200 apps by default; JOINKEY_INVENTORY_APPS=1000 for the figure in the report
 * (about 10 s on the shared 2-core machine, most of it in hcl2json and the yaml parser).
 */

const APPS = Number(process.env.JOINKEY_INVENTORY_APPS ?? 200);

describe(`the inventory of the generated output of ${APPS} apps`, () => {
  test('GIVEN the bench apps.yaml THEN every app is inventoried and nothing conflicts', async () => {
    const tree = renderTree(loadModel('apps.yaml', appsYaml(APPS)).model);
    const parser = hcl2jsonParser();
    await parser.parse('warm.tf', 'a = 1\n'); // the WebAssembly start, once per run
    const start = performance.now();
    const inv = await inventoryRepos(tree, { parser });
    const findings = findLiveConflicts(inv);
    const ms = Math.round(performance.now() - start);
    console.log(`inventory + conflicts of ${APPS} apps: ${ms} ms`);
    // per app: VaultAuth, two VaultStaticSecrets, a VaultDynamicSecret; one IaC root module with
    // the app_roles call (auth role + database role) and one kv path
    expect(inv.objects).toHaveLength(4 * APPS);
    expect(inv.modules.filter((m) => m.modules.some((c) => c.label === 'app_roles'))).toHaveLength(APPS);
    expect(inv.identities).toHaveLength(3 * APPS);
    expect(inv.unreadable).toEqual([]);
    expect(findings).toEqual([]);
  }, 600_000);
});
