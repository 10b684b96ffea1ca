import { describe, expect, test } from 'vitest';
import { cli, HEAD, loaderDiagnostics } from './helpers/check';

// GIVEN an apps.yaml with shape errors AND rule errors elsewhere WHEN it is loaded THEN both are
// reported in one run; a rule finding on a value the schema refused is left out, and no rule
// fires because a refused value was dropped.

const PG = (app: string, line: number) =>
  `apps.yaml:${line}:3: apps.${app}: app "${app}" has a database, so its PostgreSQL role "${app}_role" must be an unquoted identifier, but "${app}_role" contains "-", which PostgreSQL reads as a minus sign in an unquoted identifier; rename the app without "-" (e.g. ${app.replace(/-/g, '')}) or set database: false`;

describe('shape and rule errors in one run', () => {
  test('GIVEN a wrong repo url type and an app with "-" THEN both', () => {
    const y = `version: 1\nrepos:\n  tools: { url: 5 }\n  factory: { url: ssh://h/f.git }\napps:\n  my-app: { repo: tools }\n`;
    expect(loaderDiagnostics(y)).toEqual(['apps.yaml:3:17: repos.tools.url: repos.<id>.url must be a string', PG('my-app', 6)]);
  });

  test('GIVEN a wrong type in one consumer and a duplicated repo url THEN both, and the broken consumer adds nothing', () => {
    const y = `${HEAD}\n  copy: { url: ssh://git@h/o/tools.git/ }\napps:\n  web: {}\nconsumers:\n  c: { serviceAccount: a, namespace: b, reads: 7 }\n`;
    expect(loaderDiagnostics(y)).toEqual([
      'apps.yaml:3:17: repos.tools.url: repos "copy" and "tools" point at one git repository (ssh://git@h/o/tools.git), so publish would push both ids\' files to it and never settle; use one repo id for it',
      'apps.yaml:10:48: consumers.c.reads: reads must be a list, e.g. [a, b]',
    ]);
  });

  test('GIVEN an invalid repo id in an app THEN no "needs a repo" finding follows from dropping it', () => {
    const y = `${HEAD}\napps:\n  web: { repo: Tools, database: { restart: [Deployment/web], urlEnv: U }, secrets: { s: { generate: [K] } } }\n`;
    expect(loaderDiagnostics(y)).toEqual(['apps.yaml:7:16: apps.web.repo: repo id "Tools" is not a DNS-1123 label, e.g. tools']);
  });

  test('GIVEN an unbound service account beside an invalid one THEN the invalid one is reported once, by the schema', () => {
    const y = `${HEAD}\napps:\n  web:\n    repo: cms\n    secrets:\n      a: { serviceAccount: other }\n      b: { serviceAccount: Bad_SA }\n`;
    expect(loaderDiagnostics(y)).toEqual([
      'apps.yaml:10:28: apps.web.secrets.a.serviceAccount: service account "other" is not bound to Vault role "web" (bound: web); add it to apps.web.serviceAccounts',
      'apps.yaml:11:28: apps.web.secrets.b.serviceAccount: secret serviceAccount "Bad_SA" is not a DNS-1123 label: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. my-app',
    ]);
  });

  test('GIVEN a wrong item in serviceAccounts THEN no binding finding is guessed for that app, the rest still counts', () => {
    const y = `${HEAD}\napps:\n  web:\n    repo: cms\n    serviceAccounts: [7, tunnel]\n    secrets:\n      a: { serviceAccount: tunnel }\n      b: { serviceAccount: other }\n  my-app: {}\n`;
    expect(loaderDiagnostics(y)).toEqual(['apps.yaml:9:23: apps.web.serviceAccounts[0]: service account must be a string', PG('my-app', 13)]);
  });

  test('GIVEN check on such a file THEN each line has its rule id, "input" for the shape', async () => {
    const y = `${HEAD}\napps:\n  my-app: {}\n  web: { namespce: x }\n`;
    const r = await cli(['check'], { 'apps.yaml': y });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      PG('my-app', 7).replace('apps.yaml:7:3: ', 'apps.yaml:7:3: name-pg-identifier: '),
      'apps.yaml:8:10: input: apps.web.namespce: unknown key "namespce". Did you mean "namespace"? Allowed here: repo, manifests, iac, namespace, namespaces, serviceAccounts, opsPolicies, database, secrets, writes, environments',
    ]);
  });
});

describe('checks of one mapping beside a shape error in it', () => {
  test('GIVEN an unknown key and manifests without a repo in one app THEN both', () => {
    const y = `${HEAD}\napps:\n  web: { manifests: m, serviceAcounts: [x] }\n`;
    expect(loaderDiagnostics(y)).toEqual([
      'apps.yaml:7:21: apps.web.manifests: manifests is set but the app has no repo; add repo: <id> so joinkey knows where to write the VSO manifests',
      'apps.yaml:7:24: apps.web.serviceAcounts: unknown key "serviceAcounts". Did you mean "serviceAccounts"? Allowed here: repo, manifests, iac, namespace, namespaces, serviceAccounts, opsPolicies, database, secrets, writes, environments',
    ]);
  });

  test('GIVEN length without generate beside a wrong key type in the secret THEN both', () => {
    const y = `${HEAD}\napps:\n  web:\n    repo: cms\n    secrets:\n      s: { length: 32, keys: 5 }\n`;
    expect(loaderDiagnostics(y)).toEqual([
      'apps.yaml:10:20: apps.web.secrets.s.length: length applies to generated keys only; add generate: [KEY] or remove length',
      'apps.yaml:10:30: apps.web.secrets.s.keys: keys must be a list, e.g. [a, b]',
    ]);
  });
});

describe('check lists the warnings beside the errors', () => {
  test('GIVEN a rule error and a rule warning WHEN check runs THEN both, and exit 1', async () => {
    const y = `${HEAD}\napps:\n  web: {}\n  webapp: {}\nconsumers:\n  r: { serviceAccount: a, namespace: b, reads: [webapp/x] }\n`;
    const r = await cli(['check'], { 'apps.yaml': y });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').map((l) => l.split(': ').slice(0, 2).join(': '))).toEqual([
      'apps.yaml:7:3: policy-glob-isolation',
      'apps.yaml:10:49: warning',
      'joinkey check: 1 error, 1 warning',
      '',
    ]);
  });
});

describe('no finding guessed from a dropped value', () => {
  test.each([
    [
      'an invalid repo id beside manifests',
      '  web: { repo: Tools, manifests: m }\n',
      'apps.yaml:7:16: apps.web.repo: repo id "Tools" is not a DNS-1123 label, e.g. tools',
    ],
    ['a repo url of the wrong type beside an app using that repo', '  web: { repo: erp }\n', 'apps.yaml:6:15: repos.erp.url: repos.<id>.url must be a string'],
  ])('GIVEN %s THEN only the shape error', (_, apps, expected) => {
    const head = apps.includes('erp') ? `${HEAD}\n  erp: { url: [x] }` : HEAD;
    expect(loaderDiagnostics(`${head}\napps:\n${apps}`)).toEqual([expected]);
  });
});
