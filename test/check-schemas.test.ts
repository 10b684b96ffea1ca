import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runChecks, schemaFindings } from '../src/check';
import { renderTree } from '../src/render';
import type { FileTree } from '../src/render/files';
import { load } from './helpers/check';

// GIVEN a rendered tree with one file broken the way a joinkey bug could break it, WHEN check
// runs (the tree parsed once and shared by every check), THEN the CRD or provider schema check
// names that file and what is wrong, and nothing else.

const SCENARIOS = ['apps.yaml', 'test/scenarios/non-defaults.yaml'];
const text = (file: string) => readFileSync(join(__dirname, '..', file), 'utf8');

function edit(tree: FileTree, pick: (repo: string, path: string) => boolean, change: (s: string) => string): { tree: FileTree; file: string } {
  for (const [repo, files] of tree) {
    for (const [path, content] of files) {
      if (!pick(repo, path)) continue;
      const changed = change(content);
      expect(changed, `${repo}:${path} changed`).not.toBe(content);
      return { tree: new Map([...tree, [repo, new Map([...files, [path, changed]])]]), file: `${repo}:${path}` };
    }
  }
  throw new Error('no file to edit');
}

const BREAKAGES: ReadonlyArray<{ name: string; pick: (repo: string, path: string) => boolean; change: (s: string) => string; rule: string; says: RegExp }> = [
  {
    name: 'an unknown HCL argument',
    pick: (_, p) => p.endsWith('secrets.gen.tf'),
    change: (s) => s.replace(/(\n {2}length +=)/, '\n  lenght = 1$1'),
    rule: 'provider-schema',
    says: /random_password\.\w+ lenght: unknown argument "lenght"/,
  },
  {
    name: 'a missing required HCL argument',
    pick: (_, p) => p.endsWith('secrets.gen.tf'),
    change: (s) => s.replace(/\n {2}mount += "[^"]*"/, ''),
    rule: 'provider-schema',
    says: /vault_kv_secret_v2\.\w+ mount: required argument "mount" is missing/,
  },
  {
    name: 'HCL that does not parse',
    pick: (_, p) => p.endsWith('backend.gen.tf'),
    change: (s) => s.replace('terraform {', 'terraform {{'),
    rule: 'provider-schema',
    says: /does not parse as HCL/,
  },
  {
    name: 'a tfvars file that does not parse',
    pick: (_, p) => p.endsWith('.tfvars'),
    change: (s) => `${s}\n}\n`,
    rule: 'provider-schema',
    says: /\.tfvars: does not parse as HCL/,
  },
  {
    name: 'a misspelt VSO field',
    pick: (_, p) => p.endsWith('vso.gen.yaml'),
    change: (s) => s.replace('refreshAfter:', 'refreshAftr:'),
    rule: 'crd-schema',
    says: /must NOT have additional properties "refreshAftr"/,
  },
  {
    name: 'a wrong enum value',
    pick: (_, p) => p.endsWith('vso.gen.yaml'),
    change: (s) => s.replace('type: kv-v2', 'type: kv-v3'),
    rule: 'crd-schema',
    says: /\/spec\/type must be equal to one of the allowed values/,
  },
  {
    name: 'YAML that does not parse',
    pick: (_, p) => p.endsWith('vso.gen.yaml'),
    change: (s) => s.replace('\nkind:', '\n  kind: [\n'),
    rule: 'crd-schema',
    says: /YAML does not parse/,
  },
  {
    name: 'a served apiVersion misspelt',
    pick: (_, p) => p.endsWith('vso.gen.yaml'),
    change: (s) => s.replace('secrets.hashicorp.com/v1beta1', 'secrets.hashicorp.com/v1'),
    rule: 'crd-schema',
    says: /apiVersion secrets\.hashicorp\.com\/v1 is not served; use secrets\.hashicorp\.com\/v1beta1/,
  },
  {
    name: 'an invalid object name',
    pick: (_, p) => p.endsWith('vso.gen.yaml'),
    change: (s) => s.replace(/\n {2}name: ([a-z])/, '\n  name: Bad_$1'),
    rule: 'crd-schema',
    says: /metadata\.name "Bad_[\w-]+" is not a valid Kubernetes object name/,
  },
];

