import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/model';
import type { Model } from '../src/model/model';
import { consumerResourceLabel, secretResourceLabel } from '../src/model/names';
import { markerLine, type RenderedFile } from '../src/render/files';
import { BLOCK_HELPERS, COMPILE_OPTIONS, createEngine, HCL_HELPERS, readTemplates } from '../src/tofu-gen/engine';
import { TofuGenError } from '../src/tofu-gen/errors';
import { alignAttributes, hclEscape, hclList, hclNumber, hclString, hclValue, resourceLabel } from '../src/tofu-gen/hcl';
import { renderAppTofu, renderCentralTofu } from '../src/tofu-gen';
import { TEMPLATES_DIR, templatesDir } from '../src/tofu-gen/package-root';
import { packageRoot } from '../src/util/package-root';

// GIVEN an apps.yaml, WHEN the OpenTofu files are rendered, THEN each file holds exactly the HCL
// the guidebook's IaC expects, with every name read from the model.

const root = packageRoot();
const load = (text: string): Model => loadModel('apps.yaml', text).model;
const defaultModel = load(readFileSync(join(root, 'apps.yaml'), 'utf8'));
const scenario = (name: string): Model => load(readFileSync(join(root, 'test', 'scenarios', `${name}.yaml`), 'utf8'));

function renderAll(model: Model): RenderedFile[] {
  return [...model.apps.flatMap((app) => renderAppTofu(model, app)), ...renderCentralTofu(model)];
}
const byPath = (files: RenderedFile[]) => new Map(files.map((f) => [`${f.repo}:${f.path}`, f.content]));
const marker = (path: string) => `${markerLine(path)}\n`;

const repos = `version: 1
repos:
  tools: { url: ssh://git@h/o/tools.git }
  factory: { url: ssh://git@h/o/factory.git }
`;

