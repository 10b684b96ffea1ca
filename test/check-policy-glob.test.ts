import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import { globIntersects, globMatches, ResourceIndex } from '../src/util/vault-glob';
import { cli, HEAD, load, located } from './helpers/check';

describe("Vault's glob semantics", () => {
  test('GIVEN a trailing * THEN it is a prefix match across "/", and * elsewhere is literal', () => {
    expect(globMatches('postgres/creds/web*', 'postgres/creds/webapp')).toBe(true);
    expect(globMatches('postgres/creds/web*', 'postgres/creds/web/x')).toBe(true);
    expect(globMatches('postgres/creds/web*', 'postgres/creds/we')).toBe(false);
    expect(globMatches('kvv2/data/web/*', 'kvv2/data/webapp/config')).toBe(false);
    expect(globMatches('a*/b', 'a*/b')).toBe(true);
    expect(globMatches('a*/b', 'ax/b')).toBe(false);
  });
  test('GIVEN + THEN it matches exactly one non-empty segment', () => {
    expect(globMatches('kvv2/data/+/config', 'kvv2/data/web/config')).toBe(true);
    expect(globMatches('kvv2/data/+/config', 'kvv2/data/a/b/config')).toBe(false);
    expect(globMatches('kvv2/data/+/config', 'kvv2/data//config')).toBe(false);
    expect(globMatches('kvv2/+/web/*', 'kvv2/metadata/web/x')).toBe(true);
  });
  test('GIVEN a space (every path under a prefix) THEN intersection follows the same rules', () => {
    expect(globIntersects('kvv2/data/+/config', { kind: 'space', prefix: 'kvv2/data/webapp/' })).toBe(true);
    expect(globIntersects('kvv2/data/web/*', { kind: 'space', prefix: 'kvv2/data/webapp/' })).toBe(false);
    expect(globIntersects('kvv2/data/webapp/x', { kind: 'space', prefix: 'kvv2/data/webapp/' })).toBe(true);
    const index = new ResourceIndex([
      { owner: 'webapp', resource: { kind: 'space', prefix: 'kvv2/data/webapp/' } },
      { owner: 'web', resource: { kind: 'space', prefix: 'kvv2/data/web/' } },
    ]);
    expect(
      index
        .intersecting('kvv2/data/+/secret')
        .map((r) => r.owner)
        .sort(),
    ).toEqual(['web', 'webapp']);
    expect(index.intersecting('kvv2/data/webapp/deep/*').map((r) => r.owner)).toEqual(['webapp']);
  });
});

describe('policy-glob-isolation', () => {
  const yaml = `${HEAD}\napps:\n  web: {}\n  webapp: {}\n  api: {}\n`;

  test('GIVEN apps web and webapp WHEN checked THEN web is flagged at its key with every leaking path and the fix; webapp and api are not', () => {
    const { model } = load(yaml);
    expect(located(yaml, checkModel(model))).toEqual([
      `7:3 error policy-glob-isolation: app "web"'s policies reach Vault paths of app "webapp": postgres/creds/web* (policy web) reaches postgres/creds/webapp; postgres/roles/web* (policy web-ops) reaches postgres/roles/webapp; auth/kubernetes/role/web* (policy web-ops) reaches auth/kubernetes/role/webapp; kvv1/cloudflare/web* (policy web-ops) reaches kvv1/cloudflare/webapp; kvv1/ovh/web* (policy web-ops) reaches kvv1/ovh/webapp; rename "web" or "webapp" so that neither name starts with the other (Vault's trailing "*" is a prefix match)`,
    ]);
  });

  test('GIVEN custom mounts THEN the proof uses them', () => {
    const y = `${HEAD}\nvault: { mounts: { database: db, kubernetes: k8s } }\napps:\n  ab: { database: false }\n  abc: { database: false }\n`;
    const msgs = checkModel(load(y).model).map((f) => f.message);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain(
      'db/creds/ab* (policy ab) reaches db/creds/abc; db/roles/ab* (policy ab-ops) reaches db/roles/abc; auth/k8s/role/ab* (policy ab-ops) reaches auth/k8s/role/abc',
    );
  });

  test("GIVEN an app named vault THEN it reaches VSO's own Kubernetes auth role", () => {
    const y = `${HEAD}\napps:\n  vault: {}\n`;
    expect(located(y, checkModel(load(y).model))).toEqual([
      `7:3 error policy-glob-isolation: app "vault"'s policies reach Vault paths of VSO's own Kubernetes auth role "vault-secret-operator": auth/kubernetes/role/vault* (policy vault-ops) reaches auth/kubernetes/role/vault-secret-operator; rename app "vault" so that "vault-secret-operator" does not start with it`,
    ]);
  });

  test('GIVEN a consumer whose role name starts with an app name THEN the app can rewrite the consumer role', () => {
    const y = `${HEAD}\napps:\n  cms: { writes: [factory/turnstile] }\nconsumers:\n  cms_reader: { serviceAccount: r, namespace: kube-system, reads: [cms/factory/*] }\n`;
    expect(checkModel(load(y).model).map((f) => `${f.rule}: ${f.message}`)).toEqual([
      `policy-glob-isolation: app "cms"'s policies reach Vault paths of consumer "cms_reader": auth/kubernetes/role/cms* (policy cms-ops) reaches auth/kubernetes/role/cms_reader; rename app "cms" or consumer "cms_reader" so that the consumer's name does not start with the app's name`,
    ]);
  });

  test('GIVEN 10,000 apps whose names share prefixes pairwise THEN the proof finds exactly those pairs, quickly', () => {
    const names: string[] = [];
    for (let i = 0; i < 5000; i++) names.push(`app${i}x`, `app${i}x-b`);
    const y = `${HEAD}\napps:\n${names.map((n) => `  ${n}: { database: false }`).join('\n')}\n`;
    const { model } = load(y);
    const start = performance.now();
    const findings = checkModel(model).filter((f) => f.rule === 'policy-glob-isolation');
    expect(performance.now() - start).toBeLessThan(5000);
    expect(findings).toHaveLength(5000);
    expect(findings[0]!.path).toEqual(['apps', 'app0x']);
  }, 60_000);

  test('GIVEN the pair WHEN joinkey check runs THEN it prints FILE:LINE:COL: rule-id: message and exits 1', async () => {
    const r = await cli(['check'], { 'apps.yaml': yaml });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^apps\.yaml:7:3: policy-glob-isolation: apps\.web: app "web"'s policies reach Vault paths of app "webapp": /);
    expect(r.stderr).toContain('joinkey check: 1 error\n');
  });
});
