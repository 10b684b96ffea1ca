import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkModel, checkRendered, runChecks } from '../src/check';
import { renderTree } from '../src/render';
import type { FileTree } from '../src/render/files';
import { cli, HEAD, load, located } from './helpers/check';

const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');

function replaceFile(tree: FileTree, repo: string, path: string, edit: (s: string) => string): FileTree {
  const files = new Map(tree.get(repo));
  files.set(path, edit(files.get(path)!));
  return new Map([...tree, [repo, files]]);
}

describe('the default apps.yaml', () => {
  test('GIVEN the default apps.yaml WHEN joinkey check runs THEN every invariant holds, schemas included, exit 0', async () => {
    const r = await cli(['check'], { 'apps.yaml': APPS_YAML });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('joinkey check: every invariant holds\n');
    expect(r.code).toBe(0);
    expect(await runChecks(load(APPS_YAML).model)).toEqual([]);
  });
});

describe('ordering: factory output carries every database app', () => {
  test("GIVEN the factory file lacks an app WHEN checked THEN ordering points at that app's database", async () => {
    const { model } = load(APPS_YAML);
    const tree = replaceFile(renderTree(model), 'factory', model.central.postgres.databasesFile, (s) => s.replace(/\n {2}"erp" = \{[^}]*\}/, ''));
    expect(located(APPS_YAML, await checkRendered(model, tree))).toEqual([
      '24:3 error ordering: app "erp" has a database, but factory:postgres/iac/databases.gen.auto.tfvars has no entry creating role "erp_role" and database "erp"; the Vault dynamic role\'s GRANT erp_role fails without it, so factory\'s output must carry it and be applied first; this is a joinkey bug, please report it',
    ]);
  });
});

describe('VSO pitfalls on the rendered manifests', () => {
  const { model } = load(APPS_YAML);
  const vso = model.apps.find((a) => a.name === 'plausible')!.target!.files.vso!;
  const check = (edit: (s: string) => string) =>
    checkRendered(model, replaceFile(renderTree(model), 'tools', vso, edit)).then((fs) => fs.map((f) => `${f.rule} ${f.path.join('.')}: ${f.message}`));

  test('GIVEN destination.create is dropped THEN vso-destination-create (pitfall 1)', async () => {
    expect(await check((s) => s.replace(/^(\s+)create: true\n/m, ''))).toEqual([
      expect.stringMatching(
        /^vso-destination-create apps\.plausible\.manifests: Vault(Static|Dynamic)Secret tools\/plausible-[a-z-]+ in tools:plausible\/resources\/vso\.gen\.yaml does not set destination\.create: true/,
      ),
    ]);
  });
  test('GIVEN hmacSecretData: false and revoke: true THEN vso-refresh and vso-revoke (pitfalls 3 and 7)', async () => {
    const out = await check((s) =>
      s.replace('hmacSecretData: true', 'hmacSecretData: false').replace(/(kind: VaultDynamicSecret[\s\S]*?\nspec:\n)/, '$1  revoke: true\n'),
    );
    expect(out.map((l) => l.split(':')[0])).toEqual(['vso-refresh apps.plausible.manifests', 'vso-revoke apps.plausible.manifests']);
  });
  test('GIVEN a "{{" in a Helm templates/ dir THEN helm-template-braces (pitfall 10)', async () => {
    const crowdsec = model.apps.find((a) => a.name === 'crowdsec')!.target!.files.vso!;
    const tree = replaceFile(renderTree(model), 'tools', crowdsec, (s) => `${s}# GRANT {{name}}\n`);
    expect((await checkRendered(model, tree)).map((f) => `${f.rule}: ${f.message}`)).toEqual([
      'helm-template-braces: tools:crowdsec/templates/vso.gen.yaml lies in a Helm templates/ dir and holds "{{", which Helm would evaluate; escape it as {{"{{"}} or move the manifests out of templates/',
    ]);
  });
});

describe('k8s-auth-cross-product (pitfall 12)', () => {
  test('GIVEN a role with two service accounts and two namespaces THEN a warning lists the unintended combinations', () => {
    const y = `${HEAD}\napps:\n  cms:\n    repo: cms\n    namespace: web\n    serviceAccounts: [cloudflared]\n    database: false\n    secrets:\n      tunnel: { serviceAccount: cloudflared }\n`;
    expect(located(y, checkModel(load(y).model))).toEqual([
      '10:5 warning k8s-auth-cross-product: Vault role "cms" binds service accounts [cms, cloudflared] and namespaces [cms, web]; Vault checks each list on its own, so it also admits cms in cms, cloudflared in cms, which no VaultAuth uses; split the extra service account into its own app, or drop the namespace it does not need',
    ]);
  });
  test('GIVEN only extra namespaces (crowdsec in tools) THEN no warning', () => {
    expect(checkModel(load(APPS_YAML).model)).toEqual([]);
  });
});
