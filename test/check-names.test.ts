import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import type { Model } from '../src/model/model';
import { cli, HEAD, load, located } from './helpers/check';

describe('names', () => {
  test('GIVEN an app with a database whose name has "-" WHEN joinkey check runs THEN name-pg-identifier at the app key', async () => {
    const r = await cli(['check'], { 'apps.yaml': `${HEAD}\napps:\n  my-app: {}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'apps.yaml:7:3: name-pg-identifier: apps.my-app: app "my-app" has a database, so its PostgreSQL role "my-app_role" must be an unquoted identifier, but "my-app_role" contains "-", which PostgreSQL reads as a minus sign in an unquoted identifier; rename the app without "-" (e.g. myapp) or set database: false',
    );
  });

  test('GIVEN an app name that is not a DNS-1123 label WHEN joinkey check runs THEN name-dns1123', async () => {
    const r = await cli(['check'], { 'apps.yaml': `${HEAD}\napps:\n  My_App: {}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^apps\.yaml:7:3: name-dns1123: .*app name "My_App" is not a DNS-1123 label/);
  });

  test('GIVEN a reserved keyword as database name THEN name-pg-identifier', async () => {
    const r = await cli(['check'], { 'apps.yaml': `${HEAD}\napps:\n  user: {}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'apps.yaml:7:3: name-pg-identifier: apps.user: app "user" has a database named after it, but "user" is a reserved PostgreSQL keyword; set database: { name: <other> } or rename the app',
    );
  });

  test('GIVEN a resolved model with names that escape their Vault path THEN name-path-escape and name-dns1123 on the model', () => {
    const y = `${HEAD}\napps:\n  web:\n    database: false\n    writes: [a/b]\n`;
    const { model } = load(y);
    const bad: Model = { ...model, apps: model.apps.map((a) => ({ ...a, name: 'web/../erp', writes: ['web/../erp/x'] })) };
    expect(located(y, checkModel(bad)).filter((l) => l.includes('name-'))).toEqual([
      '7:3 error name-dns1123: app name "web/../erp" is not a DNS-1123 label (at most 63 characters: lowercase letters, digits and "-", starting and ending with a letter or digit); rename it, e.g. web-erp',
      '7:3 error name-path-escape: app name "web/../erp" holds "..", "*", "+" or "/", so it would escape or widen its Vault path; use a plain name, e.g. web-erp',
      '9:13 error name-path-escape: write path "web/../erp/x" holds "..", ".", an empty segment, "*" or "+", so it would escape or widen the app\'s kv space; list plain paths, e.g. factory/turnstile',
    ]);
  });

  test('GIVEN secret names that make a Kubernetes object name too long THEN name-dns1123 on the derived name', () => {
    const app = 'a'.repeat(63);
    const secret = 's'.repeat(63);
    const y = `${HEAD}\napps:\n  ${app}:\n    repo: tools\n    database: false\n    secrets:\n      ${secret}: {}\n`;
    const findings = checkModel(load(y).model).filter((f) => f.rule === 'name-dns1123');
    expect(findings).toEqual([]);
    const { model } = load(y);
    const long: Model = {
      ...model,
      apps: model.apps.map((a) => ({ ...a, secrets: a.secrets.map((s) => ({ ...s, k8sSecretName: `${s.k8sSecretName}-${'x'.repeat(200)}` })) })),
    };
    expect(
      checkModel(long)
        .filter((f) => f.rule === 'name-dns1123')
        .map((f) => f.message.replace(/"[a-z-]{200,}"/, '"…"')),
    ).toEqual([
      `Secret "…" (derived from app "${app}" and secret "${secret}") is not a valid Kubernetes object name (DNS-1123 subdomain, at most 253 characters); shorten the names it is built from`,
    ]);
  });
});

describe('name-pg-identifier: roles PostgreSQL reserves', () => {
  test('GIVEN app pg with a database THEN its role pg_role is refused (CREATE ROLE pg_role fails)', () => {
    const y = `${HEAD}\napps:\n  pg: {}\n`;
    expect(located(y, checkModel(load(y).model))).toEqual([
      '7:3 error name-pg-identifier: app "pg" has a database, so its PostgreSQL role is "pg_role", but PostgreSQL reserves role names starting with "pg_" for its own roles; rename the app or set database: false',
    ]);
  });

  test.each(['pg-x', 'pgx', 'p'])('GIVEN app %s THEN the pg_ prefix rule does not fire', (app) => {
    const y = `${HEAD}\napps:\n  ${app}: {}\n`;
    expect(checkModel(load(y).model).filter((f) => f.message.includes('reserves role names'))).toEqual([]);
  });

  test('GIVEN app pg without a database THEN no finding', () => {
    expect(checkModel(load(`${HEAD}\napps:\n  pg: { database: false }\n`).model)).toEqual([]);
  });
});
