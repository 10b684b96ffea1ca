import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { hcl2jsonParser, publishedTrees, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { appDirectory, isStateful, liveChangePlan, type LiveChangePlan, type LiveEffect } from '../src/live';
import { moduleDirOf } from '../src/live/from-inventory';
import { loadModel, type Model } from '../src/model';
import { renderTree } from '../src/render';

/**
 * The change plan of issue 9 part 3 end to end: real renders of apps.yaml laid over the target
 * repos (test/fixtures/platform, the guidebook's repos as run by hand) with publishedTrees, as
 * publish would leave them, then inventoried and planned.
 */

const FIXTURE = readReposDir(join(__dirname, 'fixtures', 'platform'), ['tools', 'factory', 'cms']);
const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');
const parser = hcl2jsonParser();
const EMPTY: RepoTrees = new Map();

type Edit = (doc: ReturnType<typeof parseDocument>) => void;
const edited = (...edits: Edit[]): string => {
  const doc = parseDocument(APPS_YAML);
  for (const e of edits) e(doc);
  return doc.toString();
};
const model = (text: string): Model => loadModel('apps.yaml', text).model;

/** The base branches hold `from`'s render over `checkouts`; the new render of `to` is published over them. */
async function planEdit(from: string, to: string, checkouts: RepoTrees = FIXTURE): Promise<LiveChangePlan> {
  const m1 = model(from);
  const m2 = model(to);
  const before = publishedTrees(checkouts, renderTree(m1));
  const after = publishedTrees(before, renderTree(m2));
  return liveChangePlan(before, after, { parser, apps: appDirectory(m1, m2), deployedApps: m2.apps.map((a) => a.name) });
}

const where = (e: LiveEffect) => (e.object === 'tofu' ? `${e.repo}/${e.module} ${e.address}` : `${e.repo} ${e.identity}`);
const brief = (effects: readonly LiveEffect[]) => effects.map((e) => `${e.effect} ${where(e)}`);

describe('GIVEN an app removed from apps.yaml', () => {
  test.each(['webapp', 'erp', 'plausible'])(
    'WHEN %s is removed THEN its database is destroyed with DROP DATABASE, stateful, and so is its role',
    async (app) => {
      const plan = await planEdit(
        APPS_YAML,
        edited((d) => d.deleteIn(['apps', app])),
      );
      const db = plan.effects.find((e) => e.object === 'tofu' && e.address === `postgresql_database.app["${app}"]`);
      expect(db).toMatchObject({ effect: 'destroy', repo: 'factory', module: 'postgres/iac', app, appDeployed: false });
      expect(db!.dataEffect).toMatch(new RegExp(`^DROP DATABASE ${app} WITH \\(FORCE\\) after terminating every session: all its data is lost`));
      expect(brief(plan.stateful)).toEqual(
        expect.arrayContaining([
          `destroy factory/postgres/iac postgresql_database.app["${app}"]`,
          `destroy factory/postgres/iac postgresql_role.app_role["${app}"]`,
        ]),
      );
      // its Vault policies and CI role go too, but the app is gone: they are not stateful
      const policies = plan.effects.filter((e) => e.object === 'tofu' && e.address.startsWith(`module.app_policy["${app}"].`));
      expect(policies.map((e) => `${e.effect} ${isStateful(e)}`)).toEqual(Array(4).fill('destroy false'));
      // nothing of another app changes
      expect(plan.effects.filter((e) => e.app !== app)).toEqual([]);
    },
    60_000,
  );

  test('WHEN erp is removed THEN the whole plan is its six objects, destroys first', async () => {
    const plan = await planEdit(
      APPS_YAML,
      edited((d) => d.deleteIn(['apps', 'erp'])),
    );
    expect(brief(plan.effects)).toEqual([
      'destroy factory/postgres/iac postgresql_database.app["erp"]',
      'destroy factory/postgres/iac postgresql_role.app_role["erp"]',
      'destroy tools/hashicorp-vault/iac module.app_policy["erp"].vault_identity_group.ops',
      'destroy tools/hashicorp-vault/iac module.app_policy["erp"].vault_jwt_auth_backend_role.cicd',
      'destroy tools/hashicorp-vault/iac module.app_policy["erp"].vault_policy.app',
      'destroy tools/hashicorp-vault/iac module.app_policy["erp"].vault_policy.ops',
    ]);
    expect(brief(plan.stateful)).toEqual(brief(plan.effects).slice(0, 2));
  }, 60_000);

  test('WHEN an app with manifests (plausible) is removed THEN its VSO objects go, and the Secrets they created with them', async () => {
    const plan = await planEdit(
      APPS_YAML,
      edited((d) => d.deleteIn(['apps', 'plausible'])),
      EMPTY,
    );
    const kube = plan.effects.filter((e) => e.object === 'kubernetes');
    expect(kube.map((e) => `${e.effect} ${e.identity}`)).toEqual([
      'destroy apps/Deployment/tools/plausible',
      'destroy secrets.hashicorp.com/VaultAuth/tools/plausible',
      'destroy secrets.hashicorp.com/VaultDynamicSecret/tools/plausible-db-credentials',
      'destroy secrets.hashicorp.com/VaultStaticSecret/tools/plausible-config',
      'destroy secrets.hashicorp.com/VaultStaticSecret/tools/plausible-geoip',
    ]);
    expect(kube.filter((e) => e.kind !== 'VaultAuth' && e.kind !== 'Deployment').map((e) => e.dataEffect)).toEqual([
      'Kubernetes garbage collection deletes Secret tools/plausible-db-credentials (VSO set an ownerReference to this object: destination.create is true)',
      'Kubernetes garbage collection deletes Secret tools/plausible-config (VSO set an ownerReference to this object: destination.create is true)',
      'Kubernetes garbage collection deletes Secret tools/plausible-geoip (VSO set an ownerReference to this object: destination.create is true)',
    ]);
    // the generated secrets and their kv data are stateful
    expect(brief(plan.stateful)).toEqual(
      expect.arrayContaining([
        'destroy tools/plausible/iac random_password.config["SECRET_KEY_BASE"]',
        'destroy tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]',
        'destroy tools/plausible/iac vault_kv_secret_v2.config',
      ]),
    );
  }, 60_000);
});

describe('GIVEN a generated secret changed in apps.yaml', () => {
  // TOTP_VAULT_KEY sets its own length (32, what Plausible decodes), so the secret's length reaches SECRET_KEY_BASE only.
  test.each([16, 32, 128])(
    'WHEN its length becomes %i THEN every key that takes it rotates and the kv secret gets a new version, all stateful',
    async (length) => {
      const plan = await planEdit(
        APPS_YAML,
        edited((d) => d.setIn(['apps', 'plausible', 'secrets', 'config', 'length'], length)),
      );
      expect(plan.effects.map((e) => `${e.effect} ${where(e)} [${e.causes.join(', ')}]`)).toEqual([
        'rotate tools/plausible/iac random_password.config["SECRET_KEY_BASE"] [length]',
        'update tools/plausible/iac vault_kv_secret_v2.config [rotation of random_password.config["SECRET_KEY_BASE"]]',
      ]);
      expect(plan.stateful).toEqual(plan.effects);
    },
    60_000,
  );

  test('WHEN a key loses its own options THEN it rotates, stateful', async () => {
    const plan = await planEdit(
      APPS_YAML,
      edited((d) => d.setIn(['apps', 'plausible', 'secrets', 'config', 'generate'], ['SECRET_KEY_BASE', 'TOTP_VAULT_KEY'])),
    );
    expect(brief(plan.effects)[0]).toBe('rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]');
    expect(plan.stateful.length).toBeGreaterThan(0);
  }, 60_000);

  test('WHEN a key is added THEN it is created and the kv secret updated; nothing old rotates', async () => {
    const plan = await planEdit(
      APPS_YAML,
      edited((d) => d.addIn(['apps', 'plausible', 'secrets', 'config', 'generate'], 'EXTRA')),
    );
    expect(brief(plan.effects)).toEqual(['create tools/plausible/iac random_password.config["EXTRA"]', 'update tools/plausible/iac vault_kv_secret_v2.config']);
    expect(plan.stateful).toEqual([]);
  }, 60_000);

  test('WHEN the secret is renamed THEN its keys rotate (destroy + create), moved blocks are suggested, and the VSO object that owned the old Secret deletes it', async () => {
    const rename: Edit = (d) => {
      const config = d.getIn(['apps', 'plausible', 'secrets', 'config']);
      d.deleteIn(['apps', 'plausible', 'secrets', 'config']);
      d.setIn(['apps', 'plausible', 'secrets', 'settings'], config);
    };
    const plan = await planEdit(APPS_YAML, edited(rename));
    expect(plan.effects.map((e) => `${e.effect} ${where(e)}`)).toEqual([
      'destroy tools secrets.hashicorp.com/VaultStaticSecret/tools/plausible-config',
      'destroy tools/plausible/iac vault_kv_secret_v2.config',
      'rotate tools/plausible/iac random_password.config["SECRET_KEY_BASE"]',
      'rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]',
      'create tools secrets.hashicorp.com/VaultStaticSecret/tools/plausible-settings',
      'create tools/plausible/iac random_password.settings["SECRET_KEY_BASE"]',
      'create tools/plausible/iac random_password.settings["TOTP_VAULT_KEY"]',
      'create tools/plausible/iac vault_kv_secret_v2.settings',
    ]);
    expect(brief(plan.stateful)).toEqual(brief(plan.effects).slice(1, 4));
    expect(plan.effects[0]!.dataEffect).toMatch(/^Kubernetes garbage collection deletes Secret tools\/plausible-config/);
    // (c) the address-only part of the rename: one moved block per key
    expect(plan.suggestions.map((s) => (s.kind === 'moved' ? `${s.repo}/${s.module}\n${s.hcl}` : s.kind))).toEqual([
      'tools/plausible/iac\nmoved {\n  from = random_password.config["SECRET_KEY_BASE"]\n  to   = random_password.settings["SECRET_KEY_BASE"]\n}',
      'tools/plausible/iac\nmoved {\n  from = random_password.config["TOTP_VAULT_KEY"]\n  to   = random_password.settings["TOTP_VAULT_KEY"]\n}',
    ]);
  }, 60_000);
});

describe('GIVEN a hand-written resource renamed in a target repo', () => {
  const MAIN = 'plausible/iac/main.tf';
  const withMain = (trees: RepoTrees, edit: (text: string) => string): RepoTrees => {
    const tools = new Map(trees.get('tools'));
    tools.set(MAIN, edit(tools.get(MAIN)!));
    return new Map([...trees, ['tools', tools]]);
  };
  const rename = (from: string, to: string) => (t: string) =>
    t.replaceAll(`"${from}"`, `"${to}"`).replaceAll(`random_password.${from}.`, `random_password.${to}.`);
  const apps = appDirectory(model(APPS_YAML));

  test.each([
    ['totp_vault_key', 'totp'],
    ['secret_key_base', 'skb'],
  ])(
    'WHEN random_password.%s becomes %s without a moved block THEN it rotates and a moved block is suggested; WITH that block THEN it only moves',
    async (from, to) => {
      const before = publishedTrees(FIXTURE, renderTree(model(APPS_YAML)));
      const after = withMain(before, rename(from, to));
      const plan = await liveChangePlan(before, after, { parser, apps });
      expect(brief(plan.effects)).toEqual([
        `rotate tools/plausible/iac random_password.${from}`,
        `create tools/plausible/iac random_password.${to}`,
        'update tools/plausible/iac vault_kv_secret_v2.plausible_config',
      ]);
      const moved = plan.suggestions.flatMap((s) => (s.kind === 'moved' ? [s.hcl] : []));
      expect(moved).toEqual([`moved {\n  from = random_password.${from}\n  to   = random_password.${to}\n}`]);

      const applied = withMain(after, (t) => `${t}\n${moved[0]}\n`);
      const again = await liveChangePlan(before, applied, { parser, apps });
      expect(again.effects.map((e) => `${e.effect} ${where(e)} [${e.causes.join(', ')}]`)).toEqual([
        `update tools/plausible/iac vault_kv_secret_v2.plausible_config [data_json]`,
        `move tools/plausible/iac random_password.${to} [moved from random_password.${from}]`,
      ]);
      // the kv update is the reference text changing, not a rotation
      expect(again.stateful).toEqual([]);
    },
    60_000,
  );

  test('WHEN a removed block with destroy = false replaces the resource THEN it is forgotten, not destroyed; with destroy = true it is a destroy', async () => {
    const before = publishedTrees(FIXTURE, renderTree(model(APPS_YAML)));
    const drop = (destroy: boolean) => (t: string) =>
      `${t.replace(/resource "random_password" "totp_vault_key" \{[^}]*\}\n/, '').replace(/\n\s*TOTP_VAULT_KEY\s*=.*\n/, '\n')}\nremoved {\n  from = random_password.totp_vault_key\n  lifecycle {\n    destroy = ${destroy}\n  }\n}\n`;
    const kept = await liveChangePlan(before, withMain(before, drop(false)), { parser, apps });
    expect(brief(kept.effects)).toEqual([
      'update tools/plausible/iac vault_kv_secret_v2.plausible_config',
      'forget tools/plausible/iac random_password.totp_vault_key',
    ]);
    const gone = await liveChangePlan(before, withMain(before, drop(true)), { parser, apps });
    expect(brief(gone.effects)).toEqual([
      'destroy tools/plausible/iac random_password.totp_vault_key',
      'update tools/plausible/iac vault_kv_secret_v2.plausible_config',
    ]);
    expect(brief(gone.stateful)).toEqual(['destroy tools/plausible/iac random_password.totp_vault_key']);
  }, 60_000);
});

describe('GIVEN a VSO object deleted', () => {
  test.each([
    ['cms', 'cloudflared', 'cms', 'cms-cloudflared'],
    ['plausible', 'geoip', 'tools', 'plausible-geoip'],
    ['plausible', 'config', 'tools', 'plausible-config'],
  ])(
    'WHEN the secret %s/%s is removed from apps.yaml THEN its VaultStaticSecret is destroyed and, with destination.create true, its Secret with it',
    async (app, secret, namespace, name) => {
      const plan = await planEdit(
        APPS_YAML,
        edited((d) => d.deleteIn(['apps', app, 'secrets', secret])),
        EMPTY,
      );
      const vss = plan.effects.filter((e) => e.object === 'kubernetes' && e.kind === 'VaultStaticSecret');
      expect(vss.map((e) => `${e.effect} ${where(e)} ${e.breaking}`)).toEqual([
        `destroy ${app === 'cms' ? 'cms' : 'tools'} secrets.hashicorp.com/VaultStaticSecret/${namespace}/${name} pods reading Secret ${namespace}/${name} lose it`,
      ]);
      expect(vss[0]!.dataEffect).toBe(
        `Kubernetes garbage collection deletes Secret ${namespace}/${name} (VSO set an ownerReference to this object: destination.create is true)`,
      );
    },
    60_000,
  );

  test.each([
    ['plausible/resources/vaultsecret.yaml', 'tools/plausible', 'plausible-config'],
    ['plausible/resources/geoipsecret.yaml', 'tools/plausible-geoip', 'plausible-geoip'],
  ])(
    'WHEN the hand-written %s is deleted THEN the object and the Secret it created are destroyed',
    async (path, identity, secret) => {
      const tools = new Map(FIXTURE.get('tools'));
      tools.delete(path);
      const plan = await liveChangePlan(FIXTURE, new Map([...FIXTURE, ['tools', tools]]), { parser });
      expect(plan.effects.map((e) => `${e.effect} ${where(e)} | ${e.dataEffect}`)).toEqual([
        `destroy tools secrets.hashicorp.com/VaultStaticSecret/${identity} | Kubernetes garbage collection deletes Secret tools/${secret} (VSO set an ownerReference to this object: destination.create is true)`,
      ]);
    },
    60_000,
  );
});

describe('GIVEN nothing changes', () => {
  test('WHEN the same apps.yaml is published again over the fixture THEN there is no effect and no suggestion', async () => {
    const plan = await planEdit(APPS_YAML, APPS_YAML);
    expect(plan.effects).toEqual([]);
    expect(plan.suggestions).toEqual([]);
  }, 60_000);

  test('WHEN only the order of apps and comments change THEN there is no effect', async () => {
    const reordered = edited((d) => {
      const erp = d.getIn(['apps', 'erp']);
      d.deleteIn(['apps', 'erp']);
      d.setIn(['apps', 'erp'], erp);
      d.commentBefore = 'reordered';
    });
    expect((await planEdit(APPS_YAML, reordered)).effects).toEqual([]);
  }, 60_000);

  test('WHEN the fixture is compared with itself THEN there is no effect; the notes list what could not be planned', async () => {
    const plan = await liveChangePlan(FIXTURE, FIXTURE, { parser });
    expect(plan.effects).toEqual([]);
    expect(plan.notes).toContain(
      'before: cms/chart/templates/extra-objects.yaml:3:1: repeated by "{{ range .Values.extraObjects }}": how many objects, and their names, depend on values',
    );
    expect(plan.notes).toContain(
      'before: tools/plausible/iac: the count of module.app_roles.vault_database_secret_backend_role.app is not known from the files: planned as one object at module.app_roles.vault_database_secret_backend_role.app',
    );
  }, 60_000);
});

describe('the adapter', () => {
  test('module sources: local paths from the caller, git sources naming a repo read; others are not followed', () => {
    const repos = new Set(['tools', 'cms']);
    const caller = { repo: 'tools', dir: 'hashicorp-vault/iac' };
    expect(moduleDirOf(caller, './modules/app_policy', repos)).toBe('tools\u0000hashicorp-vault/iac/modules/app_policy');
    expect(moduleDirOf(caller, '../shared/m', repos)).toBe('tools\u0000hashicorp-vault/shared/m');
    expect(moduleDirOf(caller, 'git::ssh://git@gitea.arcodange.lab/arcodange-org/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main', repos)).toBe(
      'tools\u0000hashicorp-vault/iac/modules/app_roles',
    );
    expect(moduleDirOf(caller, 'git::https://example.org/o/cms//iac/m/', repos)).toBe('cms\u0000iac/m');
    expect(moduleDirOf(caller, 'git::ssh://git@h/o/other.git//m', repos)).toBe('');
    expect(moduleDirOf(caller, 'registry.example/ns/name/prov', repos)).toBe('');
  });

  test('GIVEN a module call whose input changes THEN the resources inside it are planned under module.<label>', async () => {
    const plan = await planEdit(
      APPS_YAML,
      edited((d) => d.setIn(['apps', 'cms', 'serviceAccounts'], ['cloudflared', 'worker'])),
    );
    const role = plan.effects.find((e) => e.object === 'tofu' && e.repo === 'cms' && e.address === 'module.app_roles.vault_kubernetes_auth_backend_role.app');
    expect(role).toMatchObject({ effect: 'update', causes: ['bound_service_account_names'] });
    // the same module without the tools repo read: not followed, and said so
    const blind = await planEdit(
      APPS_YAML,
      edited((d) => d.setIn(['apps', 'cms', 'serviceAccounts'], ['cloudflared', 'worker'])),
      EMPTY,
    );
    expect(blind.effects.filter((e) => e.repo === 'cms')).toEqual([]);
    expect(blind.notes).toContain(
      'after: cms/iac: module.app_roles calls git::ssh://git@gitea.arcodange.lab/arcodange-org/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main, which is not in the repos read: the objects it manages are not planned',
    );
  }, 60_000);
});
