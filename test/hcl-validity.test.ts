import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktn/hcl2json';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../src/model';
import type { Model } from '../src/model/model';
import type { RenderedFile } from '../src/render/files';
import { TofuGenError } from '../src/tofu-gen/errors';
import { hclString } from '../src/tofu-gen/hcl';
import { renderAppTofu, renderCentralTofu } from '../src/tofu-gen';
import { packageRoot } from '../src/util/package-root';
import { formatHclProblem, loadProviderSchemas, validateHcl, validateParsed, validateRenderedFiles, type ProviderSchemas } from '../src/validate/hcl';

// GIVEN rendered OpenTofu files, WHEN they are parsed with HCL's own parser (hcl2json) and checked
// against the provider schemas, THEN they parse, use only arguments the providers define and set
// every required one; and every string survives the trip through HCL unchanged.

const root = packageRoot();
const runs = Number(process.env.JOINKEY_PROPERTY_RUNS ?? 100);
const load = (text: string): Model => loadModel('apps.yaml', text).model;
const models: Record<string, Model> = {
  'apps.yaml': load(readFileSync(join(root, 'apps.yaml'), 'utf8')),
  minimal: load(readFileSync(join(root, 'test', 'scenarios', 'minimal.yaml'), 'utf8')),
  'non-defaults': load(readFileSync(join(root, 'test', 'scenarios', 'non-defaults.yaml'), 'utf8')),
};
const renderAll = (model: Model): RenderedFile[] => [...model.apps.flatMap((a) => renderAppTofu(model, a)), ...renderCentralTofu(model)];

type Json = Record<string, unknown>;
const parseHcl = async (file: string, text: string) => (await parse(file, text)) as Json;

/**
 * hcl2json prints a literal string in Terraform's JSON syntax, where a literal `${` or `%{` is
 * written `$${` / `%%{`. A string that went through HCL unchanged therefore parses to exactly this.
 */
const jsonForm = (s: string) => s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');

let schemas: ProviderSchemas;
beforeAll(async () => {
  schemas = loadProviderSchemas();
  await parse('warmup.tf', 'a = 1\n'); // one WebAssembly start for the whole file
});

describe('rendered HCL against the provider schemas', () => {
  it.each(Object.keys(models))('%s: every .tf and .tfvars file parses and passes schema validation', async (name) => {
    const files = renderAll(models[name]!);
    expect(files.length).toBeGreaterThan(0);
    const problems = await validateRenderedFiles(files, schemas);
    expect(problems.map(formatHclProblem)).toEqual([]);
  });

  it('emits exactly the resource, data source and provider blocks expected for apps.yaml', async () => {
    const seen: string[] = [];
    for (const f of renderAll(models['apps.yaml']!)) {
      if (!f.path.endsWith('.tf')) continue;
      const doc = await parseHcl(f.path, f.content);
      for (const section of ['resource', 'data'] as const) {
        for (const [type, byName] of Object.entries((doc[section] ?? {}) as Json)) {
          for (const name of Object.keys(byName as Json)) seen.push(`${f.repo}:${section === 'data' ? 'data.' : ''}${type}.${name}`);
        }
      }
      for (const name of Object.keys(doc.provider ?? {})) seen.push(`${f.repo}:provider.${name}`);
      for (const name of Object.keys(doc.module ?? {})) seen.push(`${f.repo}:module.${name}`);
    }
    expect(seen.sort()).toEqual([
      'cms:module.app_roles',
      'cms:provider.vault',
      'tools:data.vault_policy_document.factory_crowdsec_conf',
      'tools:module.app_roles',
      'tools:module.app_roles',
      'tools:provider.vault',
      'tools:provider.vault',
      'tools:random_password.config',
      'tools:vault_kubernetes_auth_backend_role.factory_crowdsec_conf',
      'tools:vault_kv_secret_v2.config',
      'tools:vault_policy.factory_crowdsec_conf',
    ]);
  });

  it('declares in each generated IaC project every provider its resources use', async () => {
    for (const model of Object.values(models)) {
      for (const app of model.apps) {
        if (!app.target) continue;
        const used = new Set<string>();
        let required: string[] = [];
        for (const f of renderAppTofu(model, app)) {
          const doc = await parseHcl(f.path, f.content);
          for (const section of ['resource', 'data'] as const) for (const type of Object.keys(doc[section] ?? {})) used.add(type.split('_')[0]!);
          for (const name of Object.keys(doc.provider ?? {})) used.add(name);
          for (const t of (doc.terraform ?? []) as Json[]) for (const rp of (t.required_providers ?? []) as Json[]) required = Object.keys(rp).sort();
        }
        expect(required, app.name).toEqual([...used].sort());
      }
    }
  });

  it("parses the applications map into the value app_policy's for_each reads", async () => {
    const f = renderCentralTofu(models['apps.yaml']!)[0]!;
    expect(await parseHcl(f.path, f.content)).toEqual({
      applications: {
        cms: { service_account_names: ['cloudflared'], policies: ['factory__cf_r2_arcodange_tf'] },
        crowdsec: { service_account_namespaces: ['tools'] },
        erp: {},
        plausible: { service_account_namespaces: ['tools'] },
        webapp: {},
      },
    });
  });

  it('parses the secrets file into random_password for_each keys and a jsonencode of base64 values', async () => {
    const f = renderAll(models['apps.yaml']!).find((x) => x.path === 'plausible/iac/secrets.gen.tf')!;
    const doc = await parseHcl(f.path, f.content);
    expect(doc.resource).toEqual({
      random_password: {
        config: [
          {
            for_each: { SECRET_KEY_BASE: { length: 64, keepers: null }, TOTP_VAULT_KEY: { length: 32, keepers: { rotation: '1' } } },
            length: '${each.value.length}',
            special: true,
            keepers: '${each.value.keepers}',
          },
        ],
      },
      vault_kv_secret_v2: {
        config: [
          {
            mount: 'kvv2',
            name: 'plausible/config',
            data_json: '${jsonencode({\n    for key, password in random_password.config : key => base64encode(password.result)\n  })}',
          },
        ],
      },
    });
  });
});

