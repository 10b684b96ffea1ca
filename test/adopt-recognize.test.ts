import { describe, expect, test } from 'vitest';
import { adopt, type AdoptResult } from '../src/adopt';
import { eachValueAttribute, objectTypeAttributes, passwordData, policyRules } from '../src/adopt/hcl-text';
import { hcl2jsonParser } from '../src/inventory';
import { loadModel } from '../src/model';

/**
 * The recognisers of joinkey adopt, class by class on small hand-written repos: what is adopted,
 * with which override, and what stays hand-written with which reason (never guessed, never
 * renamed silently).
 */

const parser = hcl2jsonParser();
const SOURCE = 'git::ssh://git@gitea.example/org/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main';

const CENTRAL_MAIN = `module "app_policy" {
  source                     = "./modules/app_policy"
  for_each                   = var.applications
  name                       = each.key
  service_account_names      = each.value.service_account_names
  service_account_namespaces = each.value.service_account_namespaces
  ops_policies               = each.value.policies
}
`;
const CENTRAL_VARIABLES = `variable "applications" {
  type = map(object({
    service_account_names      = optional(list(string), [])
    service_account_namespaces = optional(list(string), [])
    policies                   = optional(list(string), [])
  }))
}
`;
const backend = (app: string, prefix = `tools/${app}/main`) => `terraform {
  backend "gcs" {
    bucket = "arcodange-tf"
    prefix = "${prefix}"
  }
  required_providers {
    vault  = { source = "hashicorp/vault" }
    random = { source = "hashicorp/random" }
  }
}
provider "vault" {
  auth_login_jwt {
    mount = "gitea_jwt"
    role  = "gitea_cicd_${app}"
  }
}
`;
const appRoles = (app: string, extra = '') => `module "app_roles" {
  source = "${SOURCE}"
  name   = "${app}"
${extra}}
`;

const FACTORY = new Map(
  Object.entries({
    'postgres/iac/main.tf': 'resource "postgresql_role" "app_role" {\n  for_each = var.applications\n  name     = each.value.role\n}\n',
    'postgres/iac/variables.tf': 'variable "applications" {}\n',
    'postgres/iac/terraform.tfvars': 'applications = {\n  web = { role = "web_role", database = "web" }\n}\n',
  }),
);

function repos(tools: Record<string, string>, tfvars = 'applications = {\n  web = {}\n}\n'): Map<string, Map<string, string>> {
  return new Map([
    ['factory', FACTORY],
    [
      'tools',
      new Map(
        Object.entries({
          'hashicorp-vault/iac/main.tf': CENTRAL_MAIN,
          'hashicorp-vault/iac/variables.tf': CENTRAL_VARIABLES,
          'hashicorp-vault/iac/terraform.tfvars': tfvars,
          ...tools,
        }),
      ),
    ],
  ]);
}

const findings = (r: AdoptResult, rule?: string) =>
  r.findings.filter((f) => rule === undefined || f.rule === rule).map((f) => `${f.at.path}:${f.at.line}: ${f.message}`);
const appOf = (r: AdoptResult, name: string) => loadModel('apps.yaml', r.text).model.apps.find((a) => a.name === name)!;

describe('passwordData: the kv data made only of random passwords', () => {
  test.each([
    ['${jsonencode({\n  A = base64encode(random_password.a.result)\n  B = base64encode(random_password.b.result)\n})}', { A: 'a', B: 'b' }],
    ['${jsonencode({ "A" = base64encode(random_password.p["A"].result), "B" = base64encode(random_password.p["B"].result) })}', { A: 'p["A"]', B: 'p["B"]' }],
    ['${jsonencode({\n  A = base64encode(random_password.a.result),\n  B: base64encode( random_password.b.result ),\n})}', { A: 'a', B: 'b' }],
  ])('GIVEN %j THEN each key names its password', (text, expected) => {
    const data = passwordData(text);
    expect(
      data && 'entries' in data ? Object.fromEntries([...data.entries].map(([k, r]) => [k, r.key ? `${r.resource}["${r.key}"]` : r.resource])) : data,
    ).toEqual(expected);
  });

  test('GIVEN the for expression joinkey renders THEN every instance is a key', () => {
    expect(passwordData('${jsonencode({\n    for key, password in random_password.config : key => base64encode(password.result)\n  })}')).toEqual({
      all: 'config',
    });
    expect(passwordData('${jsonencode({ for k, p in random_password.config : upper(k) => base64encode(p.result) })}')).toBeUndefined();
  });

  test.each([
    ['${jsonencode({ A = base64encode(random_password.a.result), B = "literal" })}'],
    ['${jsonencode({ A = random_password.a.result })}'],
    ['${jsonencode({ A = base64encode(random_password.a.result), A = base64encode(random_password.b.result) })}'],
    ['${jsonencode(local.data)}'],
    ['{"A":"x"}'],
    [42],
  ])('GIVEN %j (anything else in it) THEN it is not adopted as generated', (text) => {
    expect(passwordData(text)).toBeUndefined();
  });
});

