import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findLiveConflicts, hcl2jsonParser, inventoryRepos } from '../src/inventory';
import { inventoryRepoTofu, tfvarsOrder } from '../src/inventory/tofu';
import { markerLine } from '../src/ownership';

/** The OpenTofu part of the inventory, through the real HCL parser (hcl2json), one instance for the file. */

const parser = hcl2jsonParser();
const files = (entries: Record<string, string>) => new Map(Object.entries(entries));
const gen = (path: string, body: string) => `${markerLine(path)}\n${body}`;

const MIXED = `# a file mixing every block kind
terraform {
  required_providers {
    vault = { source = "hashicorp/vault" }
  }
  backend "gcs" {
    bucket = "b"
    prefix = "p"
  }
}

provider "vault" {}
provider vault {
  alias = "admin"
}

locals {
  apps = ["a", "b"]
}

variable "dbs" {
  type    = map(object({ role = string }))
  default = { x = { role = "x_role" } }
}

module "roles" {
  source   = "./modules/roles"
  for_each = toset(["web", "api"])
  name     = each.key
}

# resource "vault_policy" "commented" {
resource "vault_policy" "literal" {
  for_each = { one = 1, "two" = 2 }
  name     = "p-\${each.key}"
  policy   = <<-EOT
    resource "vault_policy" "literal" {
    path "x" { capabilities = ["read"] }
  EOT
}

resource postgresql_role app {
  for_each = var.dbs
  name     = each.value.role
}

data "vault_policy_document" "doc" {
  rule {
    path         = "kvv2/data/x/*"
    capabilities = ["read"]
  }
}

resource "vault_policy" "unknown_keys" {
  for_each = { for a in local.apps : a => a }
  name     = each.key
  policy   = ""
}

moved {
  from = vault_policy.old
  to   = vault_policy.literal["one"]
}

import {
  to = postgresql_role.app["x"]
  id = "x_role"
}

removed {
  from = vault_policy.gone
  lifecycle {
    destroy = false
  }
}
`;

