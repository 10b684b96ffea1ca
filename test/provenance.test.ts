import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseHcl } from '@cdktn/hcl2json';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileOrigins } from '../src/check/contract';
import { loadModel } from '../src/model';
import { renderFiles } from '../src/render';
import { OWNERSHIP_FILE, type DeclaredObject, type RenderedFile } from '../src/render/files';
import { appFileIndex, fileKinds, objectsByApp, primaryOrigins } from '../src/render/provenance';
import { appsDoc, printYaml } from './support/arbitraries';
import { propertyParams } from './support/params';

/**
 * 12.3: every rendered file carries its owner, its origins in apps.yaml and the objects it
 * declares. The declared objects are checked against the files' own content, parsed by real
 * parsers (yaml, HashiCorp's hcl), so the provenance cannot drift from what is written.
 */

type J = Record<string, any>;
const root = path.resolve(__dirname, '..');
const SCENARIOS = ['apps.yaml', 'test/scenarios/non-defaults.yaml', 'test/scenarios/minimal.yaml'];
const renderScenario = (file: string) => {
  const { model } = loadModel(path.basename(file), fs.readFileSync(path.join(root, file), 'utf8'));
  return { model, files: [...renderFiles(model)] };
};

/** The objects a file holds, read from its content: Kubernetes documents, HCL blocks, tfvars map keys. */
async function parsedObjects(f: RenderedFile): Promise<string[]> {
  if (f.path.endsWith('.yaml')) {
    return parseAllDocuments(f.content).map((d) => {
      const j = d.toJS() as J;
      return `k8s ${j.apiVersion} ${j.kind} ${j.metadata.namespace}/${j.metadata.name}`;
    });
  }
  if (f.path.endsWith('.tfvars')) {
    const json = (await parseHcl('x.tfvars', f.content)) as J;
    return Object.entries(json).flatMap(([variable, v]) => [
      `tfvars ${variable}`,
      ...Object.keys((Array.isArray(v) ? v[0] : v) as J).map((key) => `tfvars ${variable}[${key}]`),
    ]);
  }
  if (f.path.endsWith('.tf')) {
    const json = (await parseHcl('x.tf', f.content)) as J;
    const out: string[] = [];
    for (const [type, byLabel] of Object.entries((json.resource ?? {}) as J)) for (const label of Object.keys(byLabel as J)) out.push(`tofu ${type}.${label}`);
    for (const [type, byLabel] of Object.entries((json.data ?? {}) as J)) for (const label of Object.keys(byLabel as J)) out.push(`tofu data.${type}.${label}`);
    for (const label of Object.keys((json.module ?? {}) as J)) out.push(`tofu module.${label}`);
    if (json.terraform) out.push('tofu terraform');
    for (const name of Object.keys((json.provider ?? {}) as J)) out.push(`tofu provider.${name}`);
    return out.sort();
  }
  return [];
}

function declared(o: DeclaredObject): string {
  switch (o.kind) {
    case 'kubernetes':
      return `k8s ${o.apiVersion} ${o.type} ${o.namespace}/${o.name}`;
    case 'tofu':
      return `tofu ${o.address}`;
    case 'tfvars':
      return o.key === undefined ? `tfvars ${o.variable}` : `tfvars ${o.variable}[${o.key}]`;
    case 'doc':
      return `doc ${o.path}`;
  }
}

beforeAll(async () => {
  await parseHcl('warmup.tf', 'a = 1\n');
});

