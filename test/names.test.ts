import { describe, expect, it } from 'vitest';
import * as names from '../src/model/names';

describe('the namer', () => {
  it('derives every name of the join key from <app>', () => {
    expect({
      role: names.pgRoleName('plausible'),
      policy: names.appPolicyName('plausible'),
      ops: names.opsPolicyName('plausible'),
      group: names.opsGroupName('plausible'),
      ci: names.ciRoleName('plausible'),
      k8sRole: names.k8sAuthRolePath('kubernetes', 'plausible'),
      auth: names.vaultAuthName('plausible', 'plausible'),
      authExtra: names.vaultAuthName('cms', 'cloudflared'),
      vss: names.staticSecretName('plausible', 'geoip'),
      vds: names.dynamicSecretName('plausible'),
      kv: names.kvPath('plausible', 'config'),
      creds: names.dbCredsPath('plausible'),
      state: names.stateKeyPrefix('tools', 'plausible'),
    }).toEqual({
      role: 'plausible_role',
      policy: 'plausible',
      ops: 'plausible-ops',
      group: 'plausible-ops',
      ci: 'gitea_cicd_plausible',
      k8sRole: 'auth/kubernetes/role/plausible',
      auth: 'plausible',
      authExtra: 'cms-cloudflared',
      vss: 'plausible-geoip',
      vds: 'plausible-db-credentials',
      kv: 'plausible/config',
      creds: 'creds/plausible',
      state: 'tools/plausible/main',
    });
  });

  it('gives the guidebook policy paths with trailing globs', () => {
    const paths = names.policyPaths('web', { kubernetes: 'kubernetes', kv: 'kvv2', database: 'postgres' }).map((p) => `${p.policy} ${p.path}`);
    expect(paths).toEqual([
      'web kvv2/data/web/*',
      'web postgres/creds/web*',
      'web-ops postgres/roles/web*',
      'web-ops auth/kubernetes/role/web*',
      'web-ops kvv2/data/web/*',
      'web-ops kvv2/delete/web/*',
      'web-ops kvv2/undelete/web/*',
      'web-ops kvv2/destroy/web/*',
      'web-ops kvv2/metadata/web/*',
      'web-ops kvv1/cloudflare/web*',
      'web-ops kvv1/ovh/web*',
    ]);
  });

  it('accepts DNS-1123 labels up to 63 characters and nothing else', () => {
    expect(names.isDns1123Label('a')).toBe(true);
    expect(names.isDns1123Label('a'.repeat(63))).toBe(true);
    expect(names.isDns1123Label('a'.repeat(64))).toBe(false);
    for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a/b', 'a*', 'a+b', '..']) expect(names.isDns1123Label(bad), bad).toBe(false);
    expect(names.isDns1123Label('1abc')).toBe(true);
  });

  it('explains why a name is not a plain PostgreSQL identifier, with the 63-byte limit', () => {
    expect(names.pgIdentifierProblem('my_app_role')).toBeUndefined();
    expect(names.pgIdentifierProblem('a'.repeat(63))).toBeUndefined();
    expect(names.pgIdentifierProblem('a'.repeat(64))).toBe(`"${'a'.repeat(64)}" is 64 bytes, over PostgreSQL's limit of 63`);
    expect(names.pgIdentifierProblem('my-app_role')).toBe('"my-app_role" contains "-", which PostgreSQL reads as a minus sign in an unquoted identifier');
    expect(names.pgIdentifierProblem('1app')).toBe('"1app" starts with a digit, which an unquoted PostgreSQL identifier cannot');
    expect(names.pgIdentifierProblem('select')).toBe('"select" is a reserved PostgreSQL keyword');
    expect(names.pgIdentifierProblem('Caps')).toBe(
      '"Caps" is not a plain PostgreSQL identifier (lowercase letters, digits and "_", not starting with a digit)',
    );
  });
});

