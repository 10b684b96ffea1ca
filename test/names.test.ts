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
      role: 'plausible_role', policy: 'plausible', ops: 'plausible-ops', group: 'plausible-ops', ci: 'gitea_cicd_plausible',
      k8sRole: 'auth/kubernetes/role/plausible', auth: 'plausible', authExtra: 'cms-cloudflared', vss: 'plausible-geoip',
      vds: 'plausible-db-credentials', kv: 'plausible/config', creds: 'creds/plausible', state: 'tools/plausible/main',
    });
  });

  it('gives the guidebook policy paths with trailing globs', () => {
    const paths = names.policyPaths('web', { kubernetes: 'kubernetes', kv: 'kvv2', database: 'postgres' }).map((p) => `${p.policy} ${p.path}`);
    expect(paths).toEqual([
      'web kvv2/data/web/*', 'web postgres/creds/web*', 'web-ops postgres/roles/web*', 'web-ops auth/kubernetes/role/web*',
      'web-ops kvv2/data/web/*', 'web-ops kvv2/delete/web/*', 'web-ops kvv2/undelete/web/*', 'web-ops kvv2/destroy/web/*', 'web-ops kvv2/metadata/web/*',
      'web-ops kvv1/cloudflare/web*', 'web-ops kvv1/ovh/web*',
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
    expect(names.pgIdentifierProblem('Caps')).toBe('"Caps" is not a plain PostgreSQL identifier (lowercase letters, digits and "_", not starting with a digit)');
  });
});