describe('policyRules, objectTypeAttributes, eachValueAttribute', () => {
  test('GIVEN policy text of path rules, with comments THEN the rules; with anything else THEN undefined', () => {
    expect(policyRules('# reader\npath "kvv2/data/a/*" {\n  capabilities = ["read", "list"]\n}\npath "kvv2/data/b" { capabilities = ["read"] }\n')).toEqual([
      { path: 'kvv2/data/a/*', capabilities: ['read', 'list'] },
      { path: 'kvv2/data/b', capabilities: ['read'] },
    ]);
    expect(policyRules('path "a" {\n  capabilities = ["read"]\n  allowed_parameters = { x = [] }\n}')).toBeUndefined();
    expect(policyRules('')).toBeUndefined();
  });
  test('GIVEN a type expression THEN its object attributes', () => {
    expect([...objectTypeAttributes('${map(object({\n a = optional(list(string), [])\n b_c = string\n}))}')!]).toEqual(['a', 'b_c']);
    expect(objectTypeAttributes('${map(string)}')).toBeUndefined();
    expect(eachValueAttribute('${each.value.policies}')).toBe('policies');
    expect(eachValueAttribute('${each.value.policies[0]}')).toBeUndefined();
  });
});

describe('GIVEN the central applications map', () => {
  test('WHEN an entry sets a key the object type lacks but the module call takes THEN the intent is kept and said, at the key', async () => {
    const tfvars = 'applications = {\n  web = {\n    ops_policies = ["extra_a", "extra_b"]\n  }\n}\n';
    const r = await adopt(repos({}, tfvars), { parser });
    expect(appOf(r, 'web').opsPolicies).toEqual(['extra_a', 'extra_b']);
    expect(findings(r, 'adopt-review')).toEqual([
      expect.stringMatching(
        /^hashicorp-vault\/iac\/terraform\.tfvars:3: applications\["web"\] sets "ops_policies".*gitea_cicd_web lacks extra_a, extra_b today.*adds those policies to gitea_cicd_web/,
      ),
    ]);
  });

  test('WHEN an entry sets a key nothing reads THEN it is listed as unmapped, not guessed', async () => {
    const r = await adopt(repos({}, 'applications = {\n  web = { token_ttl = 60 }\n}\n'), { parser });
    expect(findings(r, 'adopt-unmapped')).toEqual([
      expect.stringMatching(/^hashicorp-vault\/iac\/terraform\.tfvars:2: applications\["web"\]\.token_ttl is not an app_policy input/),
    ]);
    expect(appOf(r, 'web').opsPolicies).toEqual([]);
  });

  test('WHEN an app name is no DNS-1123 label THEN adopt says apps.yaml would refuse it, at the hand-written entry', async () => {
    const r = await adopt(repos({}, 'applications = {\n  web = {}\n  My_App = {}\n}\n'), { parser });
    expect(r.findings.filter((f) => f.rule === 'adopt-conflict').map((f) => `${f.at.path}:${f.at.line}: ${f.message}`)).toEqual([
      expect.stringMatching(
        /^hashicorp-vault\/iac\/terraform\.tfvars:3: "My_App": the adopted apps.yaml would be refused: apps.My_App: app name "My_App" is not a DNS-1123 label/,
      ),
    ]);
  });
});

