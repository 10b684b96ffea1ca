import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import { renderTree } from '../src/render';
import { HEAD, load, loaderDiagnostics, located } from './helpers/check';

/**
 * The apps.yaml fields that keep existing names and values (what joinkey adopt writes): they flow
 * through the one namer into every output, are validated where they are written, and may not meet
 * another object's name or another project's state.
 */

const yaml = (apps: string) => `${HEAD}\napps:\n${apps}`;
const only = (rule: string, y: string) => located(y, checkModel(load(y).model)).filter((l) => l.includes(` ${rule}: `));

describe('GIVEN override fields WHEN rendered', () => {
  const y = yaml(`  web:
    repo: tools
    serviceAccounts: [worker]
    statePrefix: legacy/web/state
    vaultAuthNames: { worker: worker-login, web: web-login }
    database: { objectName: web-db, secretName: web-database, restart: [Deployment/web] }
    secrets:
      env: { serviceAccount: worker, objectName: env, secretName: web-environment }
      plain: {}
`);
  const tree = renderTree(load(y).model);
  const vso = tree.get('tools')!.get('web/resources/vso.gen.yaml')!;

  test('THEN every VSO object, its Secret and its VaultAuth take the given names, the others the derived ones', () => {
    const names = [...vso.matchAll(/^kind: (\w+)\nmetadata:\n(?: {2}.*\n)*? {2}name: (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(names).toEqual([
      'VaultAuth web-login',
      'VaultAuth worker-login',
      'VaultStaticSecret env',
      'VaultStaticSecret web-plain',
      'VaultDynamicSecret web-db',
    ]);
    expect([...vso.matchAll(/destination:\n\s+create: true\n\s+name: (\S+)/g)].map((m) => m[1])).toEqual(['web-environment', 'web-plain', 'web-database']);
    expect([...vso.matchAll(/vaultAuthRef: (\S+)/g)].map((m) => m[1])).toEqual(['worker-login', 'web-login', 'web-login']);
  });

  test('THEN the backend keeps the given state prefix', () => {
    expect(tree.get('tools')!.get('web/iac/backend.gen.tf')).toContain('prefix = "legacy/web/state"');
  });

  test('THEN handWrittenBackend renders no backend file, and the rest of the project as before', () => {
    const t = renderTree(load(yaml('  web: { repo: tools, handWrittenBackend: true }\n')).model).get('tools')!;
    expect([...t.keys()].filter((p) => p.startsWith('web/')).sort()).toEqual(['web/iac/app_roles.gen.tf', 'web/resources/vso.gen.yaml']);
  });
});

describe("GIVEN ServiceAccounts named like Object.prototype's members", () => {
  test('THEN vaultAuthNames is read as a plain map: a name given for one SA only, derived for the others', () => {
    const y = yaml(`  web:
    repo: tools
    database: false
    serviceAccounts: [constructor, tostring]
    vaultAuthNames: { tostring: plain }
    secrets:
      a: { serviceAccount: constructor }
      b: { serviceAccount: tostring }
`);
    expect(load(y).model.apps[0]!.vaultAuths.map((a) => a.name)).toEqual(['plain', 'web-constructor']);
  });
});

describe('GIVEN override fields WHEN they are wrong THEN a positioned error that says how to fix it', () => {
  test.each([
    [
      '  web: { repo: tools, secrets: { s: { objectName: Bad_Name } } }\n',
      'apps.yaml:7:51: apps.web.secrets.s.objectName: objectName "Bad_Name" is not a Kubernetes object name',
    ],
    [
      '  web: { repo: tools, database: { secretName: "-x" } }\n',
      'apps.yaml:7:47: apps.web.database.secretName: database.secretName "-x" is not a Kubernetes object name',
    ],
    [
      '  web: { repo: tools, vaultAuthNames: { web: "a b" } }\n',
      'apps.yaml:7:46: apps.web.vaultAuthNames.web: a VaultAuth name "a b" is not a Kubernetes object name',
    ],
    ['  web: { statePrefix: a/b }\n', 'apps.yaml:7:23: apps.web.statePrefix: statePrefix is set but the app has no repo'],
    ['  web: { repo: tools, statePrefix: /abs }\n', 'apps.yaml:7:36: apps.web.statePrefix: statePrefix "/abs" must be a "/"-separated GCS prefix'],
    [
      '  web: { repo: tools, statePrefix: a/b, handWrittenBackend: true }\n',
      'apps.yaml:7:36: apps.web.statePrefix: statePrefix is set but handWrittenBackend is true',
    ],
    ['  web: { handWrittenBackend: true }\n', 'apps.yaml:7:30: apps.web.handWrittenBackend: handWrittenBackend is set but the app has no repo'],
  ])('%s', (apps, message) => {
    expect(loaderDiagnostics(yaml(apps))).toEqual([expect.stringContaining(message)]);
  });

  test('WHEN a given name meets another object of its kind and namespace THEN unique-object, at the later one', () => {
    const y = yaml(`  web:
    repo: tools
    secrets:
      a: {}
      b: { objectName: web-a }
      c: { secretName: web-a }
`);
    expect(only('unique-object', y)).toEqual([
      '11:7 error unique-object: VaultStaticSecret web/web-a is already generated for app "web"; rename the secret or the app so the names differ',
      '12:7 error unique-object: Secret web/web-a is already generated for app "web"; rename the secret or the app so the names differ',
    ]);
  });

  test.each([
    ["a given prefix that is another app's derived one", '  a: { repo: tools }\n  b: { repo: tools, statePrefix: tools/a/main }\n', '8:34'],
    ['a derived prefix later in the file', '  b: { repo: tools, statePrefix: tools/z/main }\n  z: { repo: tools }\n', '7:34'],
    ['two given prefixes', '  a: { repo: tools, statePrefix: s/x }\n  b: { repo: cms, statePrefix: s/x }\n', '8:32'],
  ])('WHEN %s THEN unique-state-prefix at the statePrefix that took it', (_what, apps, at) => {
    const found = only('unique-state-prefix', yaml(apps));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      new RegExp(`^${at} error unique-state-prefix: app "\\w"'s IaC state prefix "[^"]+" is also app "\\w"'s, so both projects would share one state`),
    );
  });

  test('WHEN a prefix is taken by an app with handWrittenBackend THEN no finding: joinkey writes no backend for it', () => {
    expect(only('unique-state-prefix', yaml('  a: { repo: tools, handWrittenBackend: true }\n  b: { repo: tools, statePrefix: tools/a/main }\n'))).toEqual([]);
  });
});
