import { describe, expect, test } from 'vitest';
import { movedAddress } from '../src/live/address';
import { isStateful, planKubeChanges, planLiveChanges } from '../src/live/plan';
import { renderLiveEffects } from '../src/live/table';
import type { KubeObject, LiveResource, TofuLiveEffect } from '../src/live/types';

const factory = { repo: 'factory', module: 'postgres/iac' };
const plausible = { repo: 'tools', module: 'plausible/iac', app: 'plausible' };

const db = (app: string, extra: Record<string, unknown> = {}): LiveResource => ({
  ...factory,
  app,
  address: `postgresql_database.db["${app}"]`,
  type: 'postgresql_database',
  args: { name: app, owner: `${app}_role`, ...extra },
});
const role = (app: string): LiveResource => ({
  ...factory,
  app,
  address: `postgresql_role.app_role["${app}"]`,
  type: 'postgresql_role',
  args: { name: `${app}_role`, login: false },
});
const secret = (label: string, key: string, length = 64, at = plausible): LiveResource => ({
  ...at,
  address: `random_password.${label}["${key}"]`,
  type: 'random_password',
  args: { length, special: true, for_each: '${toset(["SECRET_KEY_BASE", "TOTP_VAULT_KEY"])}' },
});
const kv = (label: string, name = 'plausible/config', at = plausible): LiveResource => ({
  ...at,
  address: `vault_kv_secret_v2.${label}`,
  type: 'vault_kv_secret_v2',
  args: { mount: 'kvv2', name, data_json: `\${jsonencode({for key, password in random_password.${label} : key => base64encode(password.result)})}` },
});

/** address -> effect, for compact assertions. */
const summary = (effects: readonly TofuLiveEffect[]) =>
  effects.map((e) => `${e.effect} ${e.repo}/${e.module} ${e.address}${e.causes.length ? ` [${e.causes.join(', ')}]` : ''}`);

describe('planLiveChanges: create, update, replace, destroy', () => {
  test('GIVEN nothing changes THEN there is no effect', () => {
    const all = [db('webapp'), role('webapp'), secret('config', 'SECRET_KEY_BASE'), kv('config')];
    expect(
      planLiveChanges(
        all,
        all.map((r) => ({ ...r })),
      ).effects,
    ).toEqual([]);
  });

  test('GIVEN an app removed from the databases map THEN its database and role are destroyed, with the data effect, and both are stateful', () => {
    const plan = planLiveChanges([db('webapp'), role('webapp'), db('erp'), role('erp')], [db('erp'), role('erp')]);
    expect(summary(plan.effects)).toEqual([
      'destroy factory/postgres/iac postgresql_database.db["webapp"] [no longer declared]',
      'destroy factory/postgres/iac postgresql_role.app_role["webapp"] [no longer declared]',
    ]);
    expect(plan.effects[0]!.dataEffect).toMatch(
      /^DROP DATABASE webapp WITH \(FORCE\) after terminating every session: all its data is lost; the provider has no flag that prevents it/,
    );
    expect(plan.effects[1]!.dataEffect).toBe(
      'REASSIGN OWNED BY webapp_role TO <provider user>; DROP OWNED BY webapp_role (its objects pass to the admin user, grants to it are lost); then DROP ROLE webapp_role',
    );
    expect(plan.effects.every(isStateful)).toBe(true);
  });

  test('GIVEN a database renamed in place THEN it is a breaking update, not stateful', () => {
    const plan = planLiveChanges([db('webapp')], [{ ...db('webapp'), args: { name: 'web', owner: 'webapp_role' } }]);
    expect(summary(plan.effects)).toEqual(['update factory/postgres/iac postgresql_database.db["webapp"] [name]']);
    expect(plan.effects[0]!.breaking).toBe('renames database webapp to web (ALTER DATABASE .. RENAME TO): every client connecting by the old name breaks');
    expect(isStateful(plan.effects[0]!)).toBe(false);
    const owner = planLiveChanges([db('webapp')], [db('webapp', { owner: 'other' })]);
    expect(owner.effects[0]!.breaking).toBeUndefined();
  });

  test('GIVEN a database encoding changed THEN it is replaced, which drops the data first', () => {
    const plan = planLiveChanges([db('webapp', { encoding: 'UTF8' })], [db('webapp', { encoding: 'LATIN1' })]);
    expect(summary(plan.effects)).toEqual(['replace factory/postgres/iac postgresql_database.db["webapp"] [encoding]']);
    expect(plan.effects[0]!.dataEffect).toMatch(/^destroyed, then created again: DROP DATABASE webapp/);
    expect(isStateful(plan.effects[0]!)).toBe(true);
  });

  test('GIVEN a new app THEN its resources are created, not stateful', () => {
    const plan = planLiveChanges([db('erp')], [db('erp'), db('webapp'), role('webapp')]);
    expect(summary(plan.effects)).toEqual([
      'create factory/postgres/iac postgresql_database.db["webapp"] [newly declared]',
      'create factory/postgres/iac postgresql_role.app_role["webapp"] [newly declared]',
    ]);
    expect(plan.effects.some(isStateful)).toBe(false);
  });

  test('GIVEN a kv secret destroyed THEN the data effect depends on delete_all_versions as in state', () => {
    expect(planLiveChanges([kv('config')], []).effects[0]!.dataEffect).toBe(
      'DELETE kvv2/data/plausible/config: soft delete of the latest version only (older versions and the metadata stay; it can be undeleted)',
    );
    const all = { ...kv('config'), args: { ...kv('config').args, delete_all_versions: true } };
    expect(planLiveChanges([all], []).effects[0]!.dataEffect).toBe('DELETE kvv2/metadata/plausible/config: every version and the metadata are gone for good');
  });

  test('GIVEN the same address in two root modules or repos THEN they are different objects', () => {
    const a = { ...db('webapp'), module: 'a/iac' };
    const b = { ...db('webapp'), module: 'b/iac' };
    expect(summary(planLiveChanges([a], [b]).effects).map((s) => s.split(' [')[0])).toEqual([
      'destroy factory/a/iac postgresql_database.db["webapp"]',
      'create factory/b/iac postgresql_database.db["webapp"]',
    ]);
  });
});