describe('one module directory', () => {
  test('GIVEN a .tf file mixing blocks THEN every block is listed at its line, with literal for_each keys', async () => {
    const { modules, unreadable } = await inventoryRepoTofu('r', files({ 'iac/main.tf': MIXED }), parser);
    expect(modules).toHaveLength(1);
    const m = modules[0]!;
    const line = (s: string) => MIXED.split('\n').indexOf(s) + 1;
    expect(m.backends.map((b) => [b.type, b.at.line, b.at.col, b.exact])).toEqual([['gcs', line('  backend "gcs" {'), 3, true]]);
    expect(m.requiredProviders.map((b) => b.at.line)).toEqual([line('  required_providers {')]);
    expect(m.providers.map((p) => [p.name, p.alias, p.at.line])).toEqual([
      ['vault', undefined, line('provider "vault" {}')],
      ['vault', 'admin', line('provider vault {')],
    ]);
    expect(m.modules.map((c) => [c.label, c.source, c.keys, c.at.line])).toEqual([['roles', './modules/roles', ['api', 'web'], line('module "roles" {')]]);
    expect(m.resources.map((r) => [r.address, r.keys, r.exact ? r.at.line : 'inexact'])).toEqual([
      ['vault_policy.literal', ['one', 'two'], 'inexact'], // the heredoc repeats its header: the search cannot tell which is real
      ['postgresql_role.app', ['x'], line('resource postgresql_role app {')],
      ['data.vault_policy_document.doc', undefined, line('data "vault_policy_document" "doc" {')],
      ['vault_policy.unknown_keys', undefined, line('resource "vault_policy" "unknown_keys" {')],
    ]);
    expect(m.resources[0]!.at).toEqual({ repo: 'r', path: 'iac/main.tf', line: 1, col: 1 });
    expect(m.refactors.map((r) => [r.kind, r.from, r.to, r.id, r.at.line])).toEqual([
      ['moved', 'vault_policy.old', 'vault_policy.literal["one"]', undefined, line('moved {')],
      ['import', undefined, 'postgresql_role.app["x"]', 'x_role', line('import {')],
      ['removed', 'vault_policy.gone', undefined, undefined, line('removed {')],
    ]);
    expect(m.variables.get('dbs')).toEqual({
      at: { repo: 'r', path: 'iac/main.tf', line: line('variable "dbs" {'), col: 1 },
      default: { x: { role: 'x_role' } },
      type: '${map(object({ role = string }))}',
    });
    expect(unreadable).toEqual([]);
  });

  test("GIVEN tfvars files THEN they are read in tofu's order and the last one sets the value", async () => {
    expect(tfvarsOrder(['z.auto.tfvars', 'terraform.tfvars.json', 'a.auto.tfvars.json', 'terraform.tfvars', 'b.auto.tfvars', 'x.tfvars'])).toEqual([
      'terraform.tfvars',
      'terraform.tfvars.json',
      'a.auto.tfvars.json',
      'b.auto.tfvars',
      'z.auto.tfvars',
    ]);
    const { modules } = await inventoryRepoTofu(
      'r',
      files({
        'm/variables.tf': 'variable "apps" {}\nvariable "other" {\n  default = 1\n}\n',
        'm/z.auto.tfvars': 'apps = { c = {} }\n',
        'm/terraform.tfvars': '# by hand\napps = {\n  a = { apps = 1 }\n  b = {}\n}\n',
        'm/terraform.tfvars.json': '{\n  "apps": { "j": {} }\n}\n',
      }),
      parser,
    );
    const s = modules[0]!.settings.get('apps')!;
    expect(s.map((x) => [x.at.path, x.at.line, x.exact])).toEqual([
      ['m/terraform.tfvars', 2, true],
      ['m/terraform.tfvars.json', 2, true],
      ['m/z.auto.tfvars', 1, true],
    ]);
    expect(s[s.length - 1]!.value).toEqual({ c: {} }); // replaced whole, not merged
    expect(modules[0]!.settings.has('other')).toBe(false);
  });

  test("GIVEN an unparsable .tf file THEN it is listed at hcl's position and the rest of the module is read", async () => {
    const { modules, unreadable } = await inventoryRepoTofu(
      'r',
      files({
        'm/bad.tf': 'resource "a" "b" {\n  x = \n}\n',
        'm/good.tf': 'module "m" {\n  source = "./x"\n}\n',
        'm/terraform.tfvars': 'a = = 1\n',
      }),
      parser,
    );
    expect(modules[0]!.modules.map((c) => c.label)).toEqual(['m']);
    expect(unreadable.map((u) => [u.at.path, u.at.line, u.reason.split(':')[0]])).toEqual([
      ['m/bad.tf', 2, 'not valid HCL'],
      ['m/terraform.tfvars', 1, 'variable values not readable'],
    ]);
  });

  test('GIVEN directories of .tf files THEN child modules are told from root modules', async () => {
    const { modules } = await inventoryRepoTofu(
      'r',
      files({
        'root/main.tf': 'module "x" {\n  source = "../lib/x"\n}\n',
        'lib/x/main.tf': 'variable "a" {}\n',
        'iac/modules/y/main.tf': 'variable "b" {}\n',
        'iac/only.tfvars': 'a = 1\n',
      }),
      parser,
    );
    expect(modules.map((m) => [m.dir, m.child])).toEqual([
      ['iac/modules/y', true],
      ['lib/x', true],
      ['root', false],
    ]);
  });
});