describe('GIVEN an app IaC project', () => {
  test('WHEN its backend prefix differs from <repo>/<app>/main THEN statePrefix keeps it', async () => {
    const r = await adopt(repos({ 'web/iac/main.tf': backend('web', 'legacy/web') + appRoles('web') }), { parser });
    expect(appOf(r, 'web').target!.stateKeyPrefix).toBe('legacy/web');
  });

  test.each([
    ['an s3 backend', backend('web').replace('backend "gcs" {', 'backend "s3" {'), 'its backend is "s3"'],
    ['another provider required', backend('web').replace('random = {', 'cloudflare = {'), 'its required_providers also list cloudflare'],
    ['another CI role', backend('web').replace('gitea_cicd_web', 'gitea_cicd'), 'logs in as "gitea_cicd"'],
    ['no backend', '', 'it has no backend block'],
  ])('WHEN %s THEN the terraform block stays hand-written (handWrittenBackend) and says why', async (_what, head, why) => {
    const r = await adopt(repos({ 'web/iac/main.tf': head + appRoles('web') }), { parser });
    const web = appOf(r, 'web');
    expect(web.target!.files.backend).toBeUndefined();
    expect(findings(r, 'adopt-kept').find((f) => f.includes('handWrittenBackend'))).toContain(why);
    expect(r.superseded.filter((s) => s.what.startsWith('terraform') || s.what.startsWith('provider'))).toEqual([]);
  });

  test('WHEN passwords use every argument apps.yaml has THEN generate keeps them, key by key', async () => {
    const tf = `${backend('web')}${appRoles('web')}
resource "random_password" "a" {
  length           = 20
  special          = true
  upper            = false
  min_lower        = 2
  override_special = "-_"
  keepers          = { rotation = "3" }
}
resource "random_password" "b" {
  length  = 64
  numeric = false
}
resource "vault_kv_secret_v2" "s" {
  mount     = "kvv2"
  name      = "web/config"
  data_json = jsonencode({ A = base64encode(random_password.a.result), B = base64encode(random_password.b.result) })
}
`;
    const r = await adopt(repos({ 'web/iac/main.tf': tf }), { parser });
    const keys = appOf(r, 'web').secrets[0]!.generated;
    expect(keys.map((k) => [k.name, k.password, k.rotation])).toEqual([
      ['A', { length: 20, special: true, upper: false, minLower: 2, overrideSpecial: '-_' }, 3],
      ['B', { length: 64, special: true, numeric: false }, 0],
    ]);
    expect(r.superseded.map((s) => s.what).filter((w) => w.includes('random_password') || w.includes('vault_kv'))).toEqual([
      'random_password.a',
      'random_password.b',
      'vault_kv_secret_v2.s',
    ]);
  });

  test.each([
    ['keepers apps.yaml cannot express', 'keepers = { image = "v2" }', 'has keepers other than { rotation = "N" }'],
    ['an argument apps.yaml lacks', 'lifecycle {\n    ignore_changes = [length]\n  }', 'sets lifecycle, which apps.yaml cannot express'],
    ['an argument from a variable', 'numeric = var.numeric', 'numeric is not known from the files'],
  ])('WHEN a password has %s THEN the secret stays hand-written, listed under writes, with the reason', async (_what, extra, why) => {
    const tf = `${backend('web')}${appRoles('web')}
variable "numeric" { type = bool }
resource "random_password" "a" {
  length = 20
  ${extra}
}
resource "vault_kv_secret_v2" "s" {
  mount     = "kvv2"
  name      = "web/config"
  data_json = jsonencode({ A = base64encode(random_password.a.result) })
}
`;
    const r = await adopt(repos({ 'web/iac/main.tf': tf }), { parser });
    expect(appOf(r, 'web').writes).toEqual(['web/config']);
    expect(appOf(r, 'web').secrets).toEqual([]);
    expect(findings(r, 'adopt-unmapped')).toEqual([expect.stringContaining(why)]);
    expect(r.superseded.some((s) => s.what.includes('random_password') || s.what.includes('vault_kv'))).toBe(false);
  });

  test('WHEN two projects call app_roles for one app THEN it is a conflict, at the second', async () => {
    const r = await adopt(repos({ 'a/iac/main.tf': backend('web') + appRoles('web'), 'b/iac/main.tf': backend('web') + appRoles('web') }), { parser });
    expect(r.findings.filter((f) => f.rule === 'adopt-conflict').map((f) => `${f.at.path}:${f.at.line}`)).toEqual(['b/iac/main.tf:17']);
  });
});