describe('the default apps.yaml', () => {
  const files = byPath(renderAll(defaultModel));

  it('renders exactly these files, each into its repo', () => {
    expect([...files.keys()]).toEqual([
      'cms:iac/app_roles.gen.tf',
      'cms:iac/backend.gen.tf',
      'tools:crowdsec/iac/app_roles.gen.tf',
      'tools:crowdsec/iac/backend.gen.tf',
      'tools:plausible/iac/app_roles.gen.tf',
      'tools:plausible/iac/backend.gen.tf',
      'tools:plausible/iac/secrets.gen.tf',
      'tools:hashicorp-vault/iac/applications.gen.auto.tfvars',
      'tools:hashicorp-vault/iac/consumers.gen.tf',
      'factory:postgres/iac/databases.gen.auto.tfvars',
    ]);
  });

  it('writes the applications map under the key "policies" (not the guidebook\'s ops_policies), extras only', () => {
    const path = 'hashicorp-vault/iac/applications.gen.auto.tfvars';
    expect(files.get(`tools:${path}`)).toBe(
      marker(path) +
        `# The applications map the central app_policy module's for_each walks: one entry per app, with
# only the extras beyond the defaults (SA <app>, namespace <app>). The extra ops policies go under
# "policies", the attribute variables.tf declares.

applications = {
  "cms" = {
    service_account_names = ["cloudflared"]
    policies              = ["factory__cf_r2_arcodange_tf"]
  }
  "crowdsec" = {
    service_account_namespaces = ["tools"]
  }
  "erp" = {}
  "plausible" = {
    service_account_namespaces = ["tools"]
  }
  "webapp" = {}
}
`,
    );
    expect(files.get(`tools:${path}`)).not.toContain('ops_policies');
  });

  it("writes factory_auth.tf's policy and Kubernetes auth role per consumer, with audience and alias_name_source", () => {
    const path = 'hashicorp-vault/iac/consumers.gen.tf';
    expect(files.get(`tools:${path}`)).toBe(
      marker(path) +
        `# Cross-repo readers of kv paths (like factory_auth.tf): per consumer, a policy granting read and
# list on its paths, and a Kubernetes auth role binding exactly one ServiceAccount in one namespace.

data "vault_policy_document" "factory_crowdsec_conf" {
  rule {
    path         = "kvv2/data/cms/factory/*"
    capabilities = ["read", "list"]
  }
}

resource "vault_policy" "factory_crowdsec_conf" {
  name   = "factory_crowdsec_conf"
  policy = data.vault_policy_document.factory_crowdsec_conf.hcl
}

resource "vault_kubernetes_auth_backend_role" "factory_crowdsec_conf" {
  backend                          = "kubernetes"
  role_name                        = "factory_crowdsec_conf"
  bound_service_account_names      = ["factory-ansible-tool-crowdsec-traefik-plugin"]
  bound_service_account_namespaces = ["kube-system"]
  token_ttl                        = 3600
  token_policies                   = ["default", "factory_crowdsec_conf"]
  audience                         = "vault"
  alias_name_source                = "serviceaccount_uid"
}
`,
    );
  });

  it("lists every app with a database, and only those, in factory's databases map", () => {
    const path = 'postgres/iac/databases.gen.auto.tfvars';
    expect(files.get(`factory:${path}`)).toBe(
      marker(path) +
        `# One non-login role and one database it owns per app with a database; the Vault dynamic role of
# each app grants this role to its ephemeral users, so apply this before the apps' app_roles.

applications = {
  "crowdsec" = {
    role     = "crowdsec_role"
    database = "crowdsec"
  }
  "erp" = {
    role     = "erp_role"
    database = "erp"
  }
  "plausible" = {
    role     = "plausible_role"
    database = "plausible"
  }
  "webapp" = {
    role     = "webapp_role"
    database = "webapp"
  }
}
`,
    );
  });

  it('declares app_roles with the extras and disable_database for an app without a database (cms)', () => {
    expect(files.get('cms:iac/app_roles.gen.tf')).toBe(
      marker('iac/app_roles.gen.tf') +
        `# The app's runtime roles, created by the app_roles module under the app's ops policy: the
# Kubernetes auth role and, unless disabled, the Postgres dynamic role.

module "app_roles" {
  source                = "git::ssh://git@gitea.arcodange.lab/arcodange-org/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main"
  name                  = "cms"
  service_account_names = ["cloudflared"]
  disable_database      = true
}
`,
    );
  });

  it('declares app_roles with the database name for an app with one (crowdsec)', () => {
    expect(files.get('tools:crowdsec/iac/app_roles.gen.tf')).toContain(`module "app_roles" {
  source                     = "git::ssh://git@gitea.arcodange.lab/arcodange-org/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main"
  name                       = "crowdsec"
  service_account_namespaces = ["tools"]
  database                   = "crowdsec"
}
`);
  });

  it('gives each IaC project a gcs backend under <repo>/<app>/main and a JWT-login Vault provider, random only with generated secrets', () => {
    const path = 'plausible/iac/backend.gen.tf';
    expect(files.get(`tools:${path}`)).toBe(
      marker(path) +
        `# The state backend and the Vault provider of this IaC project.

terraform {
  required_providers {
    vault  = { source = "hashicorp/vault" }
    random = { source = "hashicorp/random" }
  }

  backend "gcs" {
    bucket = "arcodange-tf"
    prefix = "tools/plausible/main"
  }
}

# CI logs in through the JWT auth backend as the app's CI role. The JWT itself comes from the
# TERRAFORM_VAULT_AUTH_JWT environment variable that the pipeline sets (and the address from
# VAULT_ADDR): no token is written here.
provider "vault" {
  auth_login_jwt {
    mount = "gitea_jwt"
    role  = "gitea_cicd_plausible"
  }
}
`,
    );
    const cms = files.get('cms:iac/backend.gen.tf')!;
    expect(cms).toContain(`  required_providers {
    vault = { source = "hashicorp/vault" }
  }
`);
    expect(cms).not.toContain('random');
    expect(cms).toContain('    prefix = "cms/cms/main"\n');
    expect(cms).toContain('    role  = "gitea_cicd_cms"\n');
  });

  it("generates plausible's keys with random_password and writes them base64-encoded via vault_kv_secret_v2, never a literal", () => {
    const path = 'plausible/iac/secrets.gen.tf';
    expect(files.get(`tools:${path}`)).toBe(
      marker(path) +
        `# Generated secrets: one random_password per key, base64-encoded and written to kv-v2 with
# vault_kv_secret_v2. No secret value is written in this file.

resource "random_password" "config" {
  for_each = {
    "SECRET_KEY_BASE" = { length = 64, keepers = null }
    "TOTP_VAULT_KEY"  = { length = 32, keepers = { rotation = "1" } }
  }
  length  = each.value.length
  special = true
  keepers = each.value.keepers
}

resource "vault_kv_secret_v2" "config" {
  mount = "kvv2"
  name  = "plausible/config"
  data_json = jsonencode({
    for key, password in random_password.config : key => base64encode(password.result)
  })
}
`,
    );
    // geoip is admin-seeded: synced by VSO, never written by the generator.
    expect(files.get(`tools:${path}`)).not.toContain('geoip');
  });

  it('renders nothing for an app without a repo', () => {
    const webapp = defaultModel.apps.find((a) => a.name === 'webapp')!;
    expect(webapp.target).toBeUndefined();
    expect(renderAppTofu(defaultModel, webapp)).toEqual([]);
  });

  it('starts every file with the marker line and ends it with exactly one newline, no trailing spaces', () => {
    for (const f of renderAll(defaultModel)) {
      expect(f.content.split('\n')[0]).toBe(markerLine(f.path));
      expect(f.content.endsWith('\n') && !f.content.endsWith('\n\n')).toBe(true);
      expect(f.content).not.toMatch(/[ \t]+\n/);
      expect(f.content).not.toContain('\t');
    }
  });
});