describe('planLiveChanges: generated secrets rotate', () => {
  test('GIVEN a secret length change THEN each key rotates and the kv secret that reads them gets a new version', () => {
    const before = [secret('config', 'SECRET_KEY_BASE'), secret('config', 'TOTP_VAULT_KEY'), kv('config')];
    const after = [secret('config', 'SECRET_KEY_BASE', 32), secret('config', 'TOTP_VAULT_KEY', 32), kv('config')];
    const plan = planLiveChanges(before, after);
    expect(summary(plan.effects)).toEqual([
      'rotate tools/plausible/iac random_password.config["SECRET_KEY_BASE"] [length]',
      'rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"] [length]',
      'update tools/plausible/iac vault_kv_secret_v2.config [rotation of random_password.config["SECRET_KEY_BASE"], rotation of random_password.config["TOTP_VAULT_KEY"]]',
    ]);
    expect(plan.effects[2]!.dataEffect).toBe(
      'writes a new KV version holding the new value of random_password.config["SECRET_KEY_BASE"] (older versions keep the old one)',
    );
    expect(plan.effects.map(isStateful)).toEqual([true, true, true]);
  });

  test('GIVEN a rotated secret inside a module call THEN only readers in the same module instance update; a postgresql_role reader gets ALTER ROLE', () => {
    const at = { repo: 'factory', module: 'postgres/iac' };
    const pw = (prefix: string, length: number): LiveResource => ({ ...at, address: `${prefix}random_password.pw`, type: 'random_password', args: { length } });
    const user = (prefix: string): LiveResource => ({
      ...at,
      address: `${prefix}postgresql_role.user`,
      type: 'postgresql_role',
      args: { name: 'u', login: true, password: '${random_password.pw.result}' },
    });
    const before = [pw('module.a.', 32), user('module.a.'), pw('module.b.', 32), user('module.b.'), user('')];
    const after = [pw('module.a.', 40), user('module.a.'), pw('module.b.', 32), user('module.b.'), user('')];
    const plan = planLiveChanges(before, after);
    expect(summary(plan.effects)).toEqual([
      'rotate factory/postgres/iac module.a.random_password.pw [length]',
      'update factory/postgres/iac module.a.postgresql_role.user [rotation of module.a.random_password.pw]',
    ]);
    expect(plan.effects[1]!.dataEffect).toBe('ALTER ROLE ... PASSWORD with the new value of module.a.random_password.pw');
  });

  test('GIVEN a keepers counter bumped THEN rotate; a null-only keepers edit THEN an update that is not stateful', () => {
    const k = (keepers: unknown): LiveResource => ({ ...secret('config', 'SECRET_KEY_BASE'), args: { length: 64, keepers } });
    expect(planLiveChanges([k({ rotation: '0' })], [k({ rotation: '1' })]).effects.map((e) => `${e.effect} ${e.causes}`)).toEqual(['rotate keepers']);
    const nullOnly = planLiveChanges([k({ rotation: '0' })], [k({ rotation: '0', later: null })]).effects;
    expect(nullOnly.map((e) => e.effect)).toEqual(['update']);
    expect(isStateful(nullOnly[0]!)).toBe(false);
  });

  test('GIVEN a secret renamed without a moved block THEN the old address rotates into the new one, a moved block per key is suggested, and the kv secret changes path', () => {
    const before = [secret('config', 'SECRET_KEY_BASE'), secret('config', 'TOTP_VAULT_KEY'), kv('config')];
    const after = [secret('settings', 'SECRET_KEY_BASE'), secret('settings', 'TOTP_VAULT_KEY'), kv('settings', 'plausible/settings')];
    const plan = planLiveChanges(before, after);
    expect(summary(plan.effects)).toEqual([
      'destroy tools/plausible/iac vault_kv_secret_v2.config [no longer declared]',
      'rotate tools/plausible/iac random_password.config["SECRET_KEY_BASE"] [address changes to tools/plausible/iac random_password.settings["SECRET_KEY_BASE"] without a moved block]',
      'rotate tools/plausible/iac random_password.config["TOTP_VAULT_KEY"] [address changes to tools/plausible/iac random_password.settings["TOTP_VAULT_KEY"] without a moved block]',
      'create tools/plausible/iac random_password.settings["SECRET_KEY_BASE"] [newly declared]',
      'create tools/plausible/iac random_password.settings["TOTP_VAULT_KEY"] [newly declared]',
      'create tools/plausible/iac vault_kv_secret_v2.settings [newly declared]',
    ]);
    expect(plan.suggestions.map((s) => (s.kind === 'moved' ? s.hcl : s.kind))).toEqual([
      'moved {\n  from = random_password.config["SECRET_KEY_BASE"]\n  to   = random_password.settings["SECRET_KEY_BASE"]\n}',
      'moved {\n  from = random_password.config["TOTP_VAULT_KEY"]\n  to   = random_password.settings["TOTP_VAULT_KEY"]\n}',
    ]);
    expect(plan.effects[1]!.avoidableBy).toBe(plan.suggestions[0]!.kind === 'moved' ? plan.suggestions[0]!.hcl : '');
  });

  test('GIVEN the suggested moved blocks applied THEN nothing rotates: only moves remain', () => {
    const before = [secret('config', 'SECRET_KEY_BASE'), secret('config', 'TOTP_VAULT_KEY')];
    const after = [secret('settings', 'SECRET_KEY_BASE'), secret('settings', 'TOTP_VAULT_KEY')];
    const first = planLiveChanges(before, after);
    const moved = first.suggestions.flatMap((s) => (s.kind === 'moved' ? [{ repo: s.repo, module: s.module, from: s.from, to: s.to }] : []));
    const plan = planLiveChanges(before, after, moved);
    expect(summary(plan.effects)).toEqual([
      'move tools/plausible/iac random_password.settings["SECRET_KEY_BASE"] [moved from random_password.config["SECRET_KEY_BASE"]]',
      'move tools/plausible/iac random_password.settings["TOTP_VAULT_KEY"] [moved from random_password.config["TOTP_VAULT_KEY"]]',
    ]);
    expect(plan.effects.some(isStateful)).toBe(false);
    expect(plan.suggestions).toEqual([]);
  });

  test('GIVEN a generated key removed THEN its random_password is destroyed and stateful (the value is gone)', () => {
    const plan = planLiveChanges([secret('config', 'SECRET_KEY_BASE'), secret('config', 'TOTP_VAULT_KEY', 32)], [secret('config', 'SECRET_KEY_BASE')]);
    expect(summary(plan.effects)).toEqual(['destroy tools/plausible/iac random_password.config["TOTP_VAULT_KEY"] [no longer declared]']);
    expect(plan.effects[0]!.dataEffect).toMatch(/generated value is gone/);
    expect(isStateful(plan.effects[0]!)).toBe(true);
  });
});

