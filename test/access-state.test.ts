import { describe, expect, test } from 'vitest';
import { accessStateOfTrees, sideNotes } from '../src/access/state';
import { accessReview } from '../src/access/review';
import { hcl2jsonParser } from '../src/inventory';

/**
 * The adapter from live objects to an access state: real HCL through the inventory and
 * liveInputs, in memory (trees are maps, no git).
 */

const parser = hcl2jsonParser();
const tree = (files: Record<string, string>) => new Map([['tools', new Map(Object.entries(files))]]);
const stateOf = async (files: Record<string, string>) => accessStateOfTrees(tree(files), { parser });
const policies = (s: Awaited<ReturnType<typeof stateOf>>) => Object.fromEntries([...(s.state.policies as ReadonlyMap<string, unknown>)]);

const ROLE = (label: string, sa: string, ns: string, policiesExpr: string) => `
resource "vault_kubernetes_auth_backend_role" "${label}" {
  backend                          = "kubernetes"
  role_name                        = "${label}"
  bound_service_account_names      = ["${sa}"]
  bound_service_account_namespaces = ["${ns}"]
  token_policies                   = ${policiesExpr}
}
`;

describe('policies from vault_policy resources', () => {
  test('GIVEN a heredoc policy, a JSON one and a quoted one THEN each is read with its rules, and a role naming one by reference carries it', async () => {
    const s = await stateOf({
      'iac/main.tf': `
resource "vault_policy" "heredoc" {
  name   = "reader"
  policy = <<-EOT
    path "kvv2/data/app/*" {
      capabilities = ["read", "list"]
    }
    path "kvv2/data/app/secret" {
      capabilities = ["deny"]
    }
  EOT
}
resource "vault_policy" "json" {
  name   = "writer"
  policy = <<EOT
{"path": {"kvv2/data/+/config": {"capabilities": ["create", "update"]}}}
EOT
}
resource "vault_policy" "quoted" {
  name   = "creds"
  policy = "path \\"postgres/creds/app*\\" { capabilities = [\\"read\\"] }"
}
${ROLE('app', 'app', 'apps', '["reader", vault_policy.json.name]')}
resource "vault_jwt_auth_backend_role" "ci" {
  backend         = "gitea_jwt"
  role_name       = "gitea_cicd_app"
  token_policies  = [vault_policy.quoted.name]
  token_no_default_policy = true
}
`,
    });
    expect(s.notes).toEqual([]);
    expect(policies(s)).toEqual({
      creds: [{ path: 'postgres/creds/app*', capabilities: ['read'] }],
      reader: [
        { path: 'kvv2/data/app/*', capabilities: ['read', 'list'] },
        { path: 'kvv2/data/app/secret', capabilities: ['deny'] },
      ],
      writer: [{ path: 'kvv2/data/+/config', capabilities: ['create', 'update'] }],
    });
    expect(s.state.subjects).toEqual([
      { id: 'jwt gitea_jwt gitea_cicd_app', policies: ['creds'] },
      { id: 'kubernetes kubernetes apps/app', policies: ['default', 'reader', 'writer'] },
    ]);
  });

  test('GIVEN a module called per app with a vault_policy_document THEN every instance has its own policy, named and filled from its key', async () => {
    const s = await stateOf({
      'vault/main.tf': `
module "app_policy" {
  source   = "./modules/app_policy"
  for_each = var.applications
  name     = each.key
}
variable "applications" { type = map(any) }
`,
      'vault/terraform.tfvars': 'applications = { web = {}, "my-app" = {} }\n',
      'vault/modules/app_policy/main.tf': `
variable "name" { type = string }
data "vault_policy_document" "app" {
  rule {
    path         = "kvv2/data/\${var.name}/*"
    capabilities = ["read", "list"]
  }
  rule {
    path         = "postgres/creds/\${var.name}*"
    capabilities = ["read"]
  }
}
resource "vault_policy" "app" {
  name   = var.name
  policy = data.vault_policy_document.app.hcl
}
resource "vault_kubernetes_auth_backend_role" "app" {
  role_name                        = var.name
  bound_service_account_names      = concat([var.name], ["extra"])
  bound_service_account_namespaces = [var.name]
  token_policies                   = ["default", vault_policy.app.name]
}
`,
    });
    expect(s.notes).toEqual([]);
    expect(policies(s)).toEqual({
      'my-app': [
        { path: 'kvv2/data/my-app/*', capabilities: ['read', 'list'] },
        { path: 'postgres/creds/my-app*', capabilities: ['read'] },
      ],
      web: [
        { path: 'kvv2/data/web/*', capabilities: ['read', 'list'] },
        { path: 'postgres/creds/web*', capabilities: ['read'] },
      ],
    });
    expect(s.state.subjects.map((x) => `${x.id}: ${x.policies}`)).toEqual([
      'kubernetes kubernetes my-app/extra: default,my-app',
      'kubernetes kubernetes my-app/my-app: default,my-app',
      'kubernetes kubernetes web/extra: default,web',
      'kubernetes kubernetes web/web: default,web',
    ]);
  });

  test('GIVEN a policy document keyed by each.key THEN the instance of the same key is read', async () => {
    const s = await stateOf({
      'iac/main.tf': `
data "vault_policy_document" "per" {
  for_each = toset(["a", "b"])
  rule {
    path         = "kvv2/data/\${each.key}/*"
    capabilities = ["read"]
  }
}
resource "vault_policy" "per" {
  for_each = toset(["a", "b"])
  name     = "p-\${each.key}"
  policy   = data.vault_policy_document.per[each.key].hcl
}
`,
    });
    expect(s.notes).toEqual([]);
    expect(policies(s)).toEqual({ 'p-a': [{ path: 'kvv2/data/a/*', capabilities: ['read'] }], 'p-b': [{ path: 'kvv2/data/b/*', capabilities: ['read'] }] });
  });

  test.each([
    ['file()', 'policy = file("${path.module}/ops.hcl")', 'its text is not known from the files'],
    ['a variable without value', 'policy = var.text', 'its text is not known from the files'],
    ['a document not declared', 'policy = data.vault_policy_document.nope.hcl', 'data.vault_policy_document.nope is not declared in its module'],
    ['invalid text', 'policy = "path {"', 'the policy text is neither valid HCL nor JSON'],
    ['the deprecated policy field', 'policy = "path \\"a/*\\" { policy = \\"read\\" }"', 'path "a/*" uses the deprecated `policy` field'],
    ['+* in a path', 'policy = "path \\"a/+*\\" { capabilities = [\\"read\\"] }"', `invalid use of wildcards ('+*' is forbidden)`],
  ])('GIVEN a policy whose text is %s THEN it grants nothing here, is listed as unreadable and the note says why', async (_, policy, why) => {
    const s = await stateOf({ 'iac/main.tf': `variable "text" {}\nresource "vault_policy" "ops" {\n  name = "ops"\n  ${policy}\n}\n` });
    expect(policies(s)).toEqual({});
    expect(s.state.unreadablePolicies).toEqual(['ops']);
    expect(s.notes).toHaveLength(1);
    expect(s.notes[0]!.text).toContain('tools/iac vault_policy.ops: policy ops: ');
    expect(s.notes[0]!.text).toContain(why);
    expect(s.notes[0]!.text).toMatch(/the access it grants is not reviewed$/);
  });

  test('GIVEN one policy name declared twice with different rules THEN the first by place is used and the note names both', async () => {
    const s = await stateOf({
      'a/main.tf': 'resource "vault_policy" "p" {\n  name = "shared"\n  policy = "path \\"x/*\\" { capabilities = [\\"read\\"] }"\n}\n',
      'b/main.tf': 'resource "vault_policy" "p" {\n  name = "shared"\n  policy = "path \\"x/*\\" { capabilities = [\\"read\\", \\"update\\"] }"\n}\n',
      'c/main.tf': 'resource "vault_policy" "same" {\n  name = "twin"\n  policy = "path \\"y\\" { capabilities = [\\"read\\"] }"\n}\n',
      'd/main.tf': 'resource "vault_policy" "same" {\n  name = "twin"\n  policy = "path \\"y\\" { capabilities = [\\"read\\"] }"\n}\n',
    });
    expect(policies(s).shared).toEqual([{ path: 'x/*', capabilities: ['read'] }]);
    expect(s.notes.map((n) => n.text)).toEqual([
      'policy shared is declared with different rules by tools/a vault_policy.p, tools/b vault_policy.p: reviewed with the first; the last apply decides in Vault',
    ]);
  });
});

