import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkContract, type RepoReader } from '../src/check';
import { markerLine } from '../src/render/files';
import { renderTree } from '../src/render';
import { readFileSync } from 'node:fs';
import { cli, load, located } from './helpers/check';

const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');
const { model } = load(APPS_YAML);

/** The hand-written variables.tf of the guidebook: the extra ops policies are declared as "policies". */
const TOOLS_VARIABLES = `
variable "applications" {
  type = map(object({
    service_account_names      = optional(list(string), [])
    service_account_namespaces = optional(list(string), [])
    policies                   = optional(list(string), [])
  }))
}
variable "POSTGRES_CREDENTIALS_EDITOR_USERNAME" {
  type      = string
  sensitive = true
}
`;
const APP_ROLES_VARIABLES = `
variable "name" { type = string }
variable "service_account_names" {
  type    = list(string)
  default = []
}
variable "service_account_namespaces" {
  type    = list(string)
  default = []
}
variable "database" {
  type    = string
  default = null
}
variable "disable_database" {
  type    = bool
  default = false
}
`;
const FACTORY_VARIABLES = `
variable "applications" {
  type = map(object({ role = string, database = string }))
}
`;

function reader(files: Record<string, string>): RepoReader {
  return (repo, path) => files[`${repo}:${path}`];
}

const goodRepos = {
  'tools:hashicorp-vault/iac/variables.tf': TOOLS_VARIABLES,
  'tools:hashicorp-vault/iac/modules/app_roles/variables.tf': APP_ROLES_VARIABLES,
  'factory:postgres/iac/variables.tf': FACTORY_VARIABLES,
};

/** The rendered tree with the central applications map replaced by `text`. */
function treeWithApplications(text: string) {
  const tree = renderTree(model);
  const tools = new Map(tree.get('tools'));
  tools.set(model.central.vault.applicationsFile, text);
  return new Map([...tree, ['tools', tools]]);
}