describe('planLiveChanges: moved blocks', () => {
  test('GIVEN a moved block of a whole resource THEN every instance keeps its key and is compared at the new address', () => {
    const before = [secret('config', 'A'), secret('config', 'B')];
    const after = [secret('cfg', 'A'), secret('cfg', 'B', 16)];
    const plan = planLiveChanges(before, after, [{ ...plausible, from: 'random_password.config', to: 'random_password.cfg' }]);
    expect(summary(plan.effects)).toEqual([
      'rotate tools/plausible/iac random_password.cfg["B"] [length]',
      'move tools/plausible/iac random_password.cfg["A"] [moved from random_password.config["A"]]',
    ]);
    expect(plan.effects[0]!.movedFrom).toBe('random_password.config["B"]');
  });

  test('GIVEN a moved block in another root module THEN it does not apply here', () => {
    const plan = planLiveChanges(
      [db('webapp')],
      [{ ...db('webapp'), address: 'postgresql_database.main["webapp"]' }],
      [{ repo: 'factory', module: 'other/iac', from: 'postgresql_database.db', to: 'postgresql_database.main' }],
    );
    expect(plan.effects.map((e) => e.effect)).toEqual(['destroy', 'create']);
    expect(plan.suggestions.map((s) => s.kind === 'moved' && `${s.from} -> ${s.to}`)).toEqual([
      'postgresql_database.db["webapp"] -> postgresql_database.main["webapp"]',
    ]);
  });

  test('GIVEN a moved block whose from is still declared THEN it is ignored with a note', () => {
    const plan = planLiveChanges(
      [db('webapp')],
      [db('webapp'), { ...db('webapp'), address: 'postgresql_database.main["webapp"]' }],
      [{ ...factory, from: 'postgresql_database.db["webapp"]', to: 'postgresql_database.main["webapp"]' }],
    );
    expect(plan.effects.map((e) => `${e.effect} ${e.address}`)).toEqual(['create postgresql_database.main["webapp"]']);
    expect(plan.notes[0]).toMatch(/Moved object still exists/);
  });

  test('GIVEN a moved block onto an address the base branch already holds THEN it is ignored with a note, and both old objects keep their own effect', () => {
    const x = { ...db('webapp'), address: 'postgresql_database.x' };
    const y = { ...db('webapp'), address: 'postgresql_database.y' };
    const plan = planLiveChanges([x, y], [y], [{ ...factory, from: 'postgresql_database.x', to: 'postgresql_database.y' }]);
    expect(plan.effects.map((e) => `${e.effect} ${e.address}`)).toEqual(['destroy postgresql_database.x']);
    expect(plan.notes).toEqual([
      'factory/postgres/iac: moved block to postgresql_database.y is ignored, because the base branch already holds an object there (OpenTofu refuses to move onto it)',
    ]);
  });

  test('movedAddress: instance, resource, module call and chains', () => {
    expect(movedAddress('a.b["k"]', [{ from: 'a.b["k"]', to: 'a.c["k"]' }])).toBe('a.c["k"]');
    expect(movedAddress('a.b["k"]', [{ from: 'a.b', to: 'a.c' }])).toBe('a.c["k"]');
    expect(movedAddress('a.b', [{ from: 'a.b', to: 'a.b["small"]' }])).toBe('a.b["small"]');
    expect(movedAddress('a.b["k"]', [{ from: 'a.b', to: 'a.b["small"]' }])).toBe('a.b["k"]');
    expect(movedAddress('module.x.a.b', [{ from: 'module.x', to: 'module.y' }])).toBe('module.y.a.b');
    expect(movedAddress('module.x["k"].a.b', [{ from: 'module.x', to: 'module.y' }])).toBe('module.y["k"].a.b');
    expect(movedAddress('module.xy.a.b', [{ from: 'module.x', to: 'module.y' }])).toBe('module.xy.a.b');
    expect(
      movedAddress('a.b', [
        { from: 'a.b', to: 'a.c' },
        { from: 'a.c', to: 'a.d' },
      ]),
    ).toBe('a.d');
    expect(movedAddress('a.bc', [{ from: 'a.b', to: 'a.c' }])).toBe('a.bc');
  });
});

