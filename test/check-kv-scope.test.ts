import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import type { Model } from '../src/model/model';
import { cli, HEAD, load, located } from './helpers/check';

const yaml = `${HEAD}
apps:
  cms:
    database: false
    writes: [factory/turnstile]
consumers:
  reader:
    serviceAccount: plugin
    namespace: kube-system
    reads: [cms/factory/*, cms/other/*]
`;

describe('kv-scope', () => {
  test('GIVEN a consumer read under which no app declares anything THEN a positioned warning, and check still exits 0', async () => {
    const r = await cli(['check'], { 'apps.yaml': yaml });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'apps.yaml:14:28: warning: kv-scope-undeclared: consumers.reader.reads[1]: consumer "reader" reads "cms/other/*", but no app declares a secret or a write under it, so it will read nothing; add the path to apps.cms.secrets or apps.cms.writes, or fix the path',
        'joinkey check: every invariant holds (1 warning)',
        '',
      ].join('\n'),
    );
  });

  test('GIVEN a consumer reading "*" WHEN joinkey check runs THEN kv-scope points at the read', async () => {
    const r = await cli(['check'], { 'apps.yaml': yaml.replace('cms/other/*', '"*"') });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'apps.yaml:14:28: kv-scope: consumers.reader.reads[1]: "*" alone would read every app\'s secrets; name the app and path, e.g. cms/factory/*',
    );
  });

  test('GIVEN a consumer reading outside every app THEN kv-scope', async () => {
    const r = await cli(['check'], { 'apps.yaml': yaml.replace('cms/other/*', 'erp/x/*') });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'apps.yaml:14:28: kv-scope: consumers.reader.reads[1]: "erp/x/*" lies outside every app\'s kv space: no app "erp" is declared under apps; declare it, or start the path with a declared app\'s name',
    );
  });

  test('GIVEN a resolved model whose static secret path leaves the app space THEN checkModel reports kv-scope at the secret', () => {
    const y = `${HEAD}\napps:\n  cms:\n    repo: cms\n    database: false\n    secrets:\n      config: {}\n`;
    const { model } = load(y);
    const bad: Model = { ...model, apps: model.apps.map((a) => ({ ...a, secrets: a.secrets.map((s) => ({ ...s, kvPath: 'erp/config' })) })) };
    expect(located(y, checkModel(bad)).filter((l) => l.includes('kv-scope'))).toEqual([
      '11:7 error kv-scope: VaultStaticSecret cms-config reads kv path "erp/config", outside app "cms"\'s own space kvv2/cms/; an app syncs only its own secrets, so declare the secret under the app that owns it',
    ]);
  });

  test("GIVEN a resolved model whose consumer reads a bare glob THEN checkModel reports kv-scope with the loader's rule", () => {
    const { model } = load(yaml);
    const bad: Model = { ...model, consumers: model.consumers.map((c) => ({ ...c, reads: [{ ...c.reads[0]!, path: '*' }] })) };
    expect(located(yaml, checkModel(bad)).filter((l) => l.includes('kv-scope'))).toEqual([
      '14:13 error kv-scope: "*" alone would read every app\'s secrets; name the app and path, e.g. cms/factory/*',
    ]);
  });
});
