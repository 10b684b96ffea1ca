import { beforeAll, describe, expect, test } from 'vitest';
import { hcl2jsonParser, inventoryRepos, type Inventory, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { adoptAndRender, liveFacts, withChildModules, withRender, type Adopted, type LiveFacts } from './support/adopt';
import { PLATFORM_FIXTURE, PLATFORM_REPOS } from './support/platform';

/**
 * Issue 10's acceptance on test/fixtures/platform, the guidebook's repos run by hand: GIVEN the
 * three repos WHEN joinkey adopt writes an apps.yaml and it is rendered THEN the render declares
 * the same live objects, proven by comparing inventories: kinds, namespaces and names, destination
 * Secrets, Vault paths and roles, password arguments; and what differs is exactly what adopt
 * reported (the ops_policies fix, the namespaces the applier chooses).
 */

const parser = hcl2jsonParser();
const URLS = new Map(PLATFORM_REPOS.map((id) => [id, `ssh://git@gitea.arcodange.lab/arcodange-org/${id}.git`]));

let trees: RepoTrees;
let adopted: Adopted;
let hand: LiveFacts;
let generated: LiveFacts;
let together: Inventory;
let handInventory: Inventory;

beforeAll(async () => {
  trees = readReposDir(PLATFORM_FIXTURE, PLATFORM_REPOS);
  adopted = await adoptAndRender(trees, parser, URLS);
  handInventory = await inventoryRepos(trees, { parser });
  hand = await liveFacts(trees, parser, handInventory);
  generated = await liveFacts(withChildModules(adopted.render, trees), parser);
  together = await inventoryRepos(withRender(trees, adopted.render), { parser });
}, 120_000);

/** The facts of the hand-written objects adopt says the render supersedes, the applier's namespace resolved as adopt reported it. */
function supersededObjects(): { objects: string[]; vso: Record<string, string> } {
  const objects: string[] = [];
  const vso: Record<string, string> = {};
  for (const s of adopted.result.superseded.filter((x) => x.kind === 'kube-object')) {
    const o = handInventory.objects.find((x) => x.at === s.at || (x.at.repo === s.at.repo && x.at.path === s.at.path && x.at.line === s.at.line))!;
    const app = adopted.model.apps.find((a) => a.name === s.owner)!;
    const reviewed = (what: string) => adopted.result.findings.some((f) => f.rule === 'adopt-review' && f.at.repo === o.at.repo && f.message.includes(what));
    let id = `${o.kind} ${o.namespace ?? '<applier>'}/${o.name}`;
    let facts = hand.vso[id]!;
    if (o.namespace === undefined) {
      // the applier's namespace: adopt must have said which one it assumed (the app's own) or taken it from the app's other objects
      expect(reviewed(`app "${app.name}"`) || app.namespace !== app.name, `${id}: namespace assumed silently`).toBe(true);
      id = `${o.kind} ${app.namespace}/${o.name}`;
    }
    if (o.vso?.method !== undefined && o.vso.kubernetesRole === undefined) {
      expect(reviewed(`VaultAuth ${o.name}`), `${id}: templated role assumed silently`).toBe(true);
      facts = facts.replace('role <templated>', `role ${app.vault.authRole}`);
    }
    objects.push(id);
    vso[id] = facts;
  }
  return { objects: objects.sort(), vso };
}

describe('GIVEN the guidebook platform WHEN adopted and rendered', () => {
  test('THEN the apps.yaml loads, names every app and consumer, and keeps the existing names as overrides', () => {
    expect(adopted.model.apps.map((a) => a.name)).toEqual(['cms', 'crowdsec', 'erp', 'plausible', 'webapp']);
    expect(adopted.model.consumers.map((c) => c.name)).toEqual(['factory_crowdsec_conf']);
    const plausible = adopted.model.apps.find((a) => a.name === 'plausible')!;
    expect(plausible.secrets.map((s) => [s.name, s.staticSecretName, s.k8sSecretName])).toEqual([
      ['config', 'plausible', 'plausible-config'],
      ['geoip', 'plausible-geoip', 'plausible-geoip'],
    ]);
    const cms = adopted.model.apps.find((a) => a.name === 'cms')!;
    expect(cms.vaultAuths.map((v) => v.name)).toEqual(['cloudflared']);
    expect(cms.secrets.map((s) => [s.staticSecretName, s.k8sSecretName, s.vaultAuth])).toEqual([['cloudflared-token', 'cloudflared-token', 'cloudflared']]);
    expect(cms.target!.files.backend).toBeUndefined();
  });

  test('THEN the apps.yaml has a comment per app naming the files it came from', () => {
    for (const app of ['plausible', 'crowdsec', 'cms']) {
      const block = adopted.result.text.split('\n');
      const at = block.findIndex((l) => l === `  ${app}:`);
      const comments = block
        .slice(0, at)
        .reverse()
        .findIndex((l) => !l.startsWith('  #'));
      const from = block.slice(at - comments, at).find((l) => l.startsWith('  # from '));
      expect(from, app).toBeDefined();
    }
    expect(adopted.result.text).toContain(
      '# from factory/postgres/iac/terraform.tfvars, tools/hashicorp-vault/iac/terraform.tfvars, tools/plausible/add-initcontainer.yaml, tools/plausible/iac/main.tf, tools/plausible/resources/geoipsecret.yaml',
    );
  });

  test('THEN the render declares exactly the superseded Kubernetes objects: kinds, namespaces, names, Vault paths, roles and Secrets', () => {
    const expected = supersededObjects();
    const vsoGenerated = Object.fromEntries(Object.entries(generated.vso));
    expect(Object.keys(vsoGenerated).sort()).toEqual(expected.objects);
    expect(vsoGenerated).toEqual(expected.vso);
  });

  test('THEN the render manages no Vault or PostgreSQL object the repos do not already manage, and all they do', () => {
    expect(
      together.identities
        .map((i) => `${i.kind} ${i.name}`)
        .filter((x, i, xs) => xs.indexOf(x) === i)
        .sort(),
    ).toEqual(hand.identities);
    const superseded = new Set(adopted.result.superseded.map((s) => `${s.at.repo}/${s.at.path}:${s.at.line}`));
    const taken = handInventory.identities.filter((i) => superseded.has(`${i.at.repo}/${i.at.path}:${i.at.line}`)).map((i) => `${i.kind} ${i.name}`);
    expect(taken.sort()).toEqual([
      'vault-auth-role kubernetes/cms',
      'vault-auth-role kubernetes/crowdsec',
      'vault-auth-role kubernetes/factory_crowdsec_conf',
      'vault-auth-role kubernetes/plausible',
      'vault-database-role postgres/crowdsec',
      'vault-database-role postgres/plausible',
      'vault-kv-path kvv2/plausible/config',
      'vault-policy factory_crowdsec_conf',
    ]);
    expect(taken.filter((x) => !generated.identities.includes(x))).toEqual([]);
  });

  test('THEN every generated password has the arguments of the hand-written one', () => {
    expect(generated.passwords).toEqual(hand.passwords);
    expect(Object.keys(hand.passwords)).toEqual(['kvv2/plausible/config#SECRET_KEY_BASE', 'kvv2/plausible/config#TOTP_VAULT_KEY']);
    expect(hand.passwords['kvv2/plausible/config#TOTP_VAULT_KEY']).toEqual({ length: 32, special: false });
  });

  test('THEN the app roles bind the same ServiceAccounts and namespaces and the same database', () => {
    expect(generated.appRoles).toEqual(hand.appRoles);
    expect(Object.keys(hand.appRoles).sort()).toEqual(['cms/iac', 'tools/crowdsec/iac', 'tools/plausible/iac']);
  });

  test('THEN the central maps carry the same apps, and the only difference is the ops_policies fix, reported', async () => {
    const central = (inv: Inventory, repo: string, dir: string) =>
      inv.modules
        .find((m) => m.repo === repo && m.dir === dir)!
        .settings.get('applications')!
        .at(-1)!.value;
    const before = central(handInventory, 'tools', 'hashicorp-vault/iac') as Record<string, Record<string, unknown>>;
    const after = central(together, 'tools', 'hashicorp-vault/iac') as Record<string, Record<string, unknown>>;
    const { ops_policies, ...cmsRest } = before.cms!;
    expect(after).toEqual({ ...before, cms: { ...cmsRest, policies: ops_policies } });
    expect(central(together, 'factory', 'postgres/iac')).toEqual(central(handInventory, 'factory', 'postgres/iac'));
    const fix = adopted.result.findings.filter((f) => f.message.includes('ops_policies'));
    expect(fix.map((f) => [f.rule, `${f.at.repo}/${f.at.path}:${f.at.line}:${f.at.col}`])).toEqual([
      ['adopt-review', 'tools/hashicorp-vault/iac/terraform.tfvars:6:5'],
    ]);
    expect(fix[0]!.message).toContain('adds that policy to gitea_cicd_cms');
  });

  test('THEN every conflict of the render with the repos is with a declaration adopt lists as superseded (nothing else is duplicated)', async () => {
    const { findLiveConflicts } = await import('../src/inventory');
    const superseded = new Set(adopted.result.superseded.map((s) => `${s.at.repo}/${s.at.path}:${s.at.line}`));
    const conflicts = findLiveConflicts(together).filter((f) => f.rule !== 'live-unreadable');
    expect(conflicts.length).toBeGreaterThan(10);
    const handSide = conflicts.map((f) => (f.generated ? f.related : f)).map((x) => `${x.file}:${x.line}`);
    expect(handSide.filter((x) => !superseded.has(x))).toEqual([]);
  });

  test('THEN what stays hand-written is listed with its reason, at its position', () => {
    const kept = adopted.result.findings.filter((f) => f.rule !== 'adopt-review').map((f) => `${f.rule} ${f.at.repo}/${f.at.path}:${f.at.line}`);
    expect(kept).toEqual([
      'adopt-kept cms/chart/templates/extra-objects.yaml:3',
      'adopt-kept cms/iac/main.tf:4',
      'adopt-kept cms/iac/main.tf:34',
      'adopt-kept cms/iac/main.tf:41',
      'adopt-kept tools/hashicorp-vault/iac/main.tf:58',
      'adopt-kept tools/plausible/kustomization.yaml:7',
    ]);
    expect(adopted.result.findings.find((f) => f.at.repo === 'cms' && f.at.path === 'iac/main.tf' && f.at.line === 4)!.message).toContain(
      'its backend is "s3"',
    );
  });
});
