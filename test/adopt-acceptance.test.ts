import { beforeAll, describe, expect, test } from 'vitest';
import { findLiveConflicts, hcl2jsonParser, inventoryRepos, type Inventory, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { adoptAndRender, liveFacts, withChildModules, withRender, type Adopted, type LiveFacts } from './support/adopt';
import { PLATFORM_FIXTURE, PLATFORM_MESSY_FIXTURE, PLATFORM_REPOS } from './support/platform';

/**
 * Issue 10's acceptance on test/fixtures/platform, the guidebook's repos run by hand, and on
 * test/fixtures/platform-messy (comments, other key orders, flow style, files split and merged,
 * unrelated hand-written files in managed dirs, mixed .tf files, kustomizations, a fifth app with
 * every override): GIVEN the three repos WHEN joinkey adopt writes an apps.yaml and it is rendered
 * THEN the render declares the same live objects, proven by comparing inventories: kinds,
 * namespaces and names, destination Secrets, Vault paths and roles, password arguments; and what
 * differs is exactly what adopt reported (the ops_policies fix, the namespaces the applier chooses).
 */

const parser = hcl2jsonParser();
const URLS = new Map(PLATFORM_REPOS.map((id) => [id, `ssh://git@gitea.arcodange.lab/arcodange-org/${id}.git`]));

interface Run {
  trees: RepoTrees;
  adopted: Adopted;
  hand: LiveFacts;
  generated: LiveFacts;
  /** The repos with the render beside the hand-written files, as publish would leave them before removing anything. */
  together: Inventory;
  handInventory: Inventory;
}

async function run(dir: string): Promise<Run> {
  const trees = readReposDir(dir, PLATFORM_REPOS);
  const adopted = await adoptAndRender(trees, parser, URLS);
  const handInventory = await inventoryRepos(trees, { parser });
  return {
    trees,
    adopted,
    handInventory,
    hand: await liveFacts(trees, parser, handInventory),
    generated: await liveFacts(withChildModules(adopted.render, trees), parser),
    together: await inventoryRepos(withRender(trees, adopted.render), { parser }),
  };
}

const at = (x: { at: { repo: string; path: string; line: number } }) => `${x.at.repo}/${x.at.path}:${x.at.line}`;

/** The facts of the hand-written objects adopt says the render supersedes, the applier's namespace and templated roles resolved as adopt reported them. */
function supersededObjects(r: Run): Record<string, string> {
  const vso: Record<string, string> = {};
  for (const s of r.adopted.result.superseded.filter((x) => x.kind === 'kube-object')) {
    const o = r.handInventory.objects.find((x) => at(x) === at(s))!;
    const app = r.adopted.model.apps.find((a) => a.name === s.owner)!;
    const reviewed = (what: string) => r.adopted.result.findings.some((f) => f.rule === 'adopt-review' && f.at.repo === o.at.repo && f.message.includes(what));
    let id = `${o.kind} ${o.namespace ?? '<applier>'}/${o.name}`;
    let facts = r.hand.vso[id]!;
    if (o.namespace === undefined) {
      // the applier's namespace: adopt must have said which one it assumed, or taken it from the app's other objects
      const others = r.adopted.result.superseded.some((x) => x.owner === app.name && x.what.includes(` ${app.namespace}/`));
      expect(reviewed(`app "${app.name}"`) || others, `${id}: namespace assumed silently`).toBe(true);
      id = `${o.kind} ${app.namespace}/${o.name}`;
    }
    if (o.vso?.method !== undefined && o.vso.kubernetesRole === undefined) {
      expect(reviewed(`VaultAuth ${o.name}`), `${id}: templated role assumed silently`).toBe(true);
      facts = facts.replace('role <templated>', `role ${app.vault.authRole}`);
    }
    vso[id] = facts;
  }
  return vso;
}

const FIXTURES = [
  {
    name: 'the guidebook platform',
    dir: PLATFORM_FIXTURE,
    apps: ['cms', 'crowdsec', 'erp', 'plausible', 'webapp'],
    appRoles: ['cms/iac', 'tools/crowdsec/iac', 'tools/plausible/iac'],
    passwords: {
      'kvv2/plausible/config#SECRET_KEY_BASE': { length: 64, special: false },
      'kvv2/plausible/config#TOTP_VAULT_KEY': { length: 32, special: false },
    },
    opsPoliciesAt: 'tools/hashicorp-vault/iac/terraform.tfvars:6:5',
    kept: [
      'adopt-kept cms/chart/templates/extra-objects.yaml:3',
      'adopt-kept cms/iac/main.tf:4',
      'adopt-kept cms/iac/main.tf:34',
      'adopt-kept cms/iac/main.tf:41',
      'adopt-kept tools/hashicorp-vault/iac/main.tf:58',
      'adopt-kept tools/plausible/kustomization.yaml:7',
    ],
  },
  {
    name: 'the messier platform',
    dir: PLATFORM_MESSY_FIXTURE,
    apps: ['cms', 'crowdsec', 'erp', 'plausible', 'umami', 'webapp'],
    appRoles: ['cms/iac', 'tools/crowdsec/iac', 'tools/plausible/iac', 'tools/umami/iac'],
    passwords: {
      'kvv2/plausible/config#SECRET_KEY_BASE': { length: 64, special: false },
      'kvv2/plausible/config#TOTP_VAULT_KEY': { length: 32, special: false },
      'kvv2/umami/env#APP_SECRET': { length: 40, min_numeric: 4, override_special: '!#', keepers: { rotation: '2' } },
      'kvv2/umami/env#HASH_SALT': { length: 24, upper: false },
    },
    opsPoliciesAt: 'tools/hashicorp-vault/iac/terraform.tfvars:5:5',
    kept: [
      'adopt-kept cms/chart/templates/extra-objects.yaml:3',
      'adopt-kept cms/iac/main.tf:4',
      'adopt-kept cms/iac/main.tf:34',
      'adopt-kept cms/iac/main.tf:41',
      'adopt-kept tools/hashicorp-vault/iac/main.tf:58',
    ],
  },
];

describe.each(FIXTURES)('GIVEN $name WHEN adopted and rendered', (fixture) => {
  let r: Run;
  beforeAll(async () => {
    r = await run(fixture.dir);
  }, 120_000);

  test('THEN the apps.yaml loads, names every app and consumer, and keeps the existing names as overrides', () => {
    expect(r.adopted.model.apps.map((a) => a.name)).toEqual(fixture.apps);
    expect(r.adopted.model.consumers.map((c) => c.name)).toEqual(['factory_crowdsec_conf']);
    const plausible = r.adopted.model.apps.find((a) => a.name === 'plausible')!;
    expect(plausible.secrets.map((s) => [s.name, s.staticSecretName, s.k8sSecretName])).toEqual([
      ['config', 'plausible', 'plausible-config'],
      ['geoip', 'plausible-geoip', 'plausible-geoip'],
    ]);
    const cms = r.adopted.model.apps.find((a) => a.name === 'cms')!;
    expect(cms.vaultAuths.map((v) => v.name)).toEqual(['cloudflared']);
    expect(cms.secrets.map((s) => [s.staticSecretName, s.k8sSecretName, s.vaultAuth])).toEqual([['cloudflared-token', 'cloudflared-token', 'cloudflared']]);
    expect(cms.target!.files.backend).toBeUndefined();
  });

  test('THEN the apps.yaml has a comment per app naming the files it came from', () => {
    const lines = r.adopted.result.text.split('\n');
    for (const app of fixture.apps) {
      const i = lines.indexOf(`  ${app}:`) >= 0 ? lines.indexOf(`  ${app}:`) : lines.findIndex((l) => l.startsWith(`  ${app}: `));
      const above = lines.slice(0, i).reverse();
      const block = above.slice(
        0,
        above.findIndex((l) => !l.startsWith('  #')),
      );
      const from = block.find((l) => l.startsWith('  # from '));
      expect(from, app).toBeDefined();
      for (const file of from!.slice('  # from '.length).split(', '))
        expect(r.trees.get(file.split('/')[0]!)?.has(file.slice(file.indexOf('/') + 1)), file).toBe(true);
    }
  });

  test('THEN the render declares exactly the superseded Kubernetes objects: kinds, namespaces, names, Vault paths, roles and Secrets', () => {
    const expected = supersededObjects(r);
    expect(Object.keys(r.generated.vso).sort()).toEqual(Object.keys(expected).sort());
    expect(r.generated.vso).toEqual(expected);
    expect(r.generated.objects.filter((o) => !o.startsWith('Deployment '))).toEqual(Object.keys(expected).sort());
  });

  test('THEN the render manages no Vault or PostgreSQL object the repos do not already manage, and all those it takes over', () => {
    const union = [...new Set(r.together.identities.map((i) => `${i.kind} ${i.name}`))].sort();
    expect(union).toEqual(r.hand.identities);
    const superseded = new Set(r.adopted.result.superseded.map(at));
    const taken = r.handInventory.identities.filter((i) => superseded.has(at(i))).map((i) => `${i.kind} ${i.name}`);
    expect(taken).toContain('vault-kv-path kvv2/plausible/config');
    expect(taken).toContain('vault-auth-role kubernetes/factory_crowdsec_conf');
    expect(taken.filter((x) => !r.generated.identities.includes(x))).toEqual([]);
  });

  test('THEN every generated password has the arguments of the hand-written one', () => {
    expect(r.hand.passwords).toEqual(fixture.passwords);
    expect(r.generated.passwords).toEqual(r.hand.passwords);
  });

  test('THEN the app roles bind the same ServiceAccounts and namespaces and the same database', () => {
    expect(Object.keys(r.hand.appRoles).sort()).toEqual(fixture.appRoles);
    expect(r.generated.appRoles).toEqual(r.hand.appRoles);
  });

  test('THEN the central maps carry the same apps, and the only difference is the ops_policies fix, reported', () => {
    const central = (inv: Inventory, repo: string, dir: string) =>
      inv.modules
        .find((m) => m.repo === repo && m.dir === dir)!
        .settings.get('applications')!
        .at(-1)!.value;
    const before = central(r.handInventory, 'tools', 'hashicorp-vault/iac') as Record<string, Record<string, unknown>>;
    const after = central(r.together, 'tools', 'hashicorp-vault/iac') as Record<string, Record<string, unknown>>;
    const { ops_policies, ...cmsRest } = before.cms!;
    const normal = (m: Record<string, Record<string, unknown>>) =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).sort())]));
    expect(normal(after)).toEqual(normal({ ...before, cms: { ...cmsRest, policies: ops_policies } }));
    expect(central(r.together, 'factory', 'postgres/iac')).toEqual(central(r.handInventory, 'factory', 'postgres/iac'));
    const fix = r.adopted.result.findings.filter((f) => f.message.includes('ops_policies'));
    expect(fix.map((f) => [f.rule, `${at(f)}:${f.at.col}`])).toEqual([['adopt-review', fixture.opsPoliciesAt]]);
    expect(fix[0]!.message).toContain('adds that policy to gitea_cicd_cms');
  });

  test('THEN every conflict of the render with the repos is with a declaration adopt lists as superseded (nothing else is duplicated)', () => {
    const superseded = new Set(r.adopted.result.superseded.map(at));
    const conflicts = findLiveConflicts(r.together).filter((f) => f.rule !== 'live-unreadable');
    expect(conflicts.length).toBeGreaterThan(10);
    const handSide = conflicts.map((f) => (f.generated ? f.related : f)).map((x) => `${x.file}:${x.line}`);
    expect(handSide.filter((x) => !superseded.has(x))).toEqual([]);
  });

  test('THEN what stays hand-written is listed with its reason, at its position', () => {
    const kept = r.adopted.result.findings.filter((f) => f.rule !== 'adopt-review').map((f) => `${f.rule} ${at(f)}`);
    expect(kept).toEqual(fixture.kept);
    expect(r.adopted.result.findings.find((f) => at(f) === 'cms/iac/main.tf:4')!.message).toContain('its backend is "s3"');
  });
});

