import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { InputError } from '../src/errors';
import { hcl2jsonParser, publishedTrees, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { deployedNames, guardFindings, guardLiveChanges, liveAppDirectory, liveChangePlan, type GuardVerdict, type LiveEffect } from '../src/live';
import { loadModel, loadUncheckedModel, type Model } from '../src/model';
import { checkModel } from '../src/rules';
import { renderTree } from '../src/render';

/**
 * The guard of issue 9 part 4 end to end: the bundled apps.yaml rendered over the guidebook's
 * repos (test/fixtures/platform) is the base; an edit is rendered over it; the plan's stateful
 * effects are judged against the NEW apps.yaml only. The old one is never consulted: the
 * ownership lists of the base (.joinkey/files.json "apps") say whose files a removed app had.
 */

const FIXTURE = readReposDir(join(__dirname, 'fixtures', 'platform'), ['tools', 'factory', 'cms']);
const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');
const parser = hcl2jsonParser();

type Doc = ReturnType<typeof parseDocument>;
const edited = (...edits: ((doc: Doc) => void)[]): string => {
  const doc = parseDocument(APPS_YAML);
  for (const e of edits) e(doc);
  return doc.toString();
};
const retire = (name: string, entry: Record<string, unknown>) => (d: Doc) =>
  d.setIn(['retired', name], d.createNode({ reason: 'reviewed in the PR', ...entry }));
const model = (text: string): Model => loadModel('apps.yaml', text).model;

async function guard(to: string, from = APPS_YAML, checkouts: RepoTrees = FIXTURE): Promise<{ verdict: GuardVerdict; next: Model }> {
  const before = publishedTrees(checkouts, renderTree(model(from)));
  const next = model(to);
  const after = publishedTrees(before, renderTree(next));
  const plan = await liveChangePlan(before, after, { parser, apps: liveAppDirectory(next, before), deployedApps: deployedNames(next) });
  return { verdict: guardLiveChanges(plan, next), next };
}

const where = (e: LiveEffect) => (e.object === 'tofu' ? `${e.repo}/${e.module} ${e.address}` : `${e.repo} ${e.identity}`);
const unacked = (v: GuardVerdict) => v.unacknowledged.map((e) => `${e.effect} ${where(e)}`);
const acked = (v: GuardVerdict) => v.acknowledged.map((a) => `${a.effect.effect} ${where(a.effect)} by ${a.by}`);

describe('GIVEN an app removed from apps.yaml', () => {
  test.each(['erp', 'webapp', 'crowdsec'])(
    'WHEN %s goes unacknowledged THEN DROP DATABASE and its role are refused, with a finding that says how to retire it',
    async (app) => {
      const { verdict, next } = await guard(edited((d) => d.deleteIn(['apps', app])));
      expect(unacked(verdict)).toEqual(
        expect.arrayContaining([
          `destroy factory/postgres/iac postgresql_database.app["${app}"]`,
          `destroy factory/postgres/iac postgresql_role.app_role["${app}"]`,
        ]),
      );
      expect(verdict.acknowledged).toEqual([]);
      const messages = guardFindings(verdict, next).map((f) => `${f.rule} ${f.path.join('.')}: ${f.message}`);
      expect(messages.find((m) => m.includes(`postgresql_database.app["${app}"]`))).toMatch(
        new RegExp(`^live-unacknowledged apps: .*DROP DATABASE ${app} WITH \\(FORCE\\).*add retired: \\{ ${app}: \\{ reason: "\\.\\.\\." \\} \\}`),
      );
    },
    60_000,
  );

  test.each(['erp', 'webapp'])(
    'WHEN %s is retired THEN every destroy of it is acknowledged by that entry, none left',
    async (app) => {
      const { verdict } = await guard(edited((d) => d.deleteIn(['apps', app]), retire(app, {})));
      expect(verdict.unacknowledged).toEqual([]);
      expect(acked(verdict)).toEqual(
        expect.arrayContaining([
          `destroy factory/postgres/iac postgresql_database.app["${app}"] by retired.${app}`,
          `destroy factory/postgres/iac postgresql_role.app_role["${app}"] by retired.${app}`,
        ]),
      );
    },
    60_000,
  );

  test('WHEN plausible, whose own IaC holds generated secrets, is removed THEN its random_password and kv data are attributed through the ownership list and need retired: too', async () => {
    const gone = edited((d) => d.deleteIn(['apps', 'plausible']));
    const { verdict } = await guard(gone);
    expect(unacked(verdict)).toEqual(
      expect.arrayContaining([
        'destroy tools/plausible/iac random_password.config["SECRET_KEY_BASE"]',
        'destroy tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]',
        'destroy tools/plausible/iac vault_kv_secret_v2.config',
      ]),
    );
    expect(verdict.unacknowledged.filter((e) => e.module === 'plausible/iac').every((e) => e.app === 'plausible')).toBe(true);
    const retired = await guard(edited((d) => d.deleteIn(['apps', 'plausible']), retire('plausible', {})));
    expect(retired.verdict.unacknowledged).toEqual([]);
    expect(acked(retired.verdict)).toContain('destroy tools/plausible/iac vault_kv_secret_v2.config by retired.plausible');
  }, 60_000);

  test('WHEN a different app is retired THEN it acknowledges nothing of the removed one', async () => {
    const { verdict } = await guard(edited((d) => d.deleteIn(['apps', 'erp']), retire('oldcrm', {})));
    expect(unacked(verdict)).toContain('destroy factory/postgres/iac postgresql_database.app["erp"]');
  }, 60_000);
});

describe('GIVEN a generated key whose arguments change', () => {
  const totp = (options: Record<string, unknown>) => (d: Doc) =>
    d.setIn(['apps', 'plausible', 'secrets', 'config', 'generate', 1], d.createNode({ TOTP_VAULT_KEY: options }));

  test.each([
    [{ length: 40, rotation: 1 }, 'length'],
    [{ length: 32, rotation: 1, special: false }, 'special'],
    [{ length: 32, rotation: 1, minNumeric: 4 }, 'min_numeric'],
    // lowering or removing the counter rotates too (its keepers change), and is no acknowledgement
    [{ length: 32 }, 'keepers'],
    [{ length: 32, rotation: 0 }, 'keepers'],
  ])(
    'WHEN %j does not raise the rotation counter THEN the rotation and the kv write it reaches are refused',
    async (options, cause) => {
      const { verdict, next } = await guard(edited(totp(options)));
      expect(unacked(verdict)).toEqual([
        'rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]',
        'update tools/plausible/iac vault_kv_secret_v2.config',
      ]);
      expect(verdict.unacknowledged[0]!.causes).toContain(cause);
      const [f] = guardFindings(verdict, next);
      expect(f!.path).toEqual(['apps', 'plausible', 'secrets', 'config', 'generate', 1]);
      expect(f!.message).toMatch(/raise the rotation of TOTP_VAULT_KEY/);
    },
    60_000,
  );

  test.each([[{ length: 40, rotation: 2 }], [{ length: 32, rotation: 2 }], [{ length: 40, rotation: 7 }]])(
    'WHEN %j raises the rotation counter THEN the rotation is acknowledged, and so is the kv write',
    async (options) => {
      const { verdict } = await guard(edited(totp(options)));
      expect(verdict.unacknowledged).toEqual([]);
      expect(acked(verdict)).toEqual([
        'rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"] by the rotation counter of random_password.config["TOTP_VAULT_KEY"] (keepers)',
        'update tools/plausible/iac vault_kv_secret_v2.config by the rotation counter of random_password.config["TOTP_VAULT_KEY"] (keepers)',
      ]);
    },
    60_000,
  );
});

describe('GIVEN parts of an app that stays', () => {
  test('WHEN plausible drops its database THEN DROP DATABASE waits for retired.plausible.database', async () => {
    const noDb = (d: Doc) => {
      d.setIn(['apps', 'plausible', 'database'], false);
    };
    const { verdict } = await guard(edited(noDb));
    expect(unacked(verdict)).toEqual(expect.arrayContaining(['destroy factory/postgres/iac postgresql_database.app["plausible"]']));
    const ok = await guard(edited(noDb, retire('plausible', { database: true })));
    expect(ok.verdict.unacknowledged).toEqual([]);
    expect(acked(ok.verdict)).toContain('destroy factory/postgres/iac postgresql_database.app["plausible"] by retired.plausible.database');
  }, 60_000);

  test('WHEN a generated key is removed THEN only retiring that key (or its secret) acknowledges it', async () => {
    const dropKey = (d: Doc) => d.deleteIn(['apps', 'plausible', 'secrets', 'config', 'generate', 0]);
    const bare = await guard(edited(dropKey));
    expect(unacked(bare.verdict)).toEqual(['destroy tools/plausible/iac random_password.config["SECRET_KEY_BASE"]']);
    const otherKey = await guard(edited(dropKey, retire('plausible', { secrets: ['config.OTHER'] })));
    expect(unacked(otherKey.verdict)).toEqual(['destroy tools/plausible/iac random_password.config["SECRET_KEY_BASE"]']);
    const ok = await guard(edited(dropKey, retire('plausible', { secrets: ['config.SECRET_KEY_BASE'] })));
    expect(ok.verdict.unacknowledged).toEqual([]);
    expect(acked(ok.verdict)).toEqual([
      'destroy tools/plausible/iac random_password.config["SECRET_KEY_BASE"] by retired.plausible.secrets config.SECRET_KEY_BASE',
    ]);
  }, 60_000);

  test('WHEN a whole generated secret is removed THEN retiring the secret acknowledges its passwords and its kv data', async () => {
    const dropSecret = (d: Doc) => d.deleteIn(['apps', 'plausible', 'secrets', 'config']);
    const gone = [
      'destroy tools/plausible/iac random_password.config["SECRET_KEY_BASE"]',
      'destroy tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]',
      'destroy tools/plausible/iac vault_kv_secret_v2.config',
    ];
    expect(unacked((await guard(edited(dropSecret))).verdict)).toEqual(gone);
    const ok = await guard(edited(dropSecret, retire('plausible', { secrets: ['config'] })));
    expect(ok.verdict.unacknowledged).toEqual([]);
    expect(acked(ok.verdict)).toEqual(gone.map((g) => `${g} by retired.plausible.secrets config`));
  }, 60_000);

  // on the render alone: the fixture's hand-written factory_auth.tf declares the same policy (a conflict check reports)
  test('WHEN a consumer is removed THEN its Vault policy and role wait for retired: <consumer>', async () => {
    const drop = (d: Doc) => d.deleteIn(['consumers']);
    const bare = await guard(edited(drop), APPS_YAML, new Map());
    expect(unacked(bare.verdict)).toEqual([
      'destroy tools/hashicorp-vault/iac vault_kubernetes_auth_backend_role.factory_crowdsec_conf',
      'destroy tools/hashicorp-vault/iac vault_policy.factory_crowdsec_conf',
    ]);
    const ok = await guard(edited(drop, retire('factory_crowdsec_conf', {})), APPS_YAML, new Map());
    expect(ok.verdict.unacknowledged).toEqual([]);
    expect(ok.verdict.acknowledged.map((a) => a.by)).toEqual(['retired.factory_crowdsec_conf', 'retired.factory_crowdsec_conf']);
  }, 60_000);

  test('WHEN nothing stateful changes THEN the verdict is empty both ways', async () => {
    const { verdict } = await guard(edited((d) => d.setIn(['apps', 'newapp'], d.createNode({}))));
    expect(verdict).toEqual({ unacknowledged: [], acknowledged: [] });
  }, 60_000);
});

describe('GIVEN a generated secret renamed', () => {
  /** plausible's config secret under a new name, with renamedFrom or without. */
  const rename = (to: string, renamedFrom?: string) => (d: Doc) => {
    const config = d.getIn(['apps', 'plausible', 'secrets', 'config']) as { set(k: string, v: unknown): void };
    if (renamedFrom !== undefined) config.set('renamedFrom', renamedFrom);
    const secrets = d.getIn(['apps', 'plausible', 'secrets']) as { items: { key: { value: string } }[] };
    secrets.items.find((i) => i.key.value === 'config')!.key.value = to;
  };

  test.each(['settings', 'app-config'])(
    'WHEN config becomes %s with renamedFrom THEN the passwords move (no rotation) and the kv rewrite is acknowledged',
    async (to) => {
      const { verdict } = await guard(edited(rename(to, 'config')));
      expect(verdict.unacknowledged).toEqual([]);
      expect(acked(verdict)).toEqual([`replace tools/plausible/iac vault_kv_secret_v2.${to} by apps.plausible.secrets.${to}.renamedFrom`]);
    },
    60_000,
  );

  test('WHEN renamed without renamedFrom THEN both passwords rotate and the old kv data is destroyed, unacknowledged', async () => {
    const { verdict, next } = await guard(edited(rename('settings')));
    expect(unacked(verdict)).toEqual([
      'destroy tools/plausible/iac vault_kv_secret_v2.config',
      'rotate tools/plausible/iac random_password.config["SECRET_KEY_BASE"]',
      'rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"]',
    ]);
    expect(guardFindings(verdict, next).map((f) => f.path.join('.'))).toContain('apps.plausible');
  }, 60_000);

  test.each([
    ['a secret it still has', (d: Doc) => d.setIn(['apps', 'plausible', 'secrets', 'config', 'renamedFrom'], 'geoip'), /plausible still has a secret geoip/],
    [
      'a name two secrets claim',
      (d: Doc) => {
        rename('settings', 'old')(d);
        d.setIn(['apps', 'plausible', 'secrets', 'other'], d.createNode({ generate: ['X'], renamedFrom: 'old' }));
      },
      /secrets other and settings are both renamed from old/,
    ],
  ])('WHEN renamedFrom names %s THEN it is a finding', (_what, edit, message) => {
    const found = checkModel(loadUncheckedModel('apps.yaml', edited(edit)).model).filter((f) => f.rule === 'renamed-from');
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(message)]);
  });

  test('WHEN a seeded-only secret sets renamedFrom THEN it is an input error that says why', () => {
    expect(() =>
      loadModel(
        'apps.yaml',
        edited((d) => d.setIn(['apps', 'plausible', 'secrets', 'geoip', 'renamedFrom'], 'maxmind')),
      ),
    ).toThrow(/renamedFrom moves generated passwords to the new name; this secret generates none/);
  });
});