describe('non-default values (test/scenarios/non-defaults.yaml)', () => {
  const model = scenario('non-defaults');
  const files = byPath(renderAll(model));

  it('reads repos, dirs, mounts, ttl and bucket from the model', () => {
    expect([...files.keys()]).toEqual([
      'platform:billing/iac/app_roles.gen.tf',
      'platform:billing/iac/backend.gen.tf',
      'platform:billing/iac/secrets.gen.tf',
      'platform:sites/docs/tofu/app_roles.gen.tf',
      'platform:sites/docs/tofu/backend.gen.tf',
      'platform:vault/iac/applications.gen.auto.tfvars',
      'platform:vault/iac/consumers.gen.tf',
      'db:pg/databases.gen.auto.tfvars',
    ]);
    expect(files.get('platform:vault/iac/applications.gen.auto.tfvars')).toContain(`applications = {
  "analytics" = {}
  "billing" = {
    service_account_names      = ["api", "worker"]
    service_account_namespaces = ["payments"]
    policies                   = ["audit", "billing_extra"]
  }
  "docs" = {}
}
`);
    expect(files.get('db:pg/databases.gen.auto.tfvars')).toContain(`applications = {
  "analytics" = {
    role     = "analytics_role"
    database = "analytics"
  }
  "billing" = {
    role     = "billing_role"
    database = "billing_main"
  }
}
`);
  });

  it('writes one rule per read, the custom ttl and the consumer name (with "-") as label', () => {
    const consumers = files.get('platform:vault/iac/consumers.gen.tf')!;
    expect(consumers).toContain(`data "vault_policy_document" "audit-reader" {
  rule {
    path         = "secrets/data/billing/+/keys"
    capabilities = ["read", "list"]
  }
  rule {
    path         = "secrets/data/billing/stripe"
    capabilities = ["read", "list"]
  }
  rule {
    path         = "secrets/data/docs/search*"
    capabilities = ["read", "list"]
  }
}
`);
    expect(consumers).toContain('  policy = data.vault_policy_document.audit-reader.hcl\n');
    expect(consumers).toContain('  token_ttl                        = 1800\n');
  });

  it('uses the overridden database name, the custom kv mount and length, the custom bucket', () => {
    expect(files.get('platform:billing/iac/app_roles.gen.tf')).toContain('  database                   = "billing_main"\n');
    expect(files.get('platform:sites/docs/tofu/app_roles.gen.tf')).toContain('  disable_database = true\n');
    expect(files.get('platform:billing/iac/secrets.gen.tf')).toContain(`resource "random_password" "session" {
  for_each = toset(["COOKIE_KEY"])
  length   = 32
  special  = true
}

resource "vault_kv_secret_v2" "session" {
  mount = "secrets"
  name  = "billing/session"
`);
    expect(files.get('platform:billing/iac/backend.gen.tf')).toContain(`  backend "gcs" {
    bucket = "acme-tofu-state"
    prefix = "platform/billing/main"
  }
`);
  });
});