describe('planLiveChanges: removed and import blocks', () => {
  test('GIVEN a removed block with destroy = false or unset THEN the objects it reaches are forgotten, not destroyed, and not stateful', () => {
    for (const destroy of [false, undefined]) {
      const plan = planLiveChanges([db('webapp'), db('erp'), role('webapp')], [db('erp')], [], {
        removed: [{ ...factory, from: 'postgresql_database.db', ...(destroy === undefined ? {} : { destroy }) }],
      });
      expect(plan.effects.map((e) => `${e.effect} ${e.address} ${isStateful(e)}`)).toEqual([
        'destroy postgresql_role.app_role["webapp"] true',
        'forget postgresql_database.db["webapp"] false',
      ]);
      expect(plan.effects[1]!.dataEffect).toBe('none: OpenTofu drops it from state; the live object stays, no longer managed here');
    }
  });
  test('GIVEN removed with destroy = true, or in another root module, or of another resource THEN the destroy stands', () => {
    for (const removed of [
      { ...factory, from: 'postgresql_database.db', destroy: true },
      { repo: 'factory', module: 'other', from: 'postgresql_database.db' },
      { ...factory, from: 'postgresql_database.d' },
    ]) {
      expect(planLiveChanges([db('webapp')], [], [], { removed: [removed] }).effects.map((e) => e.effect)).toEqual(['destroy']);
    }
  });
  test('GIVEN a removed module call THEN everything under it is forgotten', () => {
    const inModule = { ...db('webapp'), address: 'module.pg["a"].postgresql_database.db' };
    expect(planLiveChanges([inModule], [], [], { removed: [{ ...factory, from: 'module.pg' }] }).effects.map((e) => e.effect)).toEqual(['forget']);
  });
  test('GIVEN an import block for a new address THEN it is an import, not a create, and no refactoring is suggested for it', () => {
    const policy = (module: string): LiveResource => ({
      repo: 'tools',
      module,
      address: 'vault_policy.webapp',
      type: 'vault_policy',
      args: { name: 'webapp', policy: 'p' },
    });
    const plan = planLiveChanges([policy('old')], [policy('new')], [], {
      removed: [{ repo: 'tools', module: 'old', from: 'vault_policy.webapp', destroy: false }],
      imports: [{ repo: 'tools', module: 'new', to: 'vault_policy.webapp' }],
    });
    expect(plan.effects.map((e) => `${e.effect} ${e.module}`)).toEqual(['import new', 'forget old']);
    expect(plan.suggestions).toEqual([]);
  });
});