describe('GIVEN VSO objects', () => {
  const vss = (name: string, path: string, auth: string, dest: string) =>
    `apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata: { name: ${name}, namespace: web }\nspec:\n  type: kv-v2\n  mount: kvv2\n  path: ${path}\n  vaultAuthRef: ${auth}\n  destination: { name: ${dest}, create: true }\n`;
  const auth = (name: string, role: string, sa: string) =>
    `apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultAuth\nmetadata: { name: ${name}, namespace: web }\nspec:\n  method: kubernetes\n  mount: kubernetes\n  kubernetes: { role: ${role}, serviceAccount: ${sa}, audiences: [vault] }\n`;
  const tfvars = 'applications = {\n  web = { service_account_names = ["worker"] }\n}\n';

  test('WHEN names differ from the derivations THEN every one is kept with an override field', async () => {
    const r = await adopt(
      repos(
        {
          'web/iac/main.tf': backend('web') + appRoles('web', '  service_account_names = ["worker"]\n  disable_database      = true\n'),
          'web/k8s/vso.yaml': `${auth('worker-auth', 'web', 'worker')}---\n${vss('env', 'web/env', 'worker-auth', 'web-environment')}`,
        },
        tfvars,
      ),
      { parser },
    );
    const web = appOf(r, 'web');
    expect(web.secrets.map((s) => [s.name, s.staticSecretName, s.k8sSecretName, s.vaultAuth, s.serviceAccount])).toEqual([
      ['env', 'env', 'web-environment', 'worker-auth', 'worker'],
    ]);
    expect(web.vaultAuths.map((a) => a.name)).toEqual(['worker-auth']);
    expect(web.target!.manifestsDir).toBe('web/k8s');
    expect(findings(r, 'adopt-review')).toEqual([]);
  });

  test('WHEN an app with a database and generated keys has no VSO objects for them THEN the objects the render adds are said', async () => {
    const tf = `${backend('web')}${appRoles('web')}
resource "random_password" "a" {
  length = 32
}
resource "vault_kv_secret_v2" "s" {
  mount     = "kvv2"
  name      = "web/config"
  data_json = jsonencode({ A = base64encode(random_password.a.result) })
}
`;
    const r = await adopt(repos({ 'web/iac/main.tf': tf }), { parser });
    expect(findings(r, 'adopt-review')).toEqual([
      expect.stringMatching(
        /^hashicorp-vault\/iac\/terraform\.tfvars:2: app "web" has a database but no VaultDynamicSecret was found: the render adds web-db-credentials .* in tools\/web\/resources/,
      ),
      expect.stringMatching(/app "web" generates kv web\/config but no VaultStaticSecret reads it: the render adds web-config/),
    ]);
  });

  test.each([
    ['reads another app', vss('x', 'other/env', 'web', 'x'), 'is not <app>/<secret> of an app in the applications map'],
    ['logs in as another role', vss('x', 'web/env', 'web', 'x').replace('', ''), 'logs in as role other'],
    ['refers to a VaultAuth that is not there', vss('x', 'web/env', 'missing', 'x'), 'its VaultAuth missing is not among the files read'],
  ])('WHEN a secret object %s THEN it stays hand-written with the reason', async (what, obj, why) => {
    const authDoc = what === 'logs in as another role' ? auth('web', 'other', 'web') : auth('web', 'web', 'web');
    const r = await adopt(repos({ 'web/iac/main.tf': backend('web') + appRoles('web'), 'web/k8s/vso.yaml': `${authDoc}---\n${obj}` }), { parser });
    expect(findings(r, 'adopt-unmapped')).toEqual([expect.stringContaining(why)]);
    expect(appOf(r, 'web').secrets).toEqual([]);
  });
});