describe('edge cases', () => {
  it('renders no consumers file without consumers, and leaves apps without a database out of the databases map', () => {
    const model = scenario('minimal');
    const files = renderCentralTofu(model);
    expect(files.map((f) => `${f.repo}:${f.path}`)).toEqual([
      'tools:hashicorp-vault/iac/applications.gen.auto.tfvars',
      'factory:postgres/iac/databases.gen.auto.tfvars',
    ]);
    expect(files[1]!.content).toContain('applications = {\n  "shop" = {\n');
    expect(files[1]!.content).not.toContain('blog');
    expect(files[0]!.content).toContain('applications = {\n  "blog" = {}\n  "shop" = {}\n}\n');
  });

  it('writes "applications = {}" when no app has a database, and when there are no apps', () => {
    const noDb = load(repos + 'apps:\n  web: { database: false }\n');
    expect(renderCentralTofu(noDb)[1]!.content.endsWith('\napplications = {}\n')).toBe(true);
    const none = load(repos + 'apps: {}\n');
    expect(renderCentralTofu(none).map((f) => f.content.split('\n').at(-2))).toEqual(['applications = {}', 'applications = {}']);
  });

  it('prefixes resource labels that would start with a digit: c_ for consumers, s_ for secrets', () => {
    const model = load(
      repos +
        `apps:
  web:
    repo: tools
    secrets:
      2fa: { generate: [SEED] }
consumers:
  1reader: { serviceAccount: r, namespace: ns, reads: [web/2fa] }
`,
    );
    const consumers = renderCentralTofu(model).find((f) => f.path.endsWith('consumers.gen.tf'))!.content;
    expect(consumers).toContain('data "vault_policy_document" "c_1reader" {');
    expect(consumers).toContain('resource "vault_policy" "c_1reader" {\n  name   = "1reader"\n  policy = data.vault_policy_document.c_1reader.hcl\n}');
    expect(consumers).toContain('resource "vault_kubernetes_auth_backend_role" "c_1reader" {');
    expect(consumers).toContain('  role_name                        = "1reader"\n');
    const secrets = renderAppTofu(model, model.apps[0]!).find((f) => f.path.endsWith('secrets.gen.tf'))!.content;
    expect(secrets).toContain('resource "random_password" "s_2fa" {');
    expect(secrets).toContain('resource "vault_kv_secret_v2" "s_2fa" {');
    expect(secrets).toContain('    for key, password in random_password.s_2fa : key => base64encode(password.result)\n');
    expect(secrets).toContain('  name  = "web/2fa"\n');
  });

  it('refuses two consumers that would share a resource label, even from a hand-built model (the loader refuses it first)', () => {
    const base = defaultModel.consumers[0]!;
    const model = {
      ...defaultModel,
      consumers: [
        { ...base, name: '1x' },
        { ...base, name: 'c_1x' },
      ],
    };
    expect(() => renderCentralTofu(model)).toThrow(new TofuGenError('consumers "1x" and "c_1x" would both be the HCL resource "c_1x"; rename one of them'));
  });

  it('refuses a wildcard in a role binding (pitfall 12), even from a hand-built model', () => {
    const consumer = { ...defaultModel.consumers[0]!, serviceAccount: '*' };
    expect(() => renderCentralTofu({ ...defaultModel, consumers: [consumer] })).toThrow(TofuGenError);
  });

  it('gives byte-identical output whatever the order of apps and consumers in apps.yaml', () => {
    const text = readFileSync(join(root, 'test', 'scenarios', 'non-defaults.yaml'), 'utf8');
    const [head, rest] = text.split('apps:\n');
    const [apps, consumers] = rest!.split('consumers:\n');
    const blocks = apps!.split(/\n(?= {2}[a-z])/).map((b) => b.replace(/\n?$/, '\n'));
    const reordered = `${head}consumers:\n${consumers}apps:\n${[...blocks].reverse().join('')}`;
    expect(reordered).not.toBe(text);
    expect(renderAll(load(reordered))).toEqual(renderAll(scenario('non-defaults')));
    expect(renderAll(scenario('non-defaults'))).toEqual(renderAll(scenario('non-defaults')));
  });
});