describe('planLiveChanges: refactoring suggestions', () => {
  test('GIVEN a resource moved into a module call THEN a moved block is suggested', () => {
    const plan = planLiveChanges([db('webapp')], [{ ...db('webapp'), address: 'module.pg.postgresql_database.db["webapp"]' }]);
    expect(plan.suggestions.map((s) => s.kind === 'moved' && s.hcl)).toEqual([
      'moved {\n  from = postgresql_database.db["webapp"]\n  to   = module.pg.postgresql_database.db["webapp"]\n}',
    ]);
  });

  test('GIVEN different arguments THEN no moved block is suggested', () => {
    const plan = planLiveChanges([db('webapp')], [{ ...db('webapp', { owner: 'x' }), address: 'postgresql_database.main["webapp"]' }]);
    expect(plan.suggestions).toEqual([]);
  });

  test('GIVEN several look-alikes that no key or name tells apart THEN no guess: a note', () => {
    const mk = (address: string): LiveResource => ({ ...plausible, address, type: 'random_password', args: { length: 64 } });
    const plan = planLiveChanges([mk('random_password.a'), mk('random_password.b')], [mk('random_password.c'), mk('random_password.d')]);
    expect(plan.suggestions).toEqual([]);
    expect(plan.notes).toEqual([
      'tools/plausible/iac: random_password.a, random_password.b and random_password.c, random_password.d have identical arguments; write the moved blocks by hand',
    ]);
  });

  test('GIVEN an object that moves to another root module THEN removed (destroy = false) + import are suggested', () => {
    const policy = (module: string): LiveResource => ({
      repo: 'tools',
      module,
      app: 'webapp',
      address: 'vault_policy.webapp',
      type: 'vault_policy',
      args: { name: 'webapp', policy: 'path "kvv2/data/webapp/*" {}' },
    });
    const plan = planLiveChanges([policy('hashicorp-vault/iac')], [policy('webapp/iac')]);
    expect(plan.suggestions).toEqual([
      {
        kind: 'removed-import',
        from: { repo: 'tools', module: 'hashicorp-vault/iac', address: 'vault_policy.webapp' },
        to: { repo: 'tools', module: 'webapp/iac', address: 'vault_policy.webapp' },
        removedHcl: 'removed {\n  from = vault_policy.webapp\n  lifecycle {\n    destroy = false\n  }\n}',
        importHcl: 'import {\n  to = vault_policy.webapp\n  id = "webapp"\n}',
        notes: [
          'removed with lifecycle { destroy = false } needs OpenTofu v1.10.0 or later (#2556)',
          'apply the import in the new root module before the removed in the old one, so the object is never unmanaged',
        ],
      },
    ]);
    expect(plan.effects.map((e) => `${e.effect} ${e.module} ${isStateful(e)}`)).toEqual(['destroy hashicorp-vault/iac true', 'create webapp/iac false']);
  });

  test('GIVEN a keyed instance or a generated secret moving across root modules THEN the notes say what blocks the suggestion', () => {
    const kvAt = (module: string, address: string): LiveResource => ({
      repo: 'tools',
      module,
      address,
      type: 'vault_kv_secret_v2',
      args: { mount: 'kvv2', name: 'a/b', data_json: '{}' },
    });
    const other: LiveResource = { ...kvAt('old/iac', 'vault_kv_secret_v2.k["y"]'), args: { mount: 'kvv2', name: 'a/c' } };
    const plan = planLiveChanges([kvAt('old/iac', 'vault_kv_secret_v2.k["x"]'), other], [kvAt('new/iac', 'vault_kv_secret_v2.k["x"]'), other]);
    const s = plan.suggestions[0]!;
    expect(s.kind === 'removed-import' && [s.importHcl, s.notes[2]]).toEqual([
      'import {\n  to = vault_kv_secret_v2.k["x"]\n  id = "kvv2/data/a/b"\n}',
      'removed takes no instance key and needs the whole resource vault_kv_secret_v2.k gone from tools/old/iac, but other instances of it remain: split it out first',
    ]);
    const rp = planLiveChanges(
      [secret('config', 'A', 64, { ...plausible, module: 'old/iac' })],
      [secret('config', 'A', 64, { ...plausible, module: 'new/iac' })],
    );
    const r = rp.suggestions[0]!;
    expect(r.kind === 'removed-import' && [r.importHcl, r.notes.at(-1)]).toEqual([
      undefined,
      'the import id of a random_password is the password itself, which must not be written to git: import it by hand with tofu import',
    ]);
    expect(rp.effects.map((e) => e.effect)).toEqual(['rotate', 'create']);
  });
});

