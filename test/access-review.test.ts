import { describe, expect, test } from 'vitest';
import { accessReview, renderAccessReview, subjectsOfRoles } from '../src/access/review';

const k8sRole = (app: string, names: string[], namespaces: string[], extra: Record<string, unknown> = {}) => ({
  type: 'vault_kubernetes_auth_backend_role',
  args: { role_name: app, bound_service_account_names: names, bound_service_account_namespaces: namespaces, token_policies: ['default', app], ...extra },
});
const appPolicy = (app: string) => [
  { path: `kvv2/data/${app}/*`, capabilities: ['read', 'list'] },
  { path: `postgres/creds/${app}*`, capabilities: ['read'] },
];

describe('subjectsOfRoles', () => {
  test('GIVEN a Kubernetes role binding names AND namespaces THEN one subject per pair, with default added', () => {
    expect(subjectsOfRoles([k8sRole('plausible', ['plausible'], ['plausible', 'tools'])])).toEqual([
      { id: 'kubernetes kubernetes plausible/plausible', policies: ['default', 'plausible'] },
      { id: 'kubernetes kubernetes tools/plausible', policies: ['default', 'plausible'] },
    ]);
  });
  test('GIVEN token_no_default_policy, a custom backend, a JWT role and a pair bound by two roles THEN those shape the subjects', () => {
    const subjects = subjectsOfRoles([
      k8sRole('a', ['sa'], ['ns'], { token_no_default_policy: true, backend: 'k8s' }),
      k8sRole('b', ['sa'], ['ns'], { backend: 'k8s', token_policies: ['b'] }),
      { type: 'vault_jwt_auth_backend_role', args: { role_name: 'gitea_cicd_web', token_policies: ['web-ops'] } },
      { type: 'vault_policy', args: { name: 'ignored' } },
    ]);
    expect(subjects).toEqual([
      { id: 'jwt jwt gitea_cicd_web', policies: ['default', 'web-ops'] },
      { id: 'kubernetes k8s ns/sa', policies: ['a', 'b', 'default'] },
    ]);
  });
});

describe('accessReview', () => {
  const policies = { web: appPolicy('web'), webapp: appPolicy('webapp') };
  test("GIVEN a namespace added to a role THEN the new pair gains the app's access, and nothing else changes", () => {
    const before = { subjects: subjectsOfRoles([k8sRole('web', ['web'], ['web'])]), policies };
    const after = { subjects: subjectsOfRoles([k8sRole('web', ['web'], ['web', 'tools'])]), policies };
    expect(accessReview(before, after).map((s) => `${s.subject}: ${s.changes.map((c) => `${c.path} +${c.gained}`).join('; ')}`)).toEqual([
      'kubernetes kubernetes tools/web: kvv2/data/web/* +read,list; postgres/creds/web* +read',
    ]);
  });
  test('GIVEN a policy narrowed THEN every subject carrying it loses what it no longer grants; a role removed loses everything', () => {
    const before = { subjects: subjectsOfRoles([k8sRole('web', ['web'], ['web']), k8sRole('webapp', ['webapp'], ['webapp'])]), policies };
    const after = {
      subjects: subjectsOfRoles([k8sRole('web', ['web'], ['web'])]),
      policies: {
        ...policies,
        web: [
          { path: 'kvv2/data/web/*', capabilities: ['read'] },
          { path: 'postgres/creds/web', capabilities: ['read'] },
        ],
      },
    };
    const review = accessReview(before, after);
    expect(review.map((s) => `${s.subject}: ${s.changes.map((c) => `${c.path} -${c.lost}`).join('; ')}`)).toEqual([
      'kubernetes kubernetes web/web: kvv2/data/web/* -list; postgres/creds/web* -read',
      'kubernetes kubernetes webapp/webapp: kvv2/data/webapp/* -read,list; postgres/creds/webapp* -read',
    ]);
    expect(renderAccessReview(review)).toBe(
      [
        '## Access changes',
        '',
        '| Identity | Vault path | Gains | Loses |',
        '| --- | --- | --- | --- |',
        '| `kubernetes kubernetes web/web` | `kvv2/data/web/*` | - | list |',
        '| `kubernetes kubernetes web/web` | `postgres/creds/web*` | - | read |',
        '| `kubernetes kubernetes webapp/webapp` | `kvv2/data/webapp/*` | - | read, list |',
        '| `kubernetes kubernetes webapp/webapp` | `postgres/creds/webapp*` | - | read |',
        '',
      ].join('\n'),
    );
  });
  test('GIVEN a policy whose text is read on one side only THEN its subjects are left out; read on neither side THEN the known policies are still compared', () => {
    const subjects = subjectsOfRoles([k8sRole('web', ['web'], ['web']), k8sRole('webapp', ['webapp'], ['webapp'])]);
    const known = { subjects, policies };
    const lost = { subjects, policies: { webapp: policies.webapp }, unreadablePolicies: ['web'] };
    expect(accessReview(known, lost)).toEqual([]);
    expect(accessReview(lost, known)).toEqual([]);
    // webapp's policy narrowed while web's stays unreadable on both sides: webapp's change is shown
    const narrowed = { ...lost, policies: { webapp: [{ path: 'kvv2/data/webapp/*', capabilities: ['read'] }] } };
    expect(accessReview(lost, narrowed).map((s) => `${s.subject}: ${s.changes.map((c) => `${c.path} -${c.lost}`).join('; ')}`)).toEqual([
      'kubernetes kubernetes webapp/webapp: kvv2/data/webapp/* -list; postgres/creds/webapp* -read',
    ]);
  });
  test('GIVEN no change, or a policy the subject names but nobody defines THEN no row', () => {
    const state = { subjects: subjectsOfRoles([k8sRole('web', ['web'], ['web'])]), policies };
    expect(accessReview(state, state)).toEqual([]);
    expect(accessReview(state, { ...state, subjects: [{ id: 'kubernetes kubernetes web/web', policies: ['default', 'web', 'undefined-policy'] }] })).toEqual(
      [],
    );
    expect(renderAccessReview([])).toBe('## Access changes\n\nNo identity gains or loses access to a Vault path.\n');
  });
});