describe('the HCL validator', () => {
  const check = (text: string, file = 'x.tf') => validateHcl(file, text, schemas);

  it('reports an unknown argument with file, address and argument (e.g. "policies", removed in provider 3.0)', async () => {
    const problems = await check(`resource "vault_kubernetes_auth_backend_role" "r" {
  role_name                   = "r"
  bound_service_account_names = ["a"]
  policies                    = ["p"]
}
`);
    expect(problems).toEqual([
      { file: 'x.tf', kind: 'unknown-argument', address: 'vault_kubernetes_auth_backend_role.r', argument: 'policies', message: 'unknown argument "policies"' },
    ]);
    expect(formatHclProblem(problems[0]!)).toBe('x.tf: vault_kubernetes_auth_backend_role.r policies: unknown argument "policies"');
  });

  it('reports missing required arguments, also inside nested blocks', async () => {
    const problems = await check(`data "vault_policy_document" "d" {
  rule {
    path = "a/*"
  }
}
resource "vault_kv_secret_v2" "s" {
  mount = "kvv2"
}
`);
    expect(problems.map(formatHclProblem)).toEqual([
      'x.tf: vault_kv_secret_v2.s name: required argument "name" is missing',
      'x.tf: data.vault_policy_document.d rule[0].capabilities: required argument "capabilities" is missing',
    ]);
  });

  it('reports unknown nested blocks, a block written as an argument, and too many blocks', async () => {
    const problems = await check(`provider "vault" {
  auth_login_jwt {
    role = "a"
  }
  auth_login_jwt {
    role = "b"
  }
  headers = "x"
}
data "vault_policy_document" "d" {
  rule {
    path         = "a"
    capabilities = ["read"]
    allowed_parameter {
      key   = "k"
      value = []
      extra = 1
    }
  }
  rules {
    path = "b"
  }
}
`);
    expect(problems.map(formatHclProblem)).toEqual([
      'x.tf: data.vault_policy_document.d rule[0].allowed_parameter[0].extra: unknown argument "extra"',
      'x.tf: data.vault_policy_document.d rules: unknown nested block or argument "rules"',
      'x.tf: provider.vault auth_login_jwt: at most 1 "auth_login_jwt" block allowed, found 2',
      'x.tf: provider.vault headers: "headers" is a nested block, not an argument; write headers { ... }',
    ]);
  });

  it('reports a missing required nested block', () => {
    const schema: ProviderSchemas = {
      resources: { thing: { arguments: {}, blocks: { part: { required: true, min_items: 1, arguments: { x: { required: true } }, blocks: {} } } } },
      data_sources: {},
      providers: {},
    };
    expect(validateParsed('x.tf', { resource: { thing: { t: [{}] } } }, schema)).toEqual([
      { file: 'x.tf', kind: 'missing-block', address: 'thing.t', argument: 'part', message: 'required block "part" is missing' },
    ]);
    expect(validateParsed('x.tf', { resource: { thing: { t: [{ part: [{ x: 1 }] }] } } }, schema)).toEqual([]);
  });

  it('reports unknown resource types, unknown providers and duplicates; accepts meta-arguments; skips modules', async () => {
    const problems = await check(`resource "vault_nope" "a" {
}
resource "random_password" "p" {
  for_each   = toset(["a"])
  length     = 16
  depends_on = []
  lifecycle {
    ignore_changes = [length]
  }
}
resource "random_password" "p" {
  length = 16
}
provider "random" {
}
module "m" {
  source  = "x"
  unknown = 1
}
`);
    expect(problems.map((p) => `${p.kind} ${p.address}`)).toEqual(['duplicate random_password.p', 'unknown-type vault_nope.a', 'unknown-type provider.random']);
  });

  it('turns a parse error into a problem; .tfvars files only have to parse', async () => {
    const [problem] = await check('applications = {\n', 'a.gen.auto.tfvars');
    expect(problem).toMatchObject({ file: 'a.gen.auto.tfvars', kind: 'parse-error', address: '', argument: '' });
    expect(problem!.message).toMatch(/^does not parse as HCL: .*a\.gen\.auto\.tfvars:/);
    expect(await check('resource "nope" "x" {}\n', 'a.tfvars')).toEqual([]);
    expect(await validateRenderedFiles([{ repo: 'r', path: 'README.md', content: 'not { hcl' }], schemas)).toEqual([]);
  });
});