describe('planLiveChanges: Vault roles and policies are stateful while their app is deployed', () => {
  const policy = (app: string, name = app): LiveResource => ({
    repo: 'tools',
    module: 'hashicorp-vault/iac',
    app,
    address: `vault_policy.p["${name}"]`,
    type: 'vault_policy',
    args: { name, policy: `path "kvv2/data/${app}/*" { capabilities = ["read"] }` },
  });
  const k8sRole = (app: string): LiveResource => ({
    repo: 'tools',
    module: `${app}/iac`,
    app,
    address: 'module.app_roles.vault_kubernetes_auth_backend_role.app',
    type: 'vault_kubernetes_auth_backend_role',
    args: { role_name: app, bound_service_account_names: [app] },
  });
  test('GIVEN an app removed entirely THEN its policy and role destroys are not stateful', () => {
    const plan = planLiveChanges([policy('webapp'), k8sRole('webapp'), policy('erp')], [policy('erp')]);
    expect(plan.effects.map((e) => `${e.effect} ${e.address} ${isStateful(e)}`)).toEqual([
      'destroy vault_policy.p["webapp"] false',
      'destroy module.app_roles.vault_kubernetes_auth_backend_role.app false',
    ]);
  });
  test('GIVEN an app still deployed THEN destroying or replacing its policy or role is stateful', () => {
    const renamed = planLiveChanges([policy('webapp')], [policy('webapp', 'webapp-app')]);
    expect(renamed.effects.map((e) => `${e.effect} ${isStateful(e)}`)).toEqual(['destroy true', 'create false']);
    const replaced = planLiveChanges([k8sRole('webapp')], [{ ...k8sRole('webapp'), args: { role_name: 'web', bound_service_account_names: ['webapp'] } }]);
    expect(replaced.effects.map((e) => `${e.effect} ${e.causes} ${isStateful(e)}`)).toEqual(['replace role_name true']);
    expect(replaced.effects[0]!.dataEffect).toBe('destroyed, then created again: DELETE auth/kubernetes/role/webapp: logins through this role fail');
  });
  test('GIVEN deployedApps passed explicitly, or an object without an app THEN those decide', () => {
    expect(planLiveChanges([policy('webapp')], [], [], { deployedApps: ['webapp'] }).effects.map(isStateful)).toEqual([true]);
    const { app: _app, ...anonymous } = policy('x');
    expect(planLiveChanges([anonymous], []).effects.map(isStateful)).toEqual([true]);
  });
});

