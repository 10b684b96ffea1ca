import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { explainApp } from '../src/explain';
import { renderFiles } from '../src/render';
import { appFileIndex } from '../src/render/provenance';
import { cli, load } from './helpers/check';

const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');
const { model } = load(APPS_YAML);
const files = appFileIndex(renderFiles(model));

describe('explain', () => {
  test('GIVEN plausible THEN explainApp returns every object its name produces', () => {
    const e = explainApp(model, 'plausible', files)!;
    expect(e.namespace).toBe('tools');
    expect(e.serviceAccounts).toEqual(['plausible']);
    expect(e.boundNamespaces).toEqual(['plausible', 'tools']);
    expect(e.vaultRole).toEqual({
      name: 'plausible',
      path: 'auth/kubernetes/role/plausible',
      audience: 'vault',
      tokenTtl: 3600,
      tokenPolicies: ['default', 'plausible'],
    });
    expect(e.policies.map((p) => p.name)).toEqual(['plausible', 'plausible-ops']);
    expect(e.policies[0]!.paths).toEqual([
      { path: 'kvv2/data/plausible/*', capabilities: ['read', 'list'] },
      { path: 'postgres/creds/plausible*', capabilities: ['read'] },
    ]);
    expect(e.ciRole).toEqual({ name: 'gitea_cicd_plausible', mount: 'gitea_jwt', tokenPolicies: ['default', 'plausible-ops'], group: 'plausible-ops' });
    expect(e.postgres).toEqual({
      role: 'plausible_role',
      database: 'plausible',
      dynamicRolePath: 'postgres/roles/plausible',
      credsPath: 'postgres/creds/plausible',
    });
    expect(e.vso.map((v) => `${v.kind} ${v.namespace}/${v.name}`)).toEqual([
      'VaultAuth tools/plausible',
      'VaultDynamicSecret tools/plausible-db-credentials',
      'VaultStaticSecret tools/plausible-config',
      'VaultStaticSecret tools/plausible-geoip',
    ]);
    expect(e.k8sSecrets.map((s) => s.name)).toEqual(['plausible-config', 'plausible-db-credentials', 'plausible-geoip']);
    expect(e.files).toEqual([
      { repo: 'docs', path: 'apps/plausible.gen.md' },
      { repo: 'docs', path: 'secret-paths.gen.md' },
      { repo: 'factory', path: 'postgres/iac/databases.gen.auto.tfvars' },
      { repo: 'tools', path: 'hashicorp-vault/iac/applications.gen.auto.tfvars' },
      { repo: 'tools', path: 'plausible/add-initcontainer.gen.yaml' },
      { repo: 'tools', path: 'plausible/iac/app_roles.gen.tf' },
      { repo: 'tools', path: 'plausible/iac/backend.gen.tf' },
      { repo: 'tools', path: 'plausible/iac/secrets.gen.tf' },
      { repo: 'tools', path: 'plausible/resources/vso.gen.yaml' },
    ]);
    expect(e.tofuStatePrefix).toBe('arcodange-tf/tools/plausible/main');
  });

  test('GIVEN cms (no database, a consumer reads it) and webapp (no repo) THEN the optional parts follow', () => {
    const cms = explainApp(model, 'cms', files)!;
    expect(cms.postgres).toBeUndefined();
    expect(cms.ciRole.tokenPolicies).toEqual(['default', 'cms-ops', 'factory__cf_r2_arcodange_tf']);
    expect(cms.readBy).toEqual([{ consumer: 'factory_crowdsec_conf', read: 'kvv2/cms/factory/*' }]);
    expect(cms.writes).toEqual(['kvv2/cms/factory/turnstile']);
    const webapp = explainApp(model, 'webapp', files)!;
    expect(webapp.vso).toEqual([]);
    expect(webapp.tofuStatePrefix).toBeUndefined();
    expect(explainApp(model, 'nope', files)).toBeUndefined();
  });

  test('GIVEN joinkey explain crowdsec THEN a table; --format json gives the same data', async () => {
    const r = await cli(['explain', 'crowdsec'], { 'apps.yaml': APPS_YAML });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^OBJECT\s+NAME\s+DETAIL$/);
    expect(lines).toContainEqual(expect.stringMatching(/^Postgres role\s+crowdsec_role\s+non-login role created by factory, owns the database$/));
    expect(r.stdout).toMatch(
      /\nVaultDynamicSecret\s+tools\/crowdsec-db-credentials\s+postgres\/creds\/crowdsec -> Secret crowdsec-db-credentials, restarts Deployment\/crowdsec-lapi, VaultAuth crowdsec\n/,
    );
    expect(r.stdout).toMatch(/\ntofu state prefix\s+arcodange-tf\/tools\/crowdsec\/main\s+/);
    const j = await cli(['explain', 'crowdsec', '--format', 'json'], { 'apps.yaml': APPS_YAML });
    expect(JSON.parse(j.stdout)).toEqual(JSON.parse(JSON.stringify(explainApp(model, 'crowdsec', files))));
  });

  test('GIVEN an unknown app THEN a clear error listing the known apps, exit 1', async () => {
    const r = await cli(['explain', 'webap'], { 'apps.yaml': APPS_YAML });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('joinkey: no app "webap" in apps.yaml; known apps: cms, crowdsec, erp, plausible, webapp\n');
  });
});