describe('conflicts within one module', () => {
  const findingsOf = async (entries: Record<string, string>) =>
    findLiveConflicts(await inventoryRepos(new Map([['r', files(entries)]]), { parser })).map((f) => [
      f.rule,
      `${f.file}:${f.line}`,
      `${f.related.file}:${f.related.line}`,
      f.severity,
    ]);

  test('GIVEN two backends, two default providers, one alias twice, two module labels and two addresses THEN each is found', async () => {
    expect(
      await findingsOf({
        'm/a.tf':
          'terraform {\n  backend "gcs" {}\n}\nprovider "vault" {}\nprovider "vault" {\n  alias = "x"\n}\nmodule "app_roles" {\n  source = "./r"\n}\nresource "random_password" "p" {\n  length = 8\n}\n',
        'm/b.gen.tf': gen(
          'm/b.gen.tf',
          'terraform {\n  backend "s3" {}\n}\nprovider "vault" {}\nprovider "vault" {\n  alias = "x"\n}\nmodule "app_roles" {\n  source = "./r"\n}\nresource "random_password" "p" {\n  length = 8\n}\n',
        ),
      }),
    ).toEqual([
      ['live-duplicate-backend', 'r/m/b.gen.tf:3', 'r/m/a.tf:2', 'error'],
      ['live-duplicate-provider', 'r/m/b.gen.tf:5', 'r/m/a.tf:4', 'error'],
      ['live-duplicate-provider', 'r/m/b.gen.tf:6', 'r/m/a.tf:5', 'error'],
      ['live-duplicate-module', 'r/m/b.gen.tf:9', 'r/m/a.tf:8', 'error'],
      ['live-duplicate-resource', 'r/m/b.gen.tf:12', 'r/m/a.tf:11', 'error'],
    ]);
  });

  test('GIVEN two backends in one hand-written file THEN the finding says to remove one of them', async () => {
    const f = findLiveConflicts(
      await inventoryRepos(new Map([['r', files({ 'm/main.tf': 'terraform {\n  backend "gcs" {}\n}\nterraform {\n  backend "gcs" {}\n}\n' })]]), { parser }),
    );
    expect(f.map((x) => [x.rule, x.line, x.related.line])).toEqual([['live-duplicate-backend', 5, 2]]);
    expect(f[0]!.message).toContain('remove one of the two');
  });

  test('GIVEN a default and an aliased provider, the same address in two modules, or two hand-written tfvars THEN no conflict', async () => {
    expect(
      await findingsOf({
        'a/main.tf': 'provider "vault" {}\nprovider "vault" {\n  alias = "b"\n}\nresource "random_password" "p" {\n  length = 8\n}\nvariable "v" {}\n',
        'a/terraform.tfvars': 'v = 1\n',
        'a/extra.auto.tfvars': 'v = 2\n',
        'b/main.tf': 'resource "random_password" "p" {\n  length = 8\n}\n',
      }),
    ).toEqual([]);
  });

  test('GIVEN a variable set by hand and by a generated file THEN the finding names both and which one wins', async () => {
    const f = findLiveConflicts(
      await inventoryRepos(
        new Map([
          [
            'r',
            files({
              'm/variables.tf': 'variable "apps" {}\n',
              'm/terraform.tfvars': 'apps = {}\n',
              'm/apps.gen.auto.tfvars': gen('m/apps.gen.auto.tfvars', '\napps = {}\n'),
              'm/zz.auto.tfvars': '# a later hand-written file\napps = {}\n',
            }),
          ],
        ]),
        { parser },
      ),
    );
    expect(f.map((x) => [x.rule, `${x.file}:${x.line}`, `${x.related.file}:${x.related.line}`])).toEqual([
      ['live-variable-overridden', 'r/m/apps.gen.auto.tfvars:3', 'r/m/terraform.tfvars:1'],
      ['live-variable-overridden', 'r/m/apps.gen.auto.tfvars:3', 'r/m/zz.auto.tfvars:2'],
    ]);
    expect(f[0]!.message).toContain('r/m/apps.gen.auto.tfvars is loaded after r/m/terraform.tfvars, and r/m/zz.auto.tfvars wins over both');
    expect(f[1]!.message).toContain('r/m/zz.auto.tfvars is loaded after r/m/apps.gen.auto.tfvars and silently replaces its whole value');
  });
});