describe('planKubeChanges', () => {
  const vss = (name: string, dest: string, create = true, extra: Partial<KubeObject> = {}): KubeObject => ({
    apiVersion: 'secrets.hashicorp.com/v1beta1',
    kind: 'VaultStaticSecret',
    namespace: 'tools',
    name,
    destinationSecret: dest,
    destinationCreate: create,
    repo: 'tools',
    app: 'plausible',
    body: { spec: { path: 'plausible/config' } },
    ...extra,
  });
  test('GIVEN a VSO object removed with destination.create true THEN its Secret is deleted with it (ownerReference)', () => {
    const [e] = planKubeChanges([vss('plausible', 'plausible-config')], [], { deployedApps: ['plausible'] });
    expect(e).toMatchObject({
      effect: 'destroy',
      identity: 'secrets.hashicorp.com/VaultStaticSecret/tools/plausible',
      breaking: 'pods reading Secret tools/plausible-config lose it',
    });
    expect(e!.dataEffect).toBe(
      'Kubernetes garbage collection deletes Secret tools/plausible-config (VSO set an ownerReference to this object: destination.create is true)',
    );
    expect(isStateful(e!)).toBe(false);
  });
  test('GIVEN destination.create false THEN the Secret stays', () => {
    const [e] = planKubeChanges([vss('plausible', 'plausible-config', false)], []);
    expect(e!.dataEffect).toBe('Secret tools/plausible-config stays (destination.create is false: VSO never owned it) and is no longer synced');
    expect(e!.breaking).toBeUndefined();
  });
  test('GIVEN destination.name changed THEN VSO deletes the old Secret; other changes are plain updates; an API version bump is no new object', () => {
    const renamed = planKubeChanges([vss('plausible', 'plausible-config')], [vss('plausible', 'plausible-env')]);
    expect(renamed.map((e) => `${e.effect} ${e.causes}`)).toEqual(['update destination.name']);
    expect(renamed[0]!.dataEffect).toBe(
      'VSO deletes Secret tools/plausible-config, which it owned under the old name (pruneOrphanSecrets), and writes Secret tools/plausible-env',
    );
    const spec = planKubeChanges([vss('p', 'd')], [vss('p', 'd', true, { body: { spec: { path: 'plausible/other' } } })]);
    expect(spec.map((e) => `${e.effect} ${e.causes} ${e.breaking}`)).toEqual(['update spec undefined']);
    const bumped = planKubeChanges([vss('p', 'd')], [vss('p', 'd', true, { apiVersion: 'secrets.hashicorp.com/v1' })]);
    expect(bumped.map((e) => `${e.effect} ${e.causes}`)).toEqual(['update apiVersion']);
  });
  test('GIVEN objects by identity THEN create and destroy are ordered destroys first, and the same name of another kind is another object', () => {
    const auth: KubeObject = { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultAuth', namespace: 'tools', name: 'plausible', repo: 'tools' };
    const effects = planKubeChanges([auth], [vss('plausible', 'plausible-config')]);
    expect(effects.map((e) => `${e.effect} ${e.identity}`)).toEqual([
      'destroy secrets.hashicorp.com/VaultAuth/tools/plausible',
      'create secrets.hashicorp.com/VaultStaticSecret/tools/plausible',
    ]);
    expect(planKubeChanges([vss('a', 'b', true, { body: { b: 1, a: 2 } })], [vss('a', 'b', true, { body: { a: 2, b: 1 } })])).toEqual([]);
  });
});

describe('renderLiveEffects', () => {
  test('GIVEN a mixed plan THEN the table is ordered destroys, rotations, replaces, creates, updates, with stateful effects in bold', () => {
    const tofu = planLiveChanges(
      [db('webapp'), db('erp', { encoding: 'UTF8' }), secret('config', 'SECRET_KEY_BASE'), kv('config'), db('cms')],
      [db('erp', { encoding: 'LATIN1' }), secret('config', 'SECRET_KEY_BASE', 32), kv('config'), db('cms', { name: 'site' }), db('billing')],
    );
    const kube = planKubeChanges(
      [
        {
          apiVersion: 'secrets.hashicorp.com/v1beta1',
          kind: 'VaultStaticSecret',
          namespace: 'tools',
          name: 'plausible',
          destinationSecret: 'plausible-config',
          destinationCreate: true,
          repo: 'tools',
        },
      ],
      [],
    );
    expect(renderLiveEffects([...kube, ...tofu.effects])).toBe(
      [
        '## Live effects',
        '',
        '| Object | Address or identity | Effect | Data effect |',
        '| --- | --- | --- | --- |',
        '| `postgresql_database` in `factory/postgres/iac` | `postgresql_database.db["webapp"]` | **destroy** | DROP DATABASE webapp WITH (FORCE) after terminating every session: all its data is lost; the provider has no flag that prevents it (protect it with lifecycle.prevent_destroy, or a removed block with destroy = false) |',
        '| `VaultStaticSecret` in `tools` | `secrets.hashicorp.com/v1beta1 VaultStaticSecret tools/plausible` | destroy, breaking | Kubernetes garbage collection deletes Secret tools/plausible-config (VSO set an ownerReference to this object: destination.create is true) Breaking: pods reading Secret tools/plausible-config lose it. |',
        '| `random_password` in `tools/plausible/iac` | `random_password.config["SECRET_KEY_BASE"]` | **rotate (length)** | replaced: a new value is generated and the old one is lost (random v3.9.0 resource_password.go: every argument forces replacement) |',
        '| `postgresql_database` in `factory/postgres/iac` | `postgresql_database.db["erp"]` | **replace (encoding)** | destroyed, then created again: DROP DATABASE erp WITH (FORCE) after terminating every session: all its data is lost; the provider has no flag that prevents it (protect it with lifecycle.prevent_destroy, or a removed block with destroy = false) |',
        '| `postgresql_database` in `factory/postgres/iac` | `postgresql_database.db["billing"]` | create | - |',
        '| `postgresql_database` in `factory/postgres/iac` | `postgresql_database.db["cms"]` | update (name), breaking | none lost; see breaking Breaking: renames database cms to site (ALTER DATABASE .. RENAME TO): every client connecting by the old name breaks. |',
        '| `vault_kv_secret_v2` in `tools/plausible/iac` | `vault_kv_secret_v2.config` | **update (rotation of random_password.config["SECRET_KEY_BASE"])** | writes a new KV version holding the new value of random_password.config["SECRET_KEY_BASE"] (older versions keep the old one) |',
        '',
        'Effects in bold destroy or rotate stateful data.',
        '',
      ].join('\n'),
    );
  });

  test('GIVEN no effect THEN one line says so; GIVEN suggestions THEN their blocks follow the table', () => {
    expect(renderLiveEffects([])).toBe('## Live effects\n\nNo live object is created, changed or destroyed.\n');
    const plan = planLiveChanges([secret('config', 'A')], [secret('cfg', 'A')]);
    const text = renderLiveEffects(plan.effects, plan.suggestions);
    expect(text).toContain('Avoidable: see the suggested refactoring blocks. |');
    expect(
      text.endsWith(
        '### Suggested refactoring blocks\n\nIn `tools/plausible/iac`:\n\n```hcl\nmoved {\n  from = random_password.config["A"]\n  to   = random_password.cfg["A"]\n}\n```\n',
      ),
    ).toBe(true);
  });

  test('GIVEN pipes, newlines or backticks in a cell THEN the table stays one row per effect', () => {
    const odd: LiveResource = { repo: 'r', module: 'm', address: 'vault_policy.p["a|b`c"]', type: 'vault_policy', args: { name: 'x|y\nz' } };
    const rows = renderLiveEffects(planLiveChanges([odd], []).effects)
      .split('\n')
      .filter((l) => l.startsWith('| `vault'));
    expect(rows).toEqual([
      '| `vault_policy` in `r/m` | `` vault_policy.p["a\\|b`c"] `` | **destroy** | DELETE sys/policy/x\\|y z: every token carrying it loses that access |',
    ]);
  });
});

describe('GIVEN an object whose instances are not known from the files (for_each over an unknown value)', () => {
  const unknownDb: LiveResource = {
    ...factory,
    address: 'postgresql_database.db',
    type: 'postgresql_database',
    args: { name: '${each.value.database}' },
    unexpanded: true,
  };
  const unknownModule: LiveResource = { ...factory, address: 'module.m.postgresql_role.r', type: 'postgresql_role', args: {}, unexpanded: true };
  const keyedModule = (k: string): LiveResource => ({ ...factory, address: `module.m["${k}"].postgresql_role.r`, type: 'postgresql_role', args: {} });

  test.each([
    ['before unknown, after keyed', [unknownDb], [db('erp'), db('webapp')], 'before'],
    ['before keyed, after unknown', [db('erp')], [unknownDb], 'after'],
    ['a module call of unknown instances', [unknownModule], [keyedModule('erp')], 'before'],
  ])('WHEN %s THEN neither side is destroyed or created, and a note says why', (_what, before, after, side) => {
    const plan = planLiveChanges(before, after);
    expect(plan.effects).toEqual([]);
    expect(plan.notes).toEqual([expect.stringMatching(new RegExp(`is not planned: its instances are not known from the files on the ${side} side$`))]);
  });

  test('WHEN the block itself is gone THEN whatever instances it had are destroyed, stateful', () => {
    const plan = planLiveChanges([unknownDb, db('erp')].slice(0, 1), []);
    expect(summary(plan.effects)).toEqual(['destroy factory/postgres/iac postgresql_database.db [no longer declared]']);
    expect(plan.effects.every(isStateful)).toBe(true);
  });

  test('WHEN a truly single object becomes keyed THEN it is still a destroy and a create (only the unknown ones are spared)', () => {
    const single: LiveResource = { ...unknownDb, unexpanded: false };
    expect(summary(planLiveChanges([single], [db('erp')]).effects)).toEqual([
      'destroy factory/postgres/iac postgresql_database.db [no longer declared]',
      'create factory/postgres/iac postgresql_database.db["erp"] [newly declared]',
    ]);
  });
});
