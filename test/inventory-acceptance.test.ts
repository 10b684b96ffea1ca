import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  conflictFilesByRepo,
  findLiveConflicts,
  hcl2jsonParser,
  inventoryRepos,
  liveConflicts,
  overlayTrees,
  publishedTrees,
  type Inventory,
  type LiveFinding,
} from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';

/**
 * The acceptance of issue 9 (parts 1 and 2) on test/fixtures/platform, the guidebook's three repos
 * as they are run by hand: alone they are consistent; with joinkey's render of the bundled
 * apps.yaml overlaid, every duplicate object, backend, provider configuration, module label,
 * doubly-set variable and doubly-managed Vault object is found, at both positions.
 */

const FIXTURE = join(__dirname, 'fixtures', 'platform');
const REPOS = ['tools', 'factory', 'cms'];
const parser = hcl2jsonParser();

const brief = (f: LiveFinding) => [f.rule, `${f.file}:${f.line}:${f.col}`, `${f.related.file}:${f.related.line}:${f.related.col}`, f.severity];

let alone: Inventory;
let merged: Inventory;
beforeAll(async () => {
  const trees = readReposDir(FIXTURE, REPOS);
  const { model } = loadModel('apps.yaml', readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8'));
  alone = await inventoryRepos(trees, { parser });
  merged = await inventoryRepos(publishedTrees(trees, renderTree(model)), { parser });
}, 60_000);

describe('the hand-written platform alone', () => {
  test('GIVEN the three fixture repos THEN no conflict is found', () => {
    expect(findLiveConflicts(alone)).toEqual([]);
  });

  test('THEN what cannot be read is listed with the reason, and nothing else', () => {
    expect(alone.unreadable.map((u) => [`${u.at.repo}/${u.at.path}:${u.at.line}`, u.reason])).toEqual([
      ['cms/chart/templates/extra-objects.yaml:3', 'repeated by "{{ range .Values.extraObjects }}": how many objects, and their names, depend on values'],
      [
        'tools/plausible/kustomization.yaml:7',
        "helmCharts: the chart's objects are rendered by Helm at build time (kustomize --enable-helm); they are not read",
      ],
    ]);
  });

  test('THEN the guidebook objects are in the inventory, namespaced by the kustomization', () => {
    const ids = alone.objects.map((o) => `${o.at.repo}/${o.at.path}:${o.at.line} ${o.kind} ${o.namespace ?? '<applier>'}/${o.name ?? '<templated>'}`);
    expect(ids).toEqual([
      'cms/chart/templates/cloudflared-vault.yaml:6 VaultAuth <applier>/cloudflared',
      'cms/chart/templates/cloudflared-vault.yaml:19 VaultStaticSecret <applier>/cloudflared-token',
      'cms/chart/templates/cloudflared.yaml:5 ServiceAccount <applier>/cloudflared',
      'cms/chart/templates/cloudflared.yaml:7 Deployment <applier>/<templated>',
      'tools/plausible/resources/vaultauth.yaml:5 VaultAuth tools/plausible',
      'tools/plausible/resources/vaultsecret.yaml:4 VaultStaticSecret tools/plausible',
      'tools/plausible/resources/geoipsecret.yaml:4 VaultStaticSecret tools/plausible-geoip',
      'tools/plausible/resources/vaultdynamicsecret.yaml:4 VaultDynamicSecret tools/plausible-db-credentials',
      'tools/crowdsec/templates/vaultauth.yaml:4 VaultAuth tools/crowdsec',
      'tools/crowdsec/templates/vaultdynamicsecret.yaml:5 VaultDynamicSecret <applier>/crowdsec-db-credentials',
    ]);
    const secret = alone.objects.find((o) => o.kind === 'VaultStaticSecret' && o.name === 'plausible')!;
    expect(secret.vso).toMatchObject({
      destination: { name: 'plausible-config', create: true },
      vaultAuthRef: 'plausible',
      mount: 'kvv2',
      path: 'plausible/config',
    });
    expect(secret.kustomizations).toEqual(['plausible/kustomization.yaml', 'plausible/resources/kustomization.yaml']);
    const auth = alone.objects.find((o) => o.kind === 'VaultAuth' && o.name === 'crowdsec')!;
    expect(auth.unknown).toEqual(['spec.kubernetes.role']); // role: {{ .Values.vault.role }}
    expect(auth.vso).toMatchObject({ serviceAccount: 'crowdsec', mount: 'kubernetes', method: 'kubernetes' });
    expect(auth.vso?.kubernetesRole).toBeUndefined();
    expect(alone.patches).toEqual([
      {
        at: { repo: 'tools', path: 'plausible/add-initcontainer.yaml', line: 6, col: 9 },
        kustomization: 'plausible/kustomization.yaml',
        type: 'strategic-merge',
        target: { group: 'apps', kind: 'Deployment', name: 'plausible', namespace: 'tools' },
      },
    ]);
  });

  test('THEN the live identities are listed with the resource or module call that declares them', () => {
    const ids = alone.identities.map((i) => `${i.kind} ${i.name} <- ${i.module.repo}/${i.module.dir} ${i.address} @${i.at.line}`);
    for (const id of [
      'vault-kv-path kvv2/plausible/config <- tools/plausible/iac vault_kv_secret_v2.plausible_config @40',
      'vault-auth-role kubernetes/plausible <- tools/plausible/iac module.app_roles @24',
      'vault-database-role postgres/plausible <- tools/plausible/iac module.app_roles @24',
      'vault-kv-path kvv2/cms/factory/turnstile <- cms/iac vault_kv_secret_v2.turnstile @41',
      'vault-auth-role kubernetes/cms <- cms/iac module.app_roles @27',
      'vault-policy factory_crowdsec_conf <- tools/hashicorp-vault/iac vault_policy.factory_crowdsec_conf @4',
      'vault-auth-role kubernetes/factory_crowdsec_conf <- tools/hashicorp-vault/iac vault_kubernetes_auth_backend_role.factory_crowdsec_conf_role @13',
      'vault-auth-role kubernetes/vault-secret-operator <- tools/hashicorp-vault/iac vault_kubernetes_auth_backend_role.vso @58',
      'vault-policy cms-ops <- tools/hashicorp-vault/iac module.app_policy["cms"] @86',
      'vault-auth-role gitea_jwt/gitea_cicd_plausible <- tools/hashicorp-vault/iac module.app_policy["plausible"] @86',
      'postgres-role plausible_role <- factory/postgres/iac postgresql_role.app_role["plausible"] @22',
      'postgres-database erp <- factory/postgres/iac postgresql_database.app["erp"] @28',
    ])
      expect(ids).toContain(id);
    // cms has no database: its app_roles call sets disable_database = true
    expect(ids.filter((i) => i.includes('postgres/cms'))).toEqual([]);
    // the child modules' resources are named by their inputs, not listed on their own
    expect(alone.identities.filter((i) => i.module.dir.includes('/modules/'))).toEqual([]);
    const db = alone.identities.find((i) => i.name === 'erp' && i.kind === 'postgres-database')!;
    expect(db.via).toBe('for_each over var.applications (set in postgres/iac/terraform.tfvars)');
  });
});

describe('the platform with the generated files of the bundled apps.yaml', () => {
  test('GIVEN the render overlaid on the fixture THEN every duplicate is found with both positions', () => {
    expect(findLiveConflicts(merged).map(brief)).toEqual([
      ['live-duplicate-module', 'cms/iac/app_roles.gen.tf:5:1', 'cms/iac/main.tf:27:1', 'error'],
      ['live-duplicate-required-providers', 'cms/iac/backend.gen.tf:5:3', 'cms/iac/main.tf:12:3', 'error'],
      ['live-duplicate-backend', 'cms/iac/backend.gen.tf:9:3', 'cms/iac/main.tf:4:3', 'error'],
      ['live-duplicate-provider', 'cms/iac/backend.gen.tf:18:1', 'cms/iac/main.tf:18:1', 'error'],
      ['live-variable-overridden', 'factory/postgres/iac/databases.gen.auto.tfvars:5:1', 'factory/postgres/iac/terraform.tfvars:2:1', 'error'],
      ['live-duplicate-module', 'tools/crowdsec/iac/app_roles.gen.tf:5:1', 'tools/crowdsec/iac/main.tf:18:1', 'error'],
      ['live-duplicate-required-providers', 'tools/crowdsec/iac/backend.gen.tf:5:3', 'tools/crowdsec/iac/main.tf:6:3', 'error'],
      ['live-duplicate-backend', 'tools/crowdsec/iac/backend.gen.tf:9:3', 'tools/crowdsec/iac/main.tf:2:3', 'error'],
      ['live-duplicate-provider', 'tools/crowdsec/iac/backend.gen.tf:18:1', 'tools/crowdsec/iac/main.tf:11:1', 'error'],
      ['live-duplicate-object', 'tools/crowdsec/templates/vso.gen.yaml:8:9', 'tools/crowdsec/templates/vaultauth.yaml:4:9', 'error'],
      // the hand-written one takes Helm's release namespace: a duplicate once installed in tools
      ['live-duplicate-object', 'tools/crowdsec/templates/vso.gen.yaml:25:9', 'tools/crowdsec/templates/vaultdynamicsecret.yaml:5:9', 'warning'],
      ['live-variable-overridden', 'tools/hashicorp-vault/iac/applications.gen.auto.tfvars:6:1', 'tools/hashicorp-vault/iac/terraform.tfvars:1:1', 'error'],
      ['live-duplicate-resource', 'tools/hashicorp-vault/iac/consumers.gen.tf:12:1', 'tools/hashicorp-vault/iac/factory_auth.tf:4:1', 'error'],
      ['live-duplicate-identity', 'tools/hashicorp-vault/iac/consumers.gen.tf:17:1', 'tools/hashicorp-vault/iac/factory_auth.tf:13:1', 'error'],
      ['live-duplicate-module', 'tools/plausible/iac/app_roles.gen.tf:5:1', 'tools/plausible/iac/main.tf:24:1', 'error'],
      ['live-duplicate-required-providers', 'tools/plausible/iac/backend.gen.tf:5:3', 'tools/plausible/iac/main.tf:2:3', 'error'],
      ['live-duplicate-backend', 'tools/plausible/iac/backend.gen.tf:10:3', 'tools/plausible/iac/main.tf:10:3', 'error'],
      ['live-duplicate-provider', 'tools/plausible/iac/backend.gen.tf:19:1', 'tools/plausible/iac/main.tf:17:1', 'error'],
      ['live-duplicate-identity', 'tools/plausible/iac/secrets.gen.tf:15:1', 'tools/plausible/iac/main.tf:40:1', 'error'],
      ['live-duplicate-object', 'tools/plausible/resources/vso.gen.yaml:8:9', 'tools/plausible/resources/vaultauth.yaml:5:9', 'error'],
      ['live-duplicate-destination', 'tools/plausible/resources/vso.gen.yaml:25:9', 'tools/plausible/resources/vaultsecret.yaml:4:9', 'error'],
      ['live-duplicate-object', 'tools/plausible/resources/vso.gen.yaml:44:9', 'tools/plausible/resources/geoipsecret.yaml:4:18', 'error'],
      ['live-duplicate-object', 'tools/plausible/resources/vso.gen.yaml:63:9', 'tools/plausible/resources/vaultdynamicsecret.yaml:4:9', 'error'],
    ]);
  });

  test('THEN each message says which side to remove, and names both places', () => {
    for (const f of findLiveConflicts(merged)) {
      expect(f.message).toMatch(/remove .* \(joinkey now generates it in .*\), or keep the hand-written one and take it out of apps\.yaml|delete ".*" from it/);
      expect(f.message).toContain(`${f.related.file}:${f.related.line}`);
    }
    const overridden = findLiveConflicts(merged).find((f) => f.rule === 'live-variable-overridden' && f.file.startsWith('tools/'))!;
    expect(overridden.message).toContain(
      'applications.gen.auto.tfvars is loaded after tools/hashicorp-vault/iac/terraform.tfvars and silently replaces its whole value',
    );
    const destination = findLiveConflicts(merged).find((f) => f.rule === 'live-duplicate-destination')!;
    expect(destination.message).toContain('both write Secret tools/plausible-config');
    expect(destination.message).toContain('vso.gen.yaml is not listed in tools/plausible/resources/kustomization.yaml');
  });

  test('THEN every conflict is one the render brings, and liveConflicts gives the same in one call', async () => {
    expect(findLiveConflicts(merged).every((f) => f.generated)).toBe(true);
    const { model } = loadModel('apps.yaml', readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8'));
    const { findings } = await liveConflicts(readReposDir(FIXTURE, REPOS), renderTree(model), { parser });
    expect(findings).toEqual(findLiveConflicts(merged));
  });

  test('THEN publish can name, per repo, the files it must refuse', () => {
    expect(conflictFilesByRepo(findLiveConflicts(merged))).toEqual(
      new Map([
        ['cms', ['iac/app_roles.gen.tf', 'iac/backend.gen.tf', 'iac/main.tf']],
        ['factory', ['postgres/iac/databases.gen.auto.tfvars', 'postgres/iac/terraform.tfvars']],
        [
          'tools',
          [
            'crowdsec/iac/app_roles.gen.tf',
            'crowdsec/iac/backend.gen.tf',
            'crowdsec/iac/main.tf',
            'crowdsec/templates/vaultauth.yaml',
            'crowdsec/templates/vso.gen.yaml',
            'hashicorp-vault/iac/applications.gen.auto.tfvars',
            'hashicorp-vault/iac/consumers.gen.tf',
            'hashicorp-vault/iac/factory_auth.tf',
            'hashicorp-vault/iac/terraform.tfvars',
            'plausible/iac/app_roles.gen.tf',
            'plausible/iac/backend.gen.tf',
            'plausible/iac/main.tf',
            'plausible/iac/secrets.gen.tf',
            'plausible/resources/geoipsecret.yaml',
            'plausible/resources/vaultauth.yaml',
            'plausible/resources/vaultdynamicsecret.yaml',
            'plausible/resources/vaultsecret.yaml',
            'plausible/resources/vso.gen.yaml',
          ],
        ],
      ]),
    );
  });

  test('THEN the render alone (no hand-written files) has no conflict either', async () => {
    const { model } = loadModel('apps.yaml', readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8'));
    expect(findLiveConflicts(await inventoryRepos(renderTree(model), { parser }))).toEqual([]);
  });
});

describe('the repos as publish will leave them', () => {
  test('GIVEN a checkout holding an earlier render THEN the files joinkey owns are replaced, not counted twice', async () => {
    const { model } = loadModel('apps.yaml', readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8'));
    const render = renderTree(model);
    // the earlier render named the VaultAuth differently: as published, only the new one remains
    const earlier = new Map([...render].map(([repo, files]) => [repo, new Map(files)]));
    const tools = earlier.get('tools')!;
    const old = tools.get('plausible/resources/vso.gen.yaml')!;
    tools.set('plausible/resources/old.gen.yaml', old);
    const { ownershipContent, contentHash } = await import('../src/ownership');
    tools.set(
      '.joinkey/files.json',
      ownershipContent([...tools].filter(([p]) => p !== '.joinkey/files.json').map(([path, c]) => ({ path, hash: contentHash(c) }))),
    );
    // a generated file edited by hand since stays, as publish leaves it
    tools.set('crowdsec/templates/vso.gen.yaml', `${tools.get('crowdsec/templates/vso.gen.yaml')!}# edited\n`);
    const published = publishedTrees(earlier, render);
    expect(published.has('docs')).toBe(false);
    expect(published.get('tools')!.has('plausible/resources/old.gen.yaml')).toBe(false);
    expect(published.get('tools')!.get('crowdsec/templates/vso.gen.yaml')).toBe(render.get('tools')!.get('crowdsec/templates/vso.gen.yaml'));
    expect(findLiveConflicts(await inventoryRepos(published, { parser }))).toEqual([]);
    // overlaying without dropping the owned files would count the old one twice
    const naive = findLiveConflicts(await inventoryRepos(overlayTrees(earlier, render), { parser }));
    expect(naive.map((f) => f.rule)).toContain('live-duplicate-object');
  });
});