describe('GIVEN the messier platform', () => {
  let r: Run;
  beforeAll(async () => {
    r = await run(PLATFORM_MESSY_FIXTURE);
  }, 120_000);

  test('THEN the fifth app keeps every name and value that differs from the derivations', () => {
    const umami = r.adopted.model.apps.find((a) => a.name === 'umami')!;
    expect(umami.namespace).toBe('analytics');
    expect(umami.vaultAuths.map((v) => [v.name, v.serviceAccount])).toEqual([
      ['umami', 'umami'],
      ['umami-web', 'umami-web'],
    ]);
    expect(umami.database).toMatchObject({ name: 'umami_analytics', dynamicSecretName: 'umami-db', k8sSecretName: 'umami-database' });
    expect(umami.database!.restart.map((t) => `${t.kind}/${t.name}`)).toEqual(['Deployment/umami', 'StatefulSet/umami-worker']);
    expect(umami.target!.stateKeyPrefix).toBe('tools/umami/state');
    expect(umami.secrets[0]!.generated.map((k) => [k.name, k.rotation])).toEqual([
      ['APP_SECRET', 2],
      ['HASH_SALT', 0],
    ]);
    expect(r.adopted.result.text).toContain('# NB module.roles becomes module.app_roles (a moved block keeps its state)');
  });

  test('THEN unrelated hand-written files in managed dirs, and the rest of mixed files, are not superseded', () => {
    const touched = new Set(r.adopted.result.superseded.map((s) => `${s.at.repo}/${s.at.path}`));
    expect(touched.has('tools/plausible/resources/configmap.yaml')).toBe(false);
    expect(touched.has('tools/plausible/iac/outputs.tf')).toBe(false);
    const vaultMain = r.adopted.result.superseded.filter((s) => s.at.path === 'hashicorp-vault/iac/main.tf').map((s) => s.what);
    expect(vaultMain.sort()).toEqual([
      'data.vault_policy_document.factory_crowdsec_conf',
      'vault_kubernetes_auth_backend_role.factory_crowdsec_conf',
      'vault_policy.factory_crowdsec_conf',
    ]);
  });

  test('THEN the applier-namespaced crowdsec objects are assumed in the one namespace its role binds, and that is said', () => {
    expect(r.adopted.model.apps.find((a) => a.name === 'crowdsec')!.namespace).toBe('tools');
    const said = r.adopted.result.findings.filter((f) => f.rule === 'adopt-review' && f.message.startsWith('app "crowdsec"'));
    expect(said.map((f) => f.message)).toEqual([
      expect.stringContaining('joinkey writes namespace tools (the one namespace its Vault role binds besides crowdsec)'),
    ]);
  });
});