describe('the namer at its limits', () => {
  const label63 = 'a'.repeat(61) + '-b';

  it('GIVEN DNS-1123 subdomains THEN up to 253 characters of dot-separated labels pass, nothing else', () => {
    expect(label63).toHaveLength(63);
    expect(names.isDns1123Subdomain('a')).toBe(true);
    expect(names.isDns1123Subdomain([label63, label63, label63, 'a'.repeat(61)].join('.'))).toBe(true); // 253
    expect(names.isDns1123Subdomain([label63, label63, label63, 'a'.repeat(62)].join('.'))).toBe(false); // 254
    for (const bad of ['', 'a..b', '.a', 'a.', '-a.b', 'a.b-', 'A.b', 'a_b', 'a/b']) expect(names.isDns1123Subdomain(bad), bad).toBe(false);
  });

  it('GIVEN the longest app and secret names THEN the derived Kubernetes names stay valid object names', () => {
    const secret = 'c'.repeat(63);
    for (const n of [names.staticSecretName(label63, secret), names.vaultAuthName(label63, secret), names.dynamicSecretName(label63)]) {
      expect(names.isDns1123Subdomain(n), n).toBe(true);
      expect(names.isDns1123Label(n), n).toBe(false); // over 63: a subdomain, not a label
    }
    expect(names.staticSecretName(label63, secret)).toHaveLength(127);
    expect(names.dynamicSecretName(label63)).toHaveLength(63 + '-db-credentials'.length);
  });

  it('GIVEN app names of 58 and 59 characters THEN <app>_role is 63 bytes (allowed) or 64 (refused)', () => {
    expect(names.pgIdentifierProblem(names.pgRoleName('a'.repeat(58)))).toBeUndefined();
    expect(names.pgRoleName('a'.repeat(58))).toHaveLength(names.PG_IDENTIFIER_MAX_BYTES);
    expect(names.pgIdentifierProblem(names.pgRoleName('a'.repeat(59)))).toMatch(/is 64 bytes, over PostgreSQL's limit of 63/);
    expect(names.pgIdentifierProblem(names.pgRoleName('my_app'))).toBeUndefined();
    expect(names.pgIdentifierProblem(names.pgRoleName('my-app'))).toMatch(/contains "-"/);
  });

  it("names a consumer's policy and role after it, and gives every role its token policies, base policy first", () => {
    expect(names.consumerPolicyName('geoip-reader')).toBe('geoip-reader');
    expect(names.consumerRoleName('geoip-reader')).toBe('geoip-reader');
    expect(names.k8sRoleTokenPolicies('web')).toEqual(['default', 'web']);
    expect(names.ciRoleTokenPolicies('web', [])).toEqual(['default', 'web-ops']);
    expect(names.ciRoleTokenPolicies('web', ['audit', 'billing'])).toEqual(['default', 'web-ops', 'audit', 'billing']);
    expect(names.appVaultNames('web')).toEqual(['web', 'web-ops']);
  });

  it("keeps an app's kv space to its own name: a longer name or a climb out is outside", () => {
    expect(names.kvSpace('web')).toBe('web/');
    for (const inside of ['web/config', 'web/a/b', 'web/x..y']) expect(names.inKvSpace('web', inside), inside).toBe(true);
    for (const outside of ['web', 'web2/config', 'we/b', 'web/../cms/x', 'web/a/../../cms', 'cms/web/x'])
      expect(names.inKvSpace('web', outside), outside).toBe(false);
    expect(names.kvSpaceGlob('secret', 'web')).toBe('secret/web/*');
    expect(names.mountPath('postgres', names.dbCredsPath('web'))).toBe('postgres/creds/web');
    expect(names.kvDataPath('kvv2', names.kvPath('web', 'config'))).toBe('kvv2/data/web/config');
    expect(names.k8sAuthRolePath('k8s', 'web')).toBe('auth/k8s/role/web');
    expect(names.dbRolePath('pg', 'web')).toBe('pg/roles/web');
  });

  it('derives the kv-v1 paths of the ops policy from the one kv-v1 mount, whatever the configured mounts', () => {
    const paths = names.policyPaths('web', { kubernetes: 'k8s', kv: 'secret', database: 'pg' }).map((p) => `${p.policy} ${p.path}`);
    expect(paths).toEqual([
      'web secret/data/web/*',
      'web pg/creds/web*',
      'web-ops pg/roles/web*',
      'web-ops auth/k8s/role/web*',
      'web-ops secret/data/web/*',
      'web-ops secret/delete/web/*',
      'web-ops secret/undelete/web/*',
      'web-ops secret/destroy/web/*',
      'web-ops secret/metadata/web/*',
      'web-ops kvv1/cloudflare/web*',
      'web-ops kvv1/ovh/web*',
    ]);
    expect(names.KV_V1_OPS_SPACES.map((s) => names.kvV1OpsPath(s, 'web'))).toEqual(paths.slice(-2).map((p) => p.split(' ')[1]));
    expect([names.MODULE_READER_KEY_PATH, names.STATE_BACKEND_KEY_PATH].every((p) => p.startsWith(`${names.KV_V1_MOUNT}/`))).toBe(true);
  });

  it('names every generated file with .gen., beside or below the dirs apps.yaml gives', () => {
    expect({
      vso: names.vsoFile('plausible/resources'),
      patch: names.initContainerPatchFile('plausible/resources'),
      patchTop: names.initContainerPatchFile('resources'),
      patchDeep: names.initContainerPatchFile('apps/web/chart/templates'),
      appRoles: names.appRolesFile('web/iac'),
      backend: names.backendFile('web/iac'),
      secrets: names.secretsFile('web/iac'),
      applications: names.applicationsFile('hashicorp-vault/iac'),
      consumers: names.consumersFile('hashicorp-vault/iac'),
      databases: names.databasesFile('postgres/iac'),
      page: names.appDocPath('web'),
      inventory: names.SECRET_PATHS_DOC,
      manifests: names.defaultManifestsDir('web'),
      iac: names.defaultIacDir('web'),
    }).toEqual({
      vso: 'plausible/resources/vso.gen.yaml',
      patch: 'plausible/add-initcontainer.gen.yaml',
      patchTop: 'add-initcontainer.gen.yaml',
      patchDeep: 'apps/web/chart/add-initcontainer.gen.yaml',
      appRoles: 'web/iac/app_roles.gen.tf',
      backend: 'web/iac/backend.gen.tf',
      secrets: 'web/iac/secrets.gen.tf',
      applications: 'hashicorp-vault/iac/applications.gen.auto.tfvars',
      consumers: 'hashicorp-vault/iac/consumers.gen.tf',
      databases: 'postgres/iac/databases.gen.auto.tfvars',
      page: 'apps/web.gen.md',
      inventory: 'secret-paths.gen.md',
      manifests: 'web/resources',
      iac: 'web/iac',
    });
  });

  it('writes tofu addresses, restart targets, the URL file and the state location one way', () => {
    expect(names.tofuAddress('vault_policy', 'c_1reader')).toBe('vault_policy.c_1reader');
    expect(names.tofuAddress('module', names.APP_ROLES_MODULE_LABEL)).toBe('module.app_roles');
    expect(names.restartTargetText({ kind: 'argo.Rollout', name: 'web' })).toBe('argo.Rollout/web');
    expect(names.databaseUrlFile('/generated-secrets', 'DATABASE_URL')).toBe('/generated-secrets/DATABASE_URL');
    expect(names.stateLocation('arcodange-tf', names.stateKeyPrefix('tools', 'web'))).toBe('arcodange-tf/tools/web/main');
    expect(names.consumerResourceLabel('1reader')).toBe('c_1reader');
    expect(names.secretResourceLabel('2fa')).toBe('s_2fa');
    expect(names.secretResourceLabel('config')).toBe('config');
  });
});

describe('one definition of each marker', () => {
  it("publish's bot trailer is the namer's, and the commit message ends with it (bot-branch detection reads the same constant)", async () => {
    const git = await import('../src/publish/git');
    const summary = await import('../src/publish/summary');
    expect(git.BOT_TRAILER).toBe(names.BOT_TRAILER);
    const plan = { repoId: 'tools', adds: [], changes: [], deletes: [], handOver: [] } as unknown as Parameters<typeof summary.commitMessage>[1];
    const message = summary.commitMessage({ repoId: 'tools', configCommit: 'abc' }, plan, {
      files: [],
      changedApps: [],
      addedApps: [],
      removedApps: [],
      newRoles: [],
    });
    expect(message.split('\n').at(-1)).toBe(names.BOT_TRAILER);
  });

  it('builds the default app_roles module source from the one module location check falls back to', async () => {
    const { APP_ROLES_MODULE, DEFAULTS } = await import('../src/model/defaults');
    expect(DEFAULTS.vault.appRolesModule).toBe(`git::ssh://git@gitea.arcodange.lab/arcodange-org/tools.git//${APP_ROLES_MODULE.dir}?ref=main`);
    expect(APP_ROLES_MODULE).toEqual({ repo: DEFAULTS.central.vault.repo, dir: `${DEFAULTS.central.vault.dir}/modules/app_roles` });
  });
});