describe('roles whose identities or policies are not known from the files', () => {
  test('GIVEN token_policies from a variable without value THEN the pair is unreviewable, and accessReview leaves it out even when the other side knows it', async () => {
    const known = await stateOf({
      'iac/main.tf':
        ROLE('r', 'sa', 'ns', '["p"]') + 'resource "vault_policy" "p" {\n  name = "p"\n  policy = "path \\"x/*\\" { capabilities = [\\"read\\"] }"\n}\n',
    });
    const unknown = await stateOf({
      'iac/main.tf':
        'variable "extra" {}\n' +
        ROLE('r', 'sa', 'ns', 'var.extra') +
        'resource "vault_policy" "p" {\n  name = "p"\n  policy = "path \\"x/*\\" { capabilities = [\\"read\\"] }"\n}\n',
    });
    expect(unknown.state.unreviewable).toEqual(['kubernetes kubernetes ns/sa']);
    expect(unknown.notes.map((n) => n.text)).toEqual([
      'tools/iac vault_kubernetes_auth_backend_role.r: token_policies not known from the files: the access of its identities is not reviewed',
    ]);
    expect(accessReview(known.state, unknown.state)).toEqual([]);
    expect(accessReview(unknown.state, known.state)).toEqual([]);
    expect(accessReview(known.state, { ...known.state, subjects: [] }).map((c) => c.subject)).toEqual(['kubernetes kubernetes ns/sa']);
  });

  test('GIVEN bound names from an unknown expression THEN no subject is made up and the note names the arguments', async () => {
    const s = await stateOf({
      'iac/main.tf': `variable "names" {}
resource "vault_kubernetes_auth_backend_role" "r" {
  bound_service_account_names      = var.names
  bound_service_account_namespaces = ["ns"]
  token_policies                   = ["p"]
}
resource "vault_jwt_auth_backend_role" "ci" {
  role_name      = var.names
  token_policies = ["p"]
}
`,
    });
    expect(s.state.subjects).toEqual([]);
    expect(s.state.unreviewable).toEqual([]);
    expect(s.notes.map((n) => n.text)).toEqual([
      'tools/iac vault_kubernetes_auth_backend_role.r: bound_service_account_names not known from the files: the access of its identities is not reviewed',
      'tools/iac vault_jwt_auth_backend_role.ci: role_name not known from the files: the access of its identities is not reviewed',
    ]);
  });
});

describe('sideNotes', () => {
  test('GIVEN notes on one side, the other and both THEN the shared ones once, the others labelled, apps kept', () => {
    expect(sideNotes([{ text: 'a' }, { text: 'b', app: 'web' }], [{ text: 'b', app: 'web' }, { text: 'c' }, { text: 'a', app: 'erp' }])).toEqual([
      { text: 'before: a' },
      { text: 'b', app: 'web' },
      { text: 'after: c' },
      { text: 'after: a', app: 'erp' },
    ]);
    expect(sideNotes([], [])).toEqual([]);
  });
});