describe.each(SCENARIOS)('%s', (scenario) => {
  const { model } = load(text(scenario));
  const tree = renderTree(model);

  test('GIVEN the output as rendered THEN the schema checks find nothing', async () => {
    expect(await schemaFindings(model, tree)).toEqual([]);
    expect((await runChecks(model, { tree })).filter((f) => f.severity === 'error')).toEqual([]);
  });

  test.each(BREAKAGES)('GIVEN $name THEN check reports it in that file', async ({ pick, change, rule, says }) => {
    const broken = edit(tree, pick, change);
    const findings = (await runChecks(model, { tree: broken.tree })).filter((f) => f.rule === 'crd-schema' || f.rule === 'provider-schema');
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.rule).toBe(rule);
      expect(f.message).toContain(broken.file);
      expect(f.message).toMatch(/this is a joinkey bug, please report it$/);
    }
    expect(findings.map((f) => f.message).join('\n')).toMatch(says);
  });
});

describe('the contract (--repos-dir) shares the parse', () => {
  const { model } = load(text('apps.yaml'));
  const tree = renderTree(model);
  const repos: Record<string, string> = {
    'tools:hashicorp-vault/iac/variables.tf': 'variable "applications" {\n  type = any\n}\n',
    'tools:hashicorp-vault/iac/modules/app_roles/variables.tf': [
      'name',
      'service_account_names',
      'service_account_namespaces',
      'database',
      'disable_database',
      'policies',
    ]
      .map((v) => `variable "${v}" {\n  type    = any\n  default = null\n}\n`)
      .join(''),
    'factory:postgres/iac/variables.tf': 'variable "applications" {\n  type = any\n}\n',
  };
  const read = (files: Record<string, string>) => (repo: string, path: string) => files[`${repo}:${path}`];
  const contract = (findings: Awaited<ReturnType<typeof runChecks>>) =>
    findings.filter((f) => f.rule.startsWith('contract-')).map((f) => `${f.rule}: ${f.message}`);

  test('GIVEN target repos that declare everything THEN the contract holds', async () => {
    expect(contract(await runChecks(model, { tree, repos: read(repos) }))).toEqual([]);
  });

  test('GIVEN a rendered app_roles file that does not parse THEN contract-unreadable names it, next to the provider-schema finding', async () => {
    const broken = edit(
      tree,
      (_, p) => p.endsWith('app_roles.gen.tf'),
      (s) => s.replace('module "app_roles" {', 'module "app_roles" {{'),
    );
    const findings = await runChecks(model, { tree: broken.tree, repos: read(repos) });
    expect(contract(findings)).toEqual([
      expect.stringMatching(
        new RegExp(`^contract-unreadable: ${broken.file.replace(/[.]/g, '\\.')} does not parse as HCL \\(.+\\); fix the file in the target repo$`),
      ),
    ]);
    expect(findings.filter((f) => f.rule === 'provider-schema').map((f) => f.message)).toEqual([
      expect.stringContaining(`${broken.file}: does not parse as HCL`),
    ]);
  });

  test('GIVEN a target repo variables.tf that does not parse THEN contract-unreadable names that file', async () => {
    const findings = await runChecks(model, { tree, repos: read({ ...repos, 'factory:postgres/iac/variables.tf': 'variable "applications" {\n' }) });
    expect(contract(findings)).toEqual([
      expect.stringMatching(
        /^contract-unreadable: factory:postgres\/iac\/variables\.tf does not parse as HCL \(.*factory_postgres_iac_variables\.tf:1,25-26: Unclosed configuration block.*\); fix the file in the target repo$/,
      ),
    ]);
  });
});
