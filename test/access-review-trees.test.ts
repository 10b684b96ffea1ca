import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { accessReviewOfTrees, renderAccessReview, type SubjectAccessChange } from '../src/access';
import { hcl2jsonParser, publishedTrees, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { appDirectory } from '../src/live';
import { loadModel, type Model } from '../src/model';
import { renderTree } from '../src/render';
import { bundledWithConsumer, PLATFORM_FIXTURE, PLATFORM_REPOS } from './support/platform';

/**
 * accessReviewOfTrees end to end: renders of apps.yaml published over the guidebook's repos
 * (test/fixtures/platform) with publishedTrees, as publish leaves them; the access state of each
 * side read from its live objects (the central app_policy module with its applications map, the
 * app_roles module each app's IaC calls, consumers.gen.tf, hand-written policies).
 */

const FIXTURE = readReposDir(PLATFORM_FIXTURE, PLATFORM_REPOS);
const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');
const parser = hcl2jsonParser();

type Edit = (doc: ReturnType<typeof parseDocument>) => void;
const edited = (...edits: Edit[]): string => {
  const doc = parseDocument(APPS_YAML);
  for (const e of edits) e(doc);
  return doc.toString();
};
const model = (text: string): Model => loadModel('apps.yaml', text).model;

/** The base branches hold `from`'s render over the fixture; `to`'s render is published over them. */
async function reviewEdit(from: string, to: string, checkouts: RepoTrees = FIXTURE) {
  const m1 = model(from);
  const m2 = model(to);
  const before = publishedTrees(checkouts, renderTree(m1));
  const after = publishedTrees(before, renderTree(m2));
  return accessReviewOfTrees(before, after, { parser, apps: appDirectory(m1, m2) });
}

const rows = (changes: readonly SubjectAccessChange[]) =>
  changes.flatMap((s) => s.changes.map((c) => `${s.subject} ${c.path} +${c.gained.join(',')} -${c.lost.join(',')}${c.after.denied ? ' denied' : ''}`));

describe('the platform fixture with the bundled apps.yaml', () => {
  test('GIVEN the repos as run by hand and the render published over them THEN the access is the same: the hand-written policy and the generated one grant alike', async () => {
    const after = publishedTrees(FIXTURE, renderTree(model(APPS_YAML)));
    const review = await accessReviewOfTrees(FIXTURE, after, { parser, apps: appDirectory(model(APPS_YAML)) });
    expect(rows(review.changes)).toEqual([]);
    // both sides read the roles of every app and the consumer
    for (const state of [review.before, review.after])
      expect(state.subjects.map((s) => s.id)).toEqual(
        expect.arrayContaining([
          'kubernetes kubernetes cms/cloudflared',
          'kubernetes kubernetes tools/plausible',
          'kubernetes kubernetes tools/crowdsec',
          'kubernetes kubernetes kube-system/factory-ansible-tool-crowdsec-traefik-plugin',
          'kubernetes kubernetes tools/hashicorp-vault-vault-secrets-operator-controller-manager',
        ]),
      );
    // the CI roles are read on both sides: the applications map gets its optional() defaults (policies = []) as tofu gives them
    expect(review.notes.map((n) => n.text).filter((t) => t.includes('token_policies not known'))).toEqual([]);
    for (const state of [review.before, review.after]) expect(state.subjects.map((s) => s.id).filter((id) => id.includes('gitea_cicd_cms'))).toHaveLength(1);
    expect(review.notes.map((n) => n.text)).toContain(
      'tools/hashicorp-vault/iac module.app_policy["plausible"].vault_policy.ops: policy plausible-ops: its text is not known from the files (only literal text and data.vault_policy_document are read): the access it grants is not reviewed',
    );
  });

  test('GIVEN the same trees on both sides THEN no change, whatever they hold', async () => {
    for (const trees of [FIXTURE, publishedTrees(FIXTURE, renderTree(model(APPS_YAML)))]) {
      expect((await accessReviewOfTrees(trees, trees, { parser })).changes).toEqual([]);
    }
  });
});

describe('GIVEN a consumer added to apps.yaml', () => {
  test.each([
    ['geoip-reader', 'geoipupdate', 'monitoring', ['plausible/geoip']],
    ['lapi-reader', 'bouncer', 'tools', ['crowdsec/*']],
    ['two-paths', 'reporter', 'reporting', ['cms/cloudflared', 'plausible/config']],
    // a pair an app role binds already: the two roles' policies are united
    ['shared-pair', 'plausible', 'tools', ['cms/cloudflared']],
  ])('WHEN %s (SA %s in %s) reads %j THEN exactly that pair gains read and list on each path, nothing else changes', async (name, sa, ns, reads) => {
    const review = await reviewEdit(APPS_YAML, bundledWithConsumer(name, sa, ns, reads));
    expect(rows(review.changes)).toEqual(reads.map((r) => `kubernetes kubernetes ${ns}/${sa} kvv2/data/${r} +read,list -`).sort());
  });
});

describe('GIVEN an app removed from apps.yaml', () => {
  test.each([
    ['crowdsec', ['crowdsec/crowdsec', 'tools/crowdsec']],
    ['plausible', ['plausible/plausible', 'tools/plausible']],
  ])('WHEN %s is removed THEN each of its pairs %j loses read on its kv space and its database credentials', async (app, pairs) => {
    const review = await reviewEdit(
      APPS_YAML,
      edited((d) => d.deleteIn(['apps', app])),
    );
    expect(rows(review.changes)).toEqual(
      pairs.flatMap((p) => [`kubernetes kubernetes ${p} kvv2/data/${app}/* + -read,list`, `kubernetes kubernetes ${p} postgres/creds/${app}* + -read`]),
    );
  });

  test('WHEN cms and its consumer are removed THEN its pairs lose their policy; the consumer keeps the hand-written copy of its own', async () => {
    const review = await reviewEdit(
      APPS_YAML,
      edited(
        (d) => d.deleteIn(['apps', 'cms']),
        (d) => d.deleteIn(['consumers', 'factory_crowdsec_conf']),
      ),
    );
    // the hand-written factory_auth.tf still declares the consumer: only the generated copy goes, so it keeps its access
    expect(rows(review.changes)).toEqual([
      'kubernetes kubernetes cms/cloudflared kvv2/data/cms/* + -read,list',
      'kubernetes kubernetes cms/cloudflared postgres/creds/cms* + -read',
      'kubernetes kubernetes cms/cms kvv2/data/cms/* + -read,list',
      'kubernetes kubernetes cms/cms postgres/creds/cms* + -read',
    ]);
  });
});

describe('hand-written policies with + paths and denies', () => {
  const withPolicy = (hcl: string): RepoTrees => {
    const tools = new Map(FIXTURE.get('tools'));
    tools.set('hashicorp-vault/iac/lockdown.tf', hcl);
    return new Map([...FIXTURE, ['tools', tools]]);
  };
  const role = (policies: string) => `
resource "vault_kubernetes_auth_backend_role" "auditor" {
  backend                          = "kubernetes"
  role_name                        = "auditor"
  bound_service_account_names      = ["auditor"]
  bound_service_account_namespaces = ["monitoring"]
  token_policies                   = ${policies}
}
`;
  const policy = (label: string, name: string, path: string, caps: string) =>
    `resource "vault_policy" "${label}" {\n  name   = "${name}"\n  policy = <<-EOT\n    path "${path}" {\n      capabilities = [${caps}]\n    }\n  EOT\n}\n`;

  test('GIVEN a role given a policy on kvv2/data/+/config THEN it gains read on that + path, and on no app path directly', async () => {
    const before = withPolicy(role('["default"]'));
    const after = withPolicy(role('["default", "configs"]') + policy('configs', 'configs', 'kvv2/data/+/config', '"read"'));
    const review = await accessReviewOfTrees(before, after, { parser });
    expect(rows(review.changes)).toEqual(['kubernetes kubernetes monitoring/auditor kvv2/data/+/config +read -']);
  });

  test("GIVEN plausible's pair also carries a + deny THEN it loses read on every path where the deny outranks its app policy and the other + rule", async () => {
    const bind = (policies: string) =>
      `resource "vault_kubernetes_auth_backend_role" "extra" {\n  backend = "kubernetes"\n  role_name = "extra"\n  bound_service_account_names = ["plausible"]\n  bound_service_account_namespaces = ["tools"]\n  token_policies = ${policies}\n}\n`;
    const before = withPolicy(bind('["configs"]') + policy('configs', 'configs', 'kvv2/data/+/config', '"read", "list"'));
    const after = withPolicy(
      bind('["configs", "lock"]') +
        policy('configs', 'configs', 'kvv2/data/+/config', '"read", "list"') +
        policy('lock', 'lock', 'kvv2/data/plausible/+', '"deny"'),
    );
    const review = await accessReviewOfTrees(before, after, { parser });
    expect(rows(review.changes)).toEqual([
      // the app policy's glob as a path: the deny ranks higher (same first wildcard, and it does not end in *: rule 2)
      'kubernetes kubernetes tools/plausible kvv2/data/plausible/* + -read,list denied',
      'kubernetes kubernetes tools/plausible kvv2/data/plausible/+ + -read,list denied',
      // where the two + rules meet, the deny's later + wins (priority rule 1)
      'kubernetes kubernetes tools/plausible kvv2/data/plausible/config + -read,list denied',
      // where the deny meets the app policy's glob
      'kubernetes kubernetes tools/plausible kvv2/data/plausible/x + -read,list denied',
    ]);
    expect(renderAccessReview(review.changes)).toContain(
      '| `kubernetes kubernetes tools/plausible` | `kvv2/data/plausible/config` | - | read, list (denied) |',
    );
  });

  test('GIVEN an exact deny on one secret THEN only that path is lost; the glob of the app policy keeps the rest', async () => {
    const bind = `resource "vault_kubernetes_auth_backend_role" "extra" {\n  backend = "kubernetes"\n  role_name = "extra"\n  bound_service_account_names = ["crowdsec"]\n  bound_service_account_namespaces = ["tools"]\n  token_policies = ["lock"]\n}\n`;
    const before = withPolicy(bind);
    const after = withPolicy(bind + policy('lock', 'lock', 'kvv2/data/crowdsec/lapi', '"deny"'));
    const review = await accessReviewOfTrees(before, after, { parser });
    expect(rows(review.changes)).toEqual(['kubernetes kubernetes tools/crowdsec kvv2/data/crowdsec/lapi + -read,list denied']);
  });
});
