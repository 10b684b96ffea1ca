import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import { repositoryKey } from '../src/rules/unique';
import { HEAD, load, located } from './helpers/check';
import { runCli, tempDir } from './support/cli-run';

const only = (rule: string, y: string) => located(y, checkModel(load(y).model)).filter((l) => l.includes(` ${rule}: `));

describe('unique-file: a generated file where another output needs a directory', () => {
  test.each([
    [
      "an iac dir inside another app's iac file",
      '  a: { repo: tools, iac: x }\n  b: { repo: tools, iac: x/app_roles.gen.tf }\n',
      '7:3 error unique-file: app "a"\'s appRoles file would be written to tools:x/app_roles.gen.tf, but app "b"\'s appRoles file (tools:x/app_roles.gen.tf/app_roles.gen.tf) needs x/app_roles.gen.tf to be a directory; move one of them to another dir',
    ],
    [
      "a manifests dir inside another app's vso file",
      '  a: { repo: cms, database: false, secrets: { s: {} } }\n  b: { repo: cms, database: false, manifests: a/resources/vso.gen.yaml/x, secrets: { s: {} } }\n',
      '7:3 error unique-file: app "a"\'s vso file would be written to cms:a/resources/vso.gen.yaml, but app "b"\'s vso file (cms:a/resources/vso.gen.yaml/x/vso.gen.yaml) needs a/resources/vso.gen.yaml to be a directory; move one of them to another dir',
    ],
    [
      'an app dir inside a central file',
      '  a: { repo: tools, iac: hashicorp-vault/iac/consumers.gen.tf/a }\n',
      '1:1 error unique-file: the consumers file would be written to tools:hashicorp-vault/iac/consumers.gen.tf, but app "a"\'s appRoles file (tools:hashicorp-vault/iac/consumers.gen.tf/a/app_roles.gen.tf) needs hashicorp-vault/iac/consumers.gen.tf to be a directory; move one of them to another dir',
    ],
    [
      "an init-container patch that is another app's dir",
      '  a: { repo: tools, manifests: p/m, database: { restart: [Deployment/a], urlEnv: URL } }\n  b: { repo: tools, iac: p/add-initcontainer.gen.yaml }\n',
      '7:3 error unique-file: app "a"\'s initContainerPatch file would be written to tools:p/add-initcontainer.gen.yaml, but app "b"\'s appRoles file (tools:p/add-initcontainer.gen.yaml/app_roles.gen.tf) needs p/add-initcontainer.gen.yaml to be a directory; move one of them to another dir',
    ],
  ])('GIVEN %s THEN the file is reported at the app that writes it', (_, apps, expected) => {
    expect(only('unique-file', `${HEAD}\napps:\n${apps}`)).toEqual([expected]);
  });

  test('GIVEN dirs nested inside each other but no file on a dir THEN no finding', () => {
    const y = `${HEAD}\napps:\n  a: { repo: tools, iac: x, manifests: a }\n  b: { repo: tools, iac: x/y, manifests: a/b }\n  c: { repo: tools, iac: a/b/c }\n`;
    expect(only('unique-file', y)).toEqual([]);
  });

  test('GIVEN two apps writing one file THEN the second is reported', () => {
    const y = `${HEAD}\napps:\n  a: { repo: tools, iac: i }\n  b: { repo: tools, iac: i }\n`;
    expect(only('unique-file', y)).toEqual([
      '8:3 error unique-file: app "b"\'s appRoles file would be written to tools:i/app_roles.gen.tf, which app "a" also writes; give the app its own manifests and iac dirs',
      '8:3 error unique-file: app "b"\'s backend file would be written to tools:i/backend.gen.tf, which app "a" also writes; give the app its own manifests and iac dirs',
    ]);
  });

  test('GIVEN a file on a dir WHEN synth runs THEN exit 1 with the position, not EEXIST, and nothing written', async () => {
    const dir = tempDir('unique');
    writeFileSync(join(dir, 'apps.yaml'), `${HEAD}\napps:\n  a: { repo: tools, iac: x }\n  b: { repo: tools, iac: x/backend.gen.tf }\n`);
    const r = await runCli(['synth', '--out', 'out'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'apps.yaml:7:3: apps.a: app "a"\'s backend file would be written to tools:x/backend.gen.tf, but app "b"\'s appRoles file (tools:x/backend.gen.tf/app_roles.gen.tf) needs x/backend.gen.tf to be a directory; move one of them to another dir',
    );
    expect(r.stderr).not.toContain('EEXIST');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('unique-database: one PostgreSQL database per app', () => {
  test('GIVEN database: { name: web } beside an app web THEN the second owner is reported at its database name', () => {
    const y = `${HEAD}\napps:\n  web: {}\n  shop: { database: { name: web } }\n`;
    expect(only('unique-database', y)).toEqual([
      '8:29 error unique-database: app "shop"\'s database "web" is also app "web"\'s database, so both apps would own and read one database; set database: { name: <other> } on one of them',
    ]);
  });

  test('GIVEN two explicit equal names THEN reported once, at the later app', () => {
    const y = `${HEAD}\napps:\n  a: { database: { name: shared } }\n  b: { database: { name: shared } }\n`;
    expect(only('unique-database', y)).toEqual([
      '8:26 error unique-database: app "b"\'s database "shared" is also app "a"\'s database, so both apps would own and read one database; set database: { name: <other> } on one of them',
    ]);
  });

  test('GIVEN the app named like the database listed first or last THEN the explicit name is reported either way', () => {
    const y = `${HEAD}\napps:\n  zz: { database: { name: aa } }\n  aa: {}\n`;
    expect(only('unique-database', y)).toEqual([
      '7:27 error unique-database: app "zz"\'s database "aa" is also app "aa"\'s database, so both apps would own and read one database; set database: { name: <other> } on one of them',
    ]);
  });

  test('GIVEN distinct names, and an app without a database beside a name equal to it THEN no finding', () => {
    const y = `${HEAD}\napps:\n  a: { database: { name: x } }\n  b: {}\n  x: { database: false }\n`;
    expect(only('unique-database', y)).toEqual([]);
  });
});

describe('unique-repo-url: one repo id per git repository', () => {
  test.each([
    ['ssh://git@h/o/tools.git', 'ssh://git@h/o/tools.git/'],
    ['ssh://git@h/o/tools.git', 'ssh://git@h/o/tools'],
    ['ssh://git@h/o/tools.git', 'SSH://git@H/o/tools.git'],
    ['https://h.example/o/tools', 'https://H.Example/o/tools.git'],
    ['git@h:o/tools.git', 'git@H:o/tools'],
  ])('GIVEN %s and %s THEN the second id is reported at its url', (a, b) => {
    const y = `version: 1\nrepos:\n  tools: { url: "${a}" }\n  factory: { url: ssh://git@h/o/factory.git }\n  copy: { url: "${b}" }\napps:\n  x: {}\n`;
    // repos are checked in id order (copy, factory, tools): tools is the second spelling
    expect(only('unique-repo-url', y)).toEqual([
      `3:17 error unique-repo-url: repos "copy" and "tools" point at one git repository (${a}), so publish would push both ids' files to it and never settle; use one repo id for it`,
    ]);
  });

  test.each([
    ['ssh://git@h/o/tools.git', 'ssh://git@h/o/Tools.git'],
    ['ssh://git@h/o/tools.git', 'ssh://git@h/other/tools.git'],
    ['ssh://git@h/o/tools.git', 'ssh://git@h2/o/tools.git'],
  ])('GIVEN %s and %s (paths are case-sensitive) THEN no finding', (a, b) => {
    const y = `version: 1\nrepos:\n  tools: { url: "${a}" }\n  factory: { url: ssh://git@h/o/factory.git }\n  copy: { url: "${b}" }\napps:\n  x: {}\n`;
    expect(only('unique-repo-url', y)).toEqual([]);
  });

  test('repositoryKey keeps the path and user, lowercases scheme and host', () => {
    expect(repositoryKey('SSH://Git@Host.Example:22/Org/Repo.git/')).toBe('ssh://Git@host.example:22/Org/Repo');
  });
});

describe('unique-object: one destination Secret per namespace and name', () => {
  test('GIVEN app a-b secret c and app a secret b-c in one namespace THEN Secret x/a-b-c is reported once', () => {
    const y = `${HEAD}\napps:\n  a-b: { repo: cms, namespace: x, database: false, secrets: { c: {} } }\n  a: { repo: cms, namespace: x, database: false, secrets: { b-c: {} } }\n`;
    expect(only('unique-object', y)).toEqual([
      '7:63 error unique-object: Secret x/a-b-c is already generated for app "a"; rename the secret or the app so the names differ',
    ]);
  });

  test('GIVEN the same names in different namespaces THEN no finding', () => {
    const y = `${HEAD}\napps:\n  a-b: { repo: cms, database: false, secrets: { c: {} } }\n  a: { repo: cms, database: false, secrets: { b-c: {} } }\n`;
    expect(only('unique-object', y)).toEqual([]);
  });
});

describe('vault-name-reserved: one owner per Vault policy name', () => {
  test("GIVEN app web-ops beside app web THEN web-ops is reported: it would be web's ops policy", () => {
    const y = `${HEAD}\napps:\n  web: { database: false }\n  web-ops: { database: false }\n`;
    expect(only('vault-name-reserved', y)).toEqual([
      '8:3 error vault-name-reserved: app "web-ops" would share its Vault policy name with app "web"\'s ops policy; rename the app',
    ]);
  });

  test('GIVEN app web-opsx or ops-web THEN no name is shared', () => {
    const y = `${HEAD}\napps:\n  web: { database: false }\n  web-opsx: { database: false }\n  ops-web: { database: false }\n`;
    expect(only('vault-name-reserved', y)).toEqual([]);
  });
});

describe('k8s-auth-shared-identity: one Vault role per service account and namespace', () => {
  test("GIVEN app b binding app a's service account in a's namespace THEN a warning at b's serviceAccounts", () => {
    const y = `${HEAD}\napps:\n  a: { database: false }\n  b: { database: false, namespace: a, serviceAccounts: [a] }\n`;
    expect(only('k8s-auth-shared-identity', y)).toEqual([
      '8:39 warning k8s-auth-shared-identity: service account "a" in namespace "a" can log in with Vault role "a" and with Vault role "b", so a pod running as it reads the secrets of both apps; give each app its own service account',
    ]);
  });

  test('GIVEN two apps sharing only a namespace, or only a service account name in other namespaces THEN no warning', () => {
    const y = `${HEAD}\napps:\n  a: { database: false, namespace: shared }\n  b: { database: false, namespace: shared }\n  c: { database: false, serviceAccounts: [x] }\n  d: { database: false, serviceAccounts: [x] }\n`;
    expect(only('k8s-auth-shared-identity', y)).toEqual([]);
  });
});