describe('live identities', () => {
  test('GIVEN resources named by literals, for_each maps, each.value and references THEN their identities', async () => {
    const inv = await inventoryRepos(
      new Map([
        [
          'r',
          files({
            'v/main.tf': [
              'resource "vault_auth_backend" "k" {\n  type = "kubernetes"\n}',
              'resource "vault_kubernetes_auth_backend_role" "r" {\n  backend   = vault_auth_backend.k.path\n  role_name = "web"\n}',
              'resource "vault_jwt_auth_backend_role" "ci" {\n  backend   = "gitea_jwt"\n  role_name = "gitea_cicd_web"\n}',
              'resource "vault_kv_secret_v2" "s" {\n  for_each = toset(["a", "b"])\n  mount    = "kvv2"\n  name     = "web/${each.key}"\n  data_json = "{}"\n}',
              'resource "postgresql_database" "d" {\n  for_each = var.dbs\n  name     = each.value.database\n}',
              'resource "vault_policy" "p" {\n  name   = var.unset\n  policy = ""\n}',
              'variable "dbs" {}\nvariable "unset" {}',
              'module "app_roles" {\n  source           = "git::ssh://git@h/o/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main"\n  name             = "web"\n  disable_database = true\n}',
            ].join('\n'),
            'v/terraform.tfvars': 'dbs = {\n  one = { database = "db1" }\n}\n',
          }),
        ],
      ]),
      { parser },
    );
    expect(inv.identities.map((i) => `${i.kind} ${i.name} <- ${i.address}`)).toEqual([
      'vault-mount auth/kubernetes <- vault_auth_backend.k',
      'vault-auth-role kubernetes/web <- vault_kubernetes_auth_backend_role.r',
      'vault-auth-role gitea_jwt/gitea_cicd_web <- vault_jwt_auth_backend_role.ci',
      'vault-kv-path kvv2/web/a <- vault_kv_secret_v2.s["a"]',
      'vault-kv-path kvv2/web/b <- vault_kv_secret_v2.s["b"]',
      'postgres-database db1 <- postgresql_database.d["one"]',
      'vault-auth-role kubernetes/web <- module.app_roles',
    ]);
    expect(inv.unreadable.map((u) => u.reason)).toEqual(['vault_policy.p: "name" is not known from the files, so the vault-policy it manages is not listed']);
    // the module call and the resource manage one role: found, both positions
    const f = findLiveConflicts(inv);
    expect(f.map((x) => [x.rule, x.line, x.related.line])).toEqual([['live-duplicate-identity', 28, 4]]);
  });

  test('GIVEN one Vault policy and one PostgreSQL role managed in two repos THEN both are found across repos', async () => {
    const inv = await inventoryRepos(
      new Map([
        ['tools', files({ 'a/main.tf': 'resource "vault_policy" "x" {\n  name   = "shared"\n  policy = ""\n}\n' })],
        [
          'factory',
          files({
            'b/main.tf': gen(
              'b/main.tf',
              'resource "vault_policy" "y" {\n  name   = "shared"\n  policy = ""\n}\nresource "postgresql_role" "r" {\n  name = "app_role"\n}\n',
            ),
            'c/main.tf': 'resource "postgresql_role" "r" {\n  name = "app_role"\n}\n',
          }),
        ],
      ]),
      { parser },
    );
    expect(findLiveConflicts(inv).map((x) => [x.rule, `${x.file}:${x.line}`, `${x.related.file}:${x.related.line}`])).toEqual([
      ['live-duplicate-identity', 'factory/b/main.tf:2', 'tools/a/main.tf:1'],
      ['live-duplicate-identity', 'factory/b/main.tf:6', 'factory/c/main.tf:1'],
    ]);
  });
});

describe('batched parsing', () => {
  test('GIVEN every .tf and .tfvars file of the fixture and of the render THEN a batch gives what one call per file gives', async () => {
    const { readReposDir } = await import('../src/inventory/load');
    const { loadModel } = await import('../src/model');
    const { renderTree } = await import('../src/render');
    const rendered = renderTree(loadModel('apps.yaml', readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8')).model);
    const trees = [...readReposDir(join(__dirname, 'fixtures', 'platform'), ['tools', 'factory', 'cms']), ...rendered];
    const all = trees.flatMap(([repo, fs]) =>
      [...fs].filter(([p]) => p.endsWith('.tf') || p.endsWith('.tfvars')).map(([p, content]) => ({ file: `${repo}/${p}`, content })),
    );
    expect(all.length).toBeGreaterThanOrEqual(25);
    // more than one batch, with a file that is no HCL alone but would balance inside a wrapper
    const many = [...all, ...all, ...all, ...all, ...all];
    const withBad = [...many.slice(0, 3), { file: 'bad.tf', content: '}\nresource "x" "y" {\n' }, ...many.slice(3)];
    const batched = await parser.parseAll(withBad);
    for (const [i, f] of withBad.entries()) {
      const alone = await parser.parse(f.file, f.content).catch((e: Error) => e);
      if (alone instanceof Error) expect((batched[i] as Error).message).toBe(alone.message);
      else expect(batched[i]).toEqual(alone);
    }
    expect(batched[3]).toBeInstanceOf(Error);
  });
});