describe('file provenance', () => {
  it.each(SCENARIOS)('GIVEN %s THEN every file declares exactly the objects its content holds', async (file) => {
    const { files } = renderScenario(file);
    for (const f of files) {
      const where = `${f.repo}:${f.path}`;
      expect(f.owner, where).toBeDefined();
      expect(f.origins?.length, where).toBeGreaterThan(0);
      const objects = f.objects!;
      const mine = objects.map(declared).filter((d) => !d.startsWith('doc '));
      const expected = await parsedObjects(f);
      expect(f.path.endsWith('.tf') ? [...mine].sort() : mine, where).toEqual(expected);
    }
  });

  it.each(SCENARIOS)("GIVEN %s THEN the kinds read from provenance are the kinds publish's summary used to parse out of the content", (file) => {
    for (const f of renderScenario(file).files) expect(fileKinds(f), `${f.repo}:${f.path}`).toEqual(kindsByRegex(f.path, f.content));
  });

  it.each(SCENARIOS)('GIVEN %s THEN the primary origin of each file is where check has always positioned it', (file) => {
    const { model, files } = renderScenario(file);
    const primary = primaryOrigins(files);
    for (const [key, origin] of fileOrigins(model)) {
      if (primary.has(key)) expect(primary.get(key), key).toEqual(origin);
    }
  });

  it('GIVEN the bundled apps.yaml THEN owners, origins and per-app objects name the app, the central maps and the consumers', () => {
    const { files } = renderScenario('apps.yaml');
    const get = (repo: string, p: string) => files.find((f) => f.repo === repo && f.path === p)!;
    const vso = get('tools', 'plausible/resources/vso.gen.yaml');
    expect(vso.owner).toEqual({ kind: 'app', app: 'plausible' });
    expect(vso.origins).toEqual([
      ['apps', 'plausible', 'manifests'],
      ['apps', 'plausible'],
      ['apps', 'plausible', 'secrets', 'config'],
      ['apps', 'plausible', 'secrets', 'geoip'],
      ['apps', 'plausible', 'database'],
    ]);
    const geoip = vso.objects!.find((o) => o.kind === 'kubernetes' && o.name === 'plausible-geoip')!;
    expect(geoip).toMatchObject({
      type: 'VaultStaticSecret',
      namespace: 'tools',
      owner: { kind: 'app', name: 'plausible' },
      origin: ['apps', 'plausible', 'secrets', 'geoip'],
    });
    const apps = get('tools', 'hashicorp-vault/iac/applications.gen.auto.tfvars');
    expect(apps.owner).toEqual({ kind: 'central' });
    expect(apps.objects!.map((o) => o.kind === 'tfvars' && `${o.key} ${o.owner.kind === 'central' ? 'central' : o.owner.name} ${o.origin.join('.')}`)).toEqual([
      'undefined central central.vault',
      'cms cms apps.cms',
      'crowdsec crowdsec apps.crowdsec',
      'erp erp apps.erp',
      'plausible plausible apps.plausible',
      'webapp webapp apps.webapp',
    ]);
    const consumers = get('tools', 'hashicorp-vault/iac/consumers.gen.tf');
    expect(consumers.objects!.map((o) => o.kind === 'tofu' && o.owner.kind === 'consumer' && `${o.address} ${o.owner.name} ${o.origin.join('.')}`)).toEqual([
      'data.vault_policy_document.factory_crowdsec_conf factory_crowdsec_conf consumers.factory_crowdsec_conf',
      'vault_policy.factory_crowdsec_conf factory_crowdsec_conf consumers.factory_crowdsec_conf',
      'vault_kubernetes_auth_backend_role.factory_crowdsec_conf factory_crowdsec_conf consumers.factory_crowdsec_conf',
    ]);
    expect(get('tools', '.joinkey/files.json')).toMatchObject({ owner: { kind: 'joinkey' }, origins: [['repos', 'tools']], objects: [] });
    expect(get('docs', 'secret-paths.gen.md').owner).toEqual({ kind: 'docs' });
    expect(get('docs', 'apps/erp.gen.md').owner).toEqual({ kind: 'app', app: 'erp' });
  });

  it('GIVEN the bundled apps.yaml THEN objectsByApp groups every app object by app, and consumers are no app', () => {
    const { model, files } = renderScenario('apps.yaml');
    const byApp = objectsByApp(files);
    expect([...byApp.keys()]).toEqual(model.apps.map((a) => a.name));
    const plausible = byApp.get('plausible')!.map((x) => `${x.repo}:${x.path} ${declared(x.object)}`);
    expect(plausible).toEqual([
      'tools:plausible/resources/vso.gen.yaml k8s secrets.hashicorp.com/v1beta1 VaultAuth tools/plausible',
      'tools:plausible/resources/vso.gen.yaml k8s secrets.hashicorp.com/v1beta1 VaultStaticSecret tools/plausible-config',
      'tools:plausible/resources/vso.gen.yaml k8s secrets.hashicorp.com/v1beta1 VaultStaticSecret tools/plausible-geoip',
      'tools:plausible/resources/vso.gen.yaml k8s secrets.hashicorp.com/v1beta1 VaultDynamicSecret tools/plausible-db-credentials',
      'tools:plausible/add-initcontainer.gen.yaml k8s apps/v1 Deployment tools/plausible',
      'tools:plausible/iac/app_roles.gen.tf tofu module.app_roles',
      'tools:plausible/iac/backend.gen.tf tofu terraform',
      'tools:plausible/iac/backend.gen.tf tofu provider.vault',
      'tools:plausible/iac/secrets.gen.tf tofu random_password.config',
      'tools:plausible/iac/secrets.gen.tf tofu vault_kv_secret_v2.config',
      'tools:hashicorp-vault/iac/applications.gen.auto.tfvars tfvars applications[plausible]',
      'factory:postgres/iac/databases.gen.auto.tfvars tfvars applications[plausible]',
      'docs:secret-paths.gen.md doc kvv2/plausible/config',
      'docs:secret-paths.gen.md doc kvv2/plausible/geoip',
      'docs:secret-paths.gen.md doc postgres/creds/plausible',
    ]);
    for (const list of byApp.values()) for (const x of list) expect(x.object.owner.kind).toBe('app');
  });

  it("GIVEN any valid apps.yaml THEN the declared objects match the content, and each app's files hold its objects", async () => {
    await fc.assert(
      fc.asyncProperty(appsDoc({ maxApps: 4 }), async (doc) => {
        const text = printYaml(doc);
        const { model } = loadModel('apps.yaml', text);
        const files = [...renderFiles(model)];
        for (const f of files) {
          const mine = f.objects!.map(declared).filter((d) => !d.startsWith('doc '));
          expect(f.path.endsWith('.tf') ? [...mine].sort() : mine, `${f.repo}:${f.path}\n${text}`).toEqual(await parsedObjects(f));
          expect(fileKinds(f), `${f.repo}:${f.path}`).toEqual(kindsByRegex(f.path, f.content));
        }
        const apps = new Set(model.apps.map((a) => a.name));
        const consumers = new Set(model.consumers.map((c) => c.name));
        for (const f of files) {
          // every origin is a key of apps.yaml's top level, an app or consumer entry, or the root
          for (const o of [...f.origins!, ...f.objects!.map((x) => x.origin)]) {
            if (o.length === 0) continue;
            expect(['apps', 'central', 'consumers', 'repos'], JSON.stringify(o)).toContain(o[0]);
            if (o[0] === 'apps' && o.length > 1) expect(apps.has(String(o[1])), JSON.stringify(o)).toBe(true);
            if (o[0] === 'consumers' && o.length > 1) expect(consumers.has(String(o[1])), JSON.stringify(o)).toBe(true);
          }
          if (f.owner!.kind === 'app') expect(apps.has(f.owner!.app)).toBe(true);
          for (const x of f.objects!) {
            if (x.owner.kind === 'app') expect(apps.has(x.owner.name)).toBe(true);
            if (x.owner.kind === 'consumer') expect(consumers.has(x.owner.name)).toBe(true);
          }
        }
        const byApp = objectsByApp(files);
        const index = appFileIndex(files);
        for (const app of model.apps) {
          const listed = new Set(index.filesOf(app.name).map((f) => `${f.repo}:${f.path}`));
          for (const x of byApp.get(app.name) ?? []) expect(listed.has(`${x.repo}:${x.path}`), `${app.name} ${x.path}`).toBe(true);
          for (const p of Object.values(app.target?.files ?? {})) if (p) expect(listed.has(`${app.target!.repo}:${p}`), p).toBe(true);
        }
      }),
      { ...propertyParams(80, 0.1), endOnFailure: true },
    );
  });
});