describe('HCL value writers', () => {
  it('escapes quotes, backslashes, control characters, line separators, ${ and %{', () => {
    expect(hclString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(hclString('l1\nl2\r\tx')).toBe('"l1\\nl2\\r\\tx"');
    expect(hclString('\u0000\u001b\u007f\u0085\u2028\u2029')).toBe('"\\u0000\\u001B\\u007F\\u0085\\u2028\\u2029"');
    expect(hclString('${var.x} %{ if true }')).toBe('"$${var.x} %%{ if true }"');
    expect(hclString('$${x} %%{y}')).toBe('"$$${x} %%%{y}"');
    expect(hclString('$ % { } $x %d é 🎉')).toBe('"$ % { } $x %d é 🎉"');
    expect(hclEscape('')).toBe('');
  });

  it('refuses a lone surrogate, which has no HCL spelling', () => {
    expect(() => hclString('a\uD800b')).toThrow(TofuGenError);
    expect(hclString('\uD83C\uDF89')).toBe('"🎉"');
  });

  it('writes literal values: numbers, booleans, escaped strings, null and flat string maps', () => {
    expect([hclValue(32), hclValue(false), hclValue(true), hclValue(null)]).toEqual(['32', 'false', 'true', 'null']);
    expect(hclValue('!${"%{')).toBe('"!$${\\"%%{"');
    expect(hclValue({ rotation: '2' })).toBe('{ rotation = "2" }');
    expect(hclValue({ 'a.b': 'x', c_d: 'y"' })).toBe('{ "a.b" = "x", c_d = "y\\"" }');
    expect(hclValue({})).toBe('{}');
    expect(() => hclValue(1.5)).toThrow(TofuGenError);
    expect(() => hclValue([] as never)).toThrow(TofuGenError);
  });

  it('writes lists, numbers and labels', () => {
    expect(hclList([])).toBe('[]');
    expect(hclList(['read', 'li"st'])).toBe('["read", "li\\"st"]');
    expect(hclNumber(3600)).toBe('3600');
    expect(() => hclNumber(1.5)).toThrow(TofuGenError);
    expect(() => hclNumber(Number.NaN)).toThrow(TofuGenError);
    expect(resourceLabel('factory_crowdsec_conf', consumerResourceLabel)).toBe('factory_crowdsec_conf');
    expect(resourceLabel('audit-reader', consumerResourceLabel)).toBe('audit-reader');
    expect(resourceLabel('9lives', secretResourceLabel)).toBe('s_9lives');
    expect(() => resourceLabel('has space', consumerResourceLabel)).toThrow(TofuGenError);
    expect(() => resourceLabel('a"b', consumerResourceLabel)).toThrow(TofuGenError);
  });
});

describe('the tofu fmt alignment pass', () => {
  it('aligns consecutive single-line attributes at the same indent', () => {
    expect(alignAttributes('a = 1\nlong_name = "x"\n')).toBe('a         = 1\nlong_name = "x"\n');
  });

  it('breaks a run at a blank line, a nested block, a comment and a multi-line value', () => {
    const input = [
      'resource "x" "y" {',
      '  a = 1',
      '  bb = 2',
      '',
      '  ccc = 3',
      '  # comment',
      '  dddd = 4',
      '  rule {',
      '    e = 5',
      '    ffffff = 6',
      '  }',
      '  g = 7',
      '  data_json = jsonencode({',
      '    for k, v in x : k => v',
      '  })',
      '  hh = 8',
      '}',
    ].join('\n');
    expect(alignAttributes(input)).toBe(
      [
        'resource "x" "y" {',
        '  a  = 1',
        '  bb = 2',
        '',
        '  ccc = 3',
        '  # comment',
        '  dddd = 4',
        '  rule {',
        '    e      = 5',
        '    ffffff = 6',
        '  }',
        '  g = 7',
        '  data_json = jsonencode({',
        '    for k, v in x : k => v',
        '  })',
        '  hh = 8',
        '}',
      ].join('\n'),
    );
  });

  it('aligns on the first bare "=" only: not inside strings, not ==, =>, != or <=, and one-line objects count as single-line', () => {
    const input = '  "k=v" = "a = b"\n  x = { source = "y" }\n  cond = a == b\n  m = {for k, v in x : k => v}\n';
    expect(alignAttributes(input)).toBe('  "k=v" = "a = b"\n  x     = { source = "y" }\n  cond  = a == b\n  m     = {for k, v in x : k => v}\n');
  });

  it('leaves text without attributes unchanged', () => {
    const text = 'terraform {\n  backend "gcs" {\n  }\n}\n';
    expect(alignAttributes(text)).toBe(text);
  });
});

describe('the template engine', () => {
  it('uses a private Handlebars instance: the global one gets no HCL helper', () => {
    const engine = createEngine({ t: '{{hcl x}}' });
    expect(engine.render('t', { x: 'a"b' })).toBe('"a\\"b"');
    expect(Object.keys(Handlebars.helpers)).not.toContain('hcl');
  });

  it('compiles strict: a missing field throws instead of rendering empty', () => {
    expect(() => createEngine({ t: 'x = {{hclList a.b}}' }).render('t', {})).toThrow();
    expect(() => createEngine({ t: 'x = {{hcl a}}' }).render('t', {})).toThrow(new TofuGenError('internal: expected a string for HCL, got undefined'));
    expect(() => createEngine({ t: '{{#each a.b}}{{/each}}' }).render('t', {})).toThrow(TypeError);
  });

  it('accepts no helper but its own (knownHelpersOnly), and says so when the engine is built, not at render', () => {
    for (const bad of ['{{lookup x "y"}}{{json x}}', '{{json x}}', 'a = {{hcl (concat x)}}', '{{#each xs}}{{yaml this}}{{/each}}']) {
      expect(() => createEngine({ ok: '{{hcl x}}', t: bad }), bad).toThrow(/You specified knownHelpersOnly, but used the unknown helper/);
    }
    expect(COMPILE_OPTIONS).toMatchObject({ strict: true, noEscape: true, knownHelpersOnly: true });
  });

  it('parses every template when the engine is built: a syntax error fails before anything renders', () => {
    for (const bad of ['{{#if x}}no end', '{{hcl x', '{{/each}}']) expect(() => createEngine({ t: bad }), bad).toThrow();
  });

  it('reads the templates once, up front: rendering reads nothing and knows only the templates it was given', () => {
    const reads: string[] = [];
    const sources = new Proxy(
      { a: '{{hcl x}}', b: 'n = {{hclNumber n}}' },
      {
        get: (target, key) => {
          reads.push(String(key));
          return target[key as string];
        },
      },
    );
    const engine = createEngine(sources);
    const before = reads.length;
    expect(engine.render('a', { x: 'v' })).toBe('"v"');
    expect(engine.render('b', { n: 3 })).toBe('n = 3');
    expect(engine.render('a', { x: 'w' })).toBe('"w"');
    expect(reads.length).toBe(before);
    expect(() => engine.render('c', {})).toThrow(new TofuGenError('internal: no HCL template "c" (known: a, b)'));
  });

  it('loads every template of the package directory, and says what is missing when the directory is not there', () => {
    expect(Object.keys(readTemplates(templatesDir(root)))).toEqual(['app-roles', 'applications', 'backend', 'consumers', 'databases', 'secrets']);
    const missing = join(root, 'no-such-templates-dir');
    expect(() => readTemplates(missing)).toThrow(
      new RegExp(`cannot read the HCL templates in ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*is "src/tofu-gen/templates" shipped with the package`),
    );
  });

  it('finds the templates from src and from the compiled build/src, relative to the package root', () => {
    expect(packageRoot(join(root, 'src', 'tofu-gen'))).toBe(root);
    expect(packageRoot(join(root, 'build', 'src', 'tofu-gen'))).toBe(root);
    expect(templatesDir(root)).toBe(join(root, 'src', 'tofu-gen', 'templates'));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain(TEMPLATES_DIR);
  });
});

describe('template lint', () => {
  const dir = templatesDir(root);
  const templates = readdirSync(dir)
    .filter((f) => f.endsWith('.hbs'))
    .sort();

  it('finds the six templates', () => {
    expect(templates).toEqual(['app-roles.hbs', 'applications.hbs', 'backend.hbs', 'consumers.hbs', 'databases.hbs', 'secrets.hbs']);
  });

  type Node = { type: string; [k: string]: unknown };
  type Path = { type: string; original: string };
  const outputs = (node: Node, out: string[], bad: string[]): void => {
    switch (node.type) {
      case 'Program':
        for (const s of node.body as Node[]) outputs(s, out, bad);
        break;
      case 'MustacheStatement': {
        const path = node.path as Path;
        const params = node.params as Node[];
        const helper = path.type === 'PathExpression' ? path.original : `<${path.type}>`;
        if (!(helper in HCL_HELPERS) || params.length !== 1 || params.some((p) => p.type === 'SubExpression'))
          bad.push(`{{${helper} ...}} does not go through one hcl helper`);
        if (node.escaped === false) bad.push(`{{{${helper}}}} triple-stash`);
        out.push(helper);
        break;
      }
      case 'BlockStatement': {
        const helper = (node.path as Path).original;
        if (!(BLOCK_HELPERS as readonly string[]).includes(helper)) bad.push(`{{#${helper}}} is not a built-in block helper`);
        outputs(node.program as Node, out, bad);
        if (node.inverse) outputs(node.inverse as Node, out, bad);
        break;
      }
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      default:
        bad.push(`${node.type} is not allowed`);
    }
  };

  it.each(templates)('%s: every value mustache goes through an hcl helper', (name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const out: string[] = [];
    const bad: string[] = [];
    outputs(Handlebars.parse(text) as unknown as Node, out, bad);
    expect(bad).toEqual([]);
    expect(out.length).toBeGreaterThan(0);
    // The raw text agrees: every {{...}} is a block tag, else, a comment, or an hcl helper call.
    const tags = [...text.matchAll(/\{\{~?([^}]*?)~?\}\}/g)].map((m) => m[1]!.trim());
    for (const tag of tags) {
      expect(tag, `{{${tag}}} in ${name}`).toMatch(
        new RegExp(`^(#(each|if|unless|with) |\\/(each|if|unless|with)$|else$|!|(${Object.keys(HCL_HELPERS).join('|')}) [A-Za-z_.]+$)`),
      );
    }
    expect(text).not.toContain('{{{');
  });
});