describe('contract with the target repos', () => {
  test('GIVEN the target repos declare what joinkey emits THEN the contract holds', async () => {
    expect(await checkContract(model, renderTree(model), reader(goodRepos))).toEqual([]);
  });

  test('GIVEN variables.tf declares "policies" WHEN the tfvars set "ops_policies" THEN check names the mismatch at apps.cms.opsPolicies', async () => {
    const tfvars = [
      markerLine(model.central.vault.applicationsFile),
      'applications = {',
      '  cms = {',
      '    service_account_names = ["cloudflared"]',
      '    ops_policies          = ["factory__cf_r2_arcodange_tf"]',
      '  }',
      '  crowdsec = { service_account_namespaces = ["tools"] }',
      '  erp = {}',
      '  plausible = { service_account_namespaces = ["tools"] }',
      '  webapp = {}',
      '}',
      '',
    ].join('\n');
    const findings = await checkContract(model, treeWithApplications(tfvars), reader(goodRepos));
    expect(located(APPS_YAML, findings)).toEqual([
      '30:5 error contract-undeclared: tools:hashicorp-vault/iac/applications.gen.auto.tfvars sets applications.cms.ops_policies, but variable "applications" in tools:hashicorp-vault/iac/variables.tf declares no attribute "ops_policies" (declared: policies, service_account_names, service_account_namespaces); OpenTofu drops undeclared object attributes silently, so the value never arrives (did you mean "policies"?); make the declaration and the emitted attribute agree',
    ]);
  });

  test('GIVEN a required attribute and a wrong type THEN contract-required and contract-type name them', async () => {
    const vars = {
      ...goodRepos,
      'factory:postgres/iac/variables.tf':
        'variable "applications" {\n  type = map(object({ role = string, database = string, owner = string, port = number }))\n}\n',
    };
    const tree = renderTree(model);
    const factory = new Map(tree.get('factory'));
    factory.set(
      model.central.postgres.databasesFile,
      `${markerLine('x.tfvars')}\napplications = {\n  erp = { role = "erp_role", database = "erp", owner = "x", port = "five" }\n}\n`,
    );
    const findings = await checkContract(model, new Map([...tree, ['factory', factory]]), reader(vars));
    expect(findings.map((f) => `${f.rule} ${f.path.join('.')}: ${f.message}`)).toEqual([
      'contract-type apps.erp: factory:postgres/iac/databases.gen.auto.tfvars sets applications.erp.port to string "five", but variable "applications" in factory:postgres/iac/variables.tf declares it as number; align the type in variables.tf',
    ]);
    factory.set(model.central.postgres.databasesFile, `${markerLine('x.tfvars')}\napplications = {\n  erp = { role = "erp_role", database = "erp" }\n}\n`);
    const missing = await checkContract(model, new Map([...tree, ['factory', factory]]), reader(vars));
    expect(missing.map((f) => `${f.rule}: ${f.message}`)).toEqual([
      'contract-required: factory:postgres/iac/databases.gen.auto.tfvars does not set applications.erp.owner, which variable "applications" in factory:postgres/iac/variables.tf requires (string, not optional); make it optional() with a default in variables.tf',
      'contract-required: factory:postgres/iac/databases.gen.auto.tfvars does not set applications.erp.port, which variable "applications" in factory:postgres/iac/variables.tf requires (number, not optional); make it optional() with a default in variables.tf',
    ]);
  });

  test('GIVEN the app_roles module lacks an argument joinkey passes and requires one it does not THEN both are reported per app', async () => {
    const vars = {
      ...goodRepos,
      'tools:hashicorp-vault/iac/modules/app_roles/variables.tf':
        'variable "name" { type = string }\nvariable "team" { type = string }\nvariable "database" {\n  type = string\n  default = null\n}\nvariable "disable_database" {\n  type = bool\n  default = false\n}\n',
    };
    const findings = await checkContract(model, renderTree(model), reader(vars));
    expect(findings.map((f) => `${f.rule} ${f.path.join('.')}: ${f.message}`)).toContain(
      'contract-undeclared apps.cms.serviceAccounts: module "app_roles" in cms:iac/app_roles.gen.tf passes "service_account_names", which the app_roles module (tools:hashicorp-vault/iac/modules/app_roles/variables.tf) does not declare, so tofu plan fails with "Unsupported argument"; declare variable "service_account_names" in the module or pin vault.appRolesModule to a ref that has it',
    );
    expect(findings.filter((f) => f.rule === 'contract-required').map((f) => f.path.join('.'))).toEqual(['apps.cms', 'apps.crowdsec', 'apps.plausible']);
  });

  test('GIVEN a hand-written file where joinkey writes WHEN joinkey check --repos-dir runs THEN it is flagged and check exits 1', async () => {
    const r0 = await cli(['check'], { 'apps.yaml': APPS_YAML });
    expect(r0.code).toBe(0);
    const repos = join(r0.dir, 'repos');
    for (const [key, text] of Object.entries(goodRepos)) {
      const [repo, path] = key.split(':') as [string, string];
      mkdirSync(join(repos, repo, path, '..'), { recursive: true });
      writeFileSync(join(repos, repo, path), text);
    }
    mkdirSync(join(repos, 'factory/postgres/iac'), { recursive: true });
    writeFileSync(join(repos, 'factory/postgres/iac/databases.gen.auto.tfvars'), 'applications = {}\n');
    writeFileSync(join(r0.dir, 'apps.yaml'), APPS_YAML);
    const r = await cli(['check', '--repos-dir', repos], { 'apps.yaml': APPS_YAML });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'apps.yaml:20:3: contract-hand-written: central.postgres: factory:postgres/iac/databases.gen.auto.tfvars exists in the target repo and .joinkey/files.json does not list it, so it is hand-written and publish would refuse to overwrite it;',
    );
  });

  test('GIVEN the module revocation never drops the role THEN pg-revocation-drop-role warns (pitfall 15)', async () => {
    const main =
      'resource "vault_database_secret_backend_role" "role" {\n  name = var.name\n  backend = "postgres"\n  db_name = "postgres"\n  creation_statements = ["CREATE ROLE \\"{{name}}\\" WITH LOGIN"]\n  revocation_statements = ["REASSIGN OWNED BY \\"{{name}}\\" TO ${var.name}_role", "REVOKE ALL ON DATABASE ${var.name} FROM \\"{{name}}\\""]\n}\n';
    const findings = await checkContract(model, renderTree(model), reader({ ...goodRepos, 'tools:hashicorp-vault/iac/modules/app_roles/main.tf': main }));
    expect(located(APPS_YAML, findings)).toEqual([
      `11:3 warning pg-revocation-drop-role: the app_roles module's revocation_statements (tools:hashicorp-vault/iac/modules/app_roles/main.tf) never DROP ROLE, so every expired lease leaves its ephemeral Postgres role behind; append DROP ROLE IF EXISTS "{{name}}"; after REVOKE ALL ON DATABASE`,
    ]);
    const fixed = main.replace('FROM \\"{{name}}\\""]', 'FROM \\"{{name}}\\"", "DROP ROLE IF EXISTS \\"{{name}}\\""]');
    expect(await checkContract(model, renderTree(model), reader({ ...goodRepos, 'tools:hashicorp-vault/iac/modules/app_roles/main.tf': fixed }))).toEqual([]);
  });
});