/**
 * The regex reading of object kinds that publish's summary used before it read the provenance:
 * kept as an oracle, so the PR's kind columns stay what reviewers saw.
 */
function kindsByRegex(path: string, content: string): string[] {
  if (path === OWNERSHIP_FILE) return ['ownership list'];
  const kinds = new Set<string>();
  if (/\.ya?ml$/.test(path)) {
    for (const m of content.matchAll(/^kind:\s*["']?([A-Za-z0-9.]+)/gm)) kinds.add(m[1]!);
  } else if (/\.tfvars$/.test(path)) {
    for (const m of content.matchAll(/^([A-Za-z_][A-Za-z0-9_-]*)\s*=/gm)) kinds.add(`var.${m[1]}`);
  } else if (/\.tf$/.test(path)) {
    for (const m of content.matchAll(/^(resource|data|module|terraform|provider|variable|output|locals)\b\s*(?:"([^"]+)")?/gm)) {
      const [, block, label] = m;
      kinds.add(block === 'resource' ? label! : block === 'data' ? `data.${label}` : block === 'module' ? `module.${label}` : block!);
    }
  } else if (path.endsWith('.md')) kinds.add('doc');
  if (!kinds.size) kinds.add(path.includes('.') ? path.slice(path.lastIndexOf('.') + 1) : 'file');
  return [...kinds].sort();
}
