import { describe, expect, test } from 'vitest';
import { checkModel, checkRendered } from '../src/check';
import type { Model } from '../src/model/model';
import { renderTree } from '../src/render';
import { cli, HEAD, load, located } from './helpers/check';

const yaml = `${HEAD}
apps:
  cms:
    repo: cms
    serviceAccounts: [cloudflared]
    database: false
    secrets:
      cloudflared:
        serviceAccount: cloudflared
`;

/** The model with one VaultAuth changed, as a resolver bug or a hand edit of the model would. */
function withAuth(model: Model, change: { serviceAccount?: string; namespace?: string }): Model {
  return {
    ...model,
    apps: model.apps.map((a) => ({
      ...a,
      vaultAuths: a.vaultAuths.map((v) => ({ ...v, ...change })),
      secrets: a.secrets.map((s) => ({ ...s, ...(change.namespace ? { namespace: change.namespace } : {}) })),
    })),
  };
}

describe('sa-namespace: Vault checks service account AND namespace', () => {
  test('GIVEN a secret whose service account the role does not bind WHEN joinkey check runs THEN the finding points at that serviceAccount', async () => {
    const bad = yaml.replace('serviceAccounts: [cloudflared]', 'serviceAccounts: [tunnel]');
    const r = await cli(['check'], { 'apps.yaml': bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        'apps.yaml:13:25: sa-namespace: apps.cms.secrets.cloudflared.serviceAccount: service account "cloudflared" is not bound to Vault role "cms" (bound: cms, tunnel); add it to apps.cms.serviceAccounts',
        'joinkey check: 1 error',
        '',
      ].join('\n'),
    );
  });

  test('GIVEN a secret in a namespace the role does not bind WHEN joinkey check runs THEN sa-namespace points at that namespace', async () => {
    const bad = yaml.replace('serviceAccount: cloudflared\n', 'serviceAccount: cloudflared\n        namespace: edge\n');
    const r = await cli(['check', '--format', 'json'], { 'apps.yaml': bad });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: 'apps.yaml',
        line: 14,
        col: 20,
        rule: 'sa-namespace',
        severity: 'error',
        message:
          'apps.cms.secrets.cloudflared.namespace: namespace "edge" is not bound to Vault role "cms" (bound: cms); Vault checks service account AND namespace, so add it to apps.cms.namespaces',
      },
    ]);
  });

  test('GIVEN a resolved model whose VaultAuth uses an unbound service account THEN checkModel reports it on the model, not only the input', () => {
    const { model } = load(yaml);
    expect(located(yaml, checkModel(withAuth(model, { serviceAccount: 'intruder' })))).toEqual([
      '13:25 error sa-namespace: service account "intruder" is not bound to Vault role "cms" (bound: cms, cloudflared); add it to apps.cms.serviceAccounts',
    ]);
  });

  test('GIVEN a resolved model whose VaultAuth sits in an unbound namespace THEN checkModel reports the namespace', () => {
    const { model } = load(yaml);
    expect(checkModel(withAuth(model, { namespace: 'other' })).map((f) => `${f.rule}: ${f.message}`)).toEqual([
      'sa-namespace: namespace "other" is not bound to Vault role "cms" (bound: cms); Vault checks service account AND namespace, so add it to apps.cms.namespaces',
    ]);
  });

  test('GIVEN rendered VaultAuth manifests THEN each one is checked against the bound lists, and the default passes', async () => {
    const { model } = load(yaml);
    const tree = renderTree(model);
    expect(await checkRendered(model, tree)).toEqual([]);
    const cms = new Map(tree.get('cms'));
    const vso = model.apps[0]!.target!.files.vso!;
    cms.set(vso, cms.get(vso)!.replace('serviceAccount: cloudflared', 'serviceAccount: default'));
    const findings = await checkRendered(model, new Map([...tree, ['cms', cms]]));
    expect(findings.map((f) => `${f.rule} ${f.path.join('.')}: ${f.message}`)).toEqual([
      'sa-namespace apps.cms.serviceAccounts: rendered VaultAuth cms/cms-cloudflared in cms:cms/resources/vso.gen.yaml: service account "default" is not bound to Vault role "cms" (bound: cms, cloudflared); add it to apps.cms.serviceAccounts',
    ]);
  });
});