describe('retired: rules', () => {
  const findings = (text: string) => checkModel(loadUncheckedModel('apps.yaml', text).model).filter((f) => f.rule === 'retired');
  test.each([
    ['an app kept in apps', retire('erp', {}), /erp is both an app and retired; a retired name stays reserved/],
    ['a consumer kept', retire('factory_crowdsec_conf', {}), /factory_crowdsec_conf is both a consumer and retired/],
    [
      'parts of a gone app',
      (d: Doc) => (d.deleteIn(['apps', 'erp']), retire('erp', { database: true })(d)),
      /erp is in neither apps nor consumers, so retiring it retires all of it/,
    ],
    ['a database still there', retire('plausible', { database: true }), /plausible retires its database but still has one/],
    ['a secret still there', retire('plausible', { secrets: ['geoip'] }), /plausible retires secret geoip but still has it/],
    [
      'a key still generated',
      retire('plausible', { secrets: ['config.TOTP_VAULT_KEY'] }),
      /retires generated key config.TOTP_VAULT_KEY but still generates it/,
    ],
  ])('%s is a finding', (_what, edit, message) => {
    const found = findings(edited(edit));
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(message)]);
  });

  test.each([
    ['a retired gone app', (d: Doc) => (d.deleteIn(['apps', 'erp']), retire('erp', {})(d))],
    ['a retired key no longer generated', retire('plausible', { secrets: ['config.OLD_KEY', 'oldsecret'] })],
  ])('%s is no finding', (_what, edit) => {
    expect(findings(edited(edit))).toEqual([]);
  });

  test.each([
    [{ reason: '' }, /reason is empty/],
    [{}, /reason/],
    [{ reason: 'x', database: false }, /database must be true/],
    [{ reason: 'x', secrets: ['Config'] }, /is not <secret> or <secret>.<KEY>/],
    [{ reason: 'x', drop: true }, /drop/],
  ])('the entry %j is a positioned input error', (entry, message) => {
    const text = edited((d) => d.setIn(['retired', 'olderp'], d.createNode(entry)));
    let caught: unknown;
    try {
      loadModel('apps.yaml', text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    const d = (caught as InputError).diagnostics;
    expect(d.map((x) => x.message).join('\n')).toMatch(message);
    expect(d.every((x) => x.file === 'apps.yaml' && x.line > 0)).toBe(true);
  });
});

describe('liveAppDirectory in a dir-per-environment repo', () => {
  test('GIVEN an environment whose ownership list sits below its dir THEN the files it records are attributed, apps.yaml or not', () => {
    const text = readFileSync(join(__dirname, 'scenarios', 'environments-dirs.yaml'), 'utf8');
    for (const env of loadModel('apps.yaml', text).environments) {
      const before = renderTree(env.model);
      // the apps are gone from the model: only the recorded list can say whose files they were
      const places = liveAppDirectory({ ...env.model, apps: [] }, before).places;
      const secrets = [...before.get('tools')!.keys()].filter((p) => p.endsWith('/iac/secrets.gen.tf'));
      expect(secrets.length).toBeGreaterThan(0);
      for (const p of secrets) expect(places).toContainEqual({ app: p.split('/').at(-3), repo: 'tools', path: p });
    }
  });
});