describe('escaping round trips through HCL', () => {
  const nasty = [
    '${var.secret}',
    '%{ if true }x%{ endif }',
    '$${',
    '$$${x}',
    '%%{',
    '"',
    '\\',
    '\\"',
    '\\${x}',
    'a\nb',
    '\r\n',
    '\t',
    '\u0000\u0001\u001f\u007f\u0085',
    '\u2028\u2029',
    '"]\n}\nresource "x" "y" {\n',
    '# not a comment',
    '/* c */',
    '{{hcl x}}',
    'é 🎉 \u200b',
    '$',
    '%',
    '$}',
    '~}',
    'EOT\n<<EOT',
    '',
  ];

  it('keeps every tricky string exactly, as a value and as a map key', async () => {
    const text = nasty.map((s, i) => `v${i} = ${hclString(s)}\n`).join('') + `m = {\n${nasty.map((s, i) => `  ${hclString(s)} = ${i}\n`).join('')}}\n`;
    const doc = await parseHcl('t.tfvars', text);
    nasty.forEach((s, i) => expect(doc[`v${i}`], JSON.stringify(s)).toBe(jsonForm(s)));
    expect(doc.m).toEqual(Object.fromEntries(nasty.map((s, i) => [jsonForm(s), i])));
  });

  it('keeps any string exactly (property)', async () => {
    const char = fc.oneof(
      fc.constantFrom('$', '%', '{', '}', '\\', '"', '\n', '\r', '\t', '\u2028', '\u0000', '\u007f', '~', '#', '=', '<'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    // HCL normalizes strings to NFC, so only NFC text can round-trip; hclString refuses the rest.
    const values = fc.array(
      fc.string({ unit: char, maxLength: 24 }).filter((s) => s === s.normalize('NFC')),
      { minLength: 1, maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(values, async (xs) => {
        const doc = await parseHcl('p.tfvars', xs.map((s, i) => `v${i} = ${hclString(s)}\n`).join(''));
        xs.forEach((s, i) => expect(doc[`v${i}`]).toBe(jsonForm(s)));
      }),
      { numRuns: runs },
    );
  });

  it('refuses text that is not in NFC, which HCL would silently normalize', async () => {
    expect(() => hclString('e\u0301')).toThrow(/^cannot write "e\u0301" as HCL: it is not in Unicode NFC, and HCL would normalize it; write it in NFC$/);
    expect(() => hclString('\u{2F800}')).toThrow(TofuGenError);
    expect((await parseHcl('n.tfvars', 'a = "e\\u0301"\n')).a).toBe('\u00e9'); // even an escape is normalized
  });

  it('keeps hostile model values exactly through the renderers (a hand-built model, past apps.yaml validation)', async () => {
    const base = models['non-defaults']!;
    const evil = (tag: string) => `${tag}"\\\${x}%{y}\n\u2028]`;
    const model: Model = {
      ...base,
      state: { bucket: evil('bucket') },
      vault: {
        ...base.vault,
        appRolesModule: evil('source'),
        audience: evil('aud'),
        mounts: { ...base.vault.mounts, jwt: evil('jwt'), kubernetes: evil('k8s') },
      },
      apps: base.apps.map((app) => ({
        ...app,
        opsPolicies: [evil('policy')],
        extraServiceAccounts: [evil('sa')],
        ...(app.database ? { database: { ...app.database, name: evil('db'), role: evil('role') } } : {}),
        secrets: app.secrets.map((s) => ({ ...s, kvPath: evil('kv'), mount: evil('mount'), generate: s.generate.length ? [evil('key')] : [] })),
        vault: { ...app.vault, ciRole: evil('ci') },
        ...(app.target ? { target: { ...app.target, stateKeyPrefix: evil('prefix') } } : {}),
      })),
      consumers: base.consumers.map((c) => ({
        ...c,
        policy: evil('cpolicy'),
        tokenPolicies: ['default', evil('cpolicy')],
        role: evil('crole'),
        namespace: evil('cns'),
        reads: c.reads.map((r) => ({ ...r, policyPath: evil('path') })),
      })),
    };
    const files = renderAll(model);
    expect(await validateRenderedFiles(files, schemas)).toEqual([]);
    const get = async (path: string) => parseHcl(path, files.find((f) => f.path === path)!.content);

    const apps = (await get('vault/iac/applications.gen.auto.tfvars')).applications as Json;
    expect(apps.billing).toEqual({
      service_account_names: [jsonForm(evil('sa'))],
      service_account_namespaces: ['payments'],
      policies: [jsonForm(evil('policy'))],
    });
    const dbs = (await get('pg/databases.gen.auto.tfvars')).applications as Json;
    expect(dbs.billing).toEqual({ role: jsonForm(evil('role')), database: jsonForm(evil('db')) });

    const roles = await get('billing/iac/app_roles.gen.tf');
    expect((roles.module as Json).app_roles).toEqual([
      {
        source: jsonForm(evil('source')),
        name: 'billing',
        service_account_names: [jsonForm(evil('sa'))],
        service_account_namespaces: ['payments'],
        database: jsonForm(evil('db')),
      },
    ]);
    const backend = await get('billing/iac/backend.gen.tf');
    expect((backend.terraform as Json[])[0]!.backend).toEqual({ gcs: [{ bucket: jsonForm(evil('bucket')), prefix: jsonForm(evil('prefix')) }] });
    expect(backend.provider).toEqual({ vault: [{ auth_login_jwt: [{ mount: jsonForm(evil('jwt')), role: jsonForm(evil('ci')) }] }] });
    const secrets = await get('billing/iac/secrets.gen.tf');
    const kv = (secrets.resource as Json).vault_kv_secret_v2 as Json;
    expect(kv.session).toMatchObject([{ mount: jsonForm(evil('mount')), name: jsonForm(evil('kv')) }]);
    // for_each is an expression, which hcl2json prints as source text: parse the tuple inside it on its own.
    const forEach = (((secrets.resource as Json).random_password as Json).session as Json[])[0]!.for_each as string;
    expect(forEach.startsWith('${toset([') && forEach.endsWith('])}')).toBe(true);
    expect((await parseHcl('k.tfvars', `keys = ${forEach.slice('${toset('.length, -')}'.length)}\n`)).keys).toEqual([jsonForm(evil('key'))]);

    const consumers = await get('vault/iac/consumers.gen.tf');
    const role = ((consumers.resource as Json).vault_kubernetes_auth_backend_role as Json)['audit-reader'] as Json[];
    expect(role[0]).toMatchObject({
      backend: jsonForm(evil('k8s')),
      role_name: jsonForm(evil('crole')),
      bound_service_account_namespaces: [jsonForm(evil('cns'))],
      token_policies: ['default', jsonForm(evil('cpolicy'))],
      audience: jsonForm(evil('aud')),
    });
    const doc = ((consumers.data as Json).vault_policy_document as Json)['audit-reader'] as Json[];
    expect((doc[0]!.rule as Json[]).map((r) => r.path)).toEqual([jsonForm(evil('path')), jsonForm(evil('path')), jsonForm(evil('path'))]);
  });
});
