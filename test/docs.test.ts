import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, test } from 'vitest';
import { appDiagram, inventoryRows, mermaidText, renderDocs } from '../src/docs';
import { DOCS_REPO, markerLine } from '../src/render/files';
import { HEAD, load } from './helpers/check';

const APPS_YAML = readFileSync(join(__dirname, '..', 'apps.yaml'), 'utf8');
const SCENARIO = `${HEAD}
vault: { mounts: { kv: secret, database: pg, kubernetes: k8s, jwt: ci_jwt } }
apps:
  a1:
    repo: tools
    namespace: edge
    namespaces: [batch]
    serviceAccounts: [worker, cron]
    database: { name: shop_main, restart: [StatefulSet/db-user, Deployment/api] }
    secrets:
      config: { generate: [KEY] }
      seeded: { keys: [LICENSE_KEY], serviceAccount: worker, namespace: batch }
  plain: { database: false }
`;

type Mermaid = { parse(text: string): Promise<unknown>; initialize(c: object): void };
let mermaid: Mermaid;

beforeAll(async () => {
  // Mermaid needs a DOM (DOMPurify); jsdom provides one in Node
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = ((await import('mermaid')) as unknown as { default: Mermaid }).default;
  mermaid.initialize({ startOnLoad: false });
}, 60_000);

const mermaidBlocks = (md: string) => [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs', () => {
  test('GIVEN the default apps.yaml THEN the inventory has a row per secret, write and database plus the admin rows, sorted', () => {
    const { model } = load(APPS_YAML);
    expect(inventoryRows(model).map((r) => `${r.path} | ${r.engine} | ${r.producer}`)).toEqual([
      'kvv2/cms/cloudflared | KV v2 | app CI (KV CRUD via `cms-ops`)',
      'kvv2/cms/factory/turnstile | KV v2 | cms IaC (`vault_kv_secret_v2`)',
      'kvv2/plausible/config | KV v2 | plausible IaC (`random_password` -> `vault_kv_secret_v2`)',
      'kvv2/plausible/geoip | KV v2 | admin-seeded',
      'postgres/creds/crowdsec | database | Vault on demand (role `crowdsec`, `GRANT crowdsec_role`)',
      'postgres/creds/erp | database | Vault on demand (role `erp`, `GRANT erp_role`)',
      'postgres/creds/plausible | database | Vault on demand (role `plausible`, `GRANT plausible_role`)',
      'postgres/creds/webapp | database | Vault on demand (role `webapp`, `GRANT webapp_role`)',
      'transit/.../vso-client-cache | transit | Vault admin IaC',
      'kvv1/cloudflare/<app>* | KV v1 | admin',
      'kvv1/ovh/<app>* | KV v1 | admin',
      'kvv1/gitea/tofu_module_reader | KV v1 | admin',
      'kvv1/google/credentials | KV v1 | admin',
    ]);
    const turnstile = inventoryRows(model).find((r) => r.path === 'kvv2/cms/factory/turnstile')!;
    expect(turnstile.consumer).toBe('`factory_crowdsec_conf` k8s role (SA factory-ansible-tool-crowdsec-traefik-plugin in ns kube-system)');
  });

  test('GIVEN any model THEN renderDocs writes docs/secret-paths.gen.md and one page per app, each starting with the marker', () => {
    const { model } = load(APPS_YAML);
    const files = renderDocs(model, []);
    expect(files.map((f) => `${f.repo}:${f.path}`)).toEqual([
      'docs:secret-paths.gen.md',
      'docs:apps/cms.gen.md',
      'docs:apps/crowdsec.gen.md',
      'docs:apps/erp.gen.md',
      'docs:apps/plausible.gen.md',
      'docs:apps/webapp.gen.md',
    ]);
    for (const f of files) {
      expect(f.repo).toBe(DOCS_REPO);
      expect(f.content.split('\n')[0]).toBe(markerLine(f.path));
    }
    expect(files[0]!.content).toContain(
      '| `kvv2/plausible/geoip` | KV v2 | LICENSE_KEY | admin-seeded | `VaultStaticSecret plausible-geoip` -> Secret `plausible-geoip` (ns tools) |\n',
    );
  });

  test('GIVEN the default apps.yaml and a scenario with custom mounts, several SAs and namespaces THEN every diagram parses with Mermaid itself', async () => {
    for (const yaml of [APPS_YAML, SCENARIO]) {
      const { model } = load(yaml);
      const pages = renderDocs(model, []).filter((f) => f.path.startsWith('apps/'));
      expect(pages).toHaveLength(model.apps.length);
      for (const page of pages) {
        const [diagram] = mermaidBlocks(page.content);
        expect(diagram, page.path).toBeDefined();
        await expect(mermaid.parse(diagram!), page.path).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
      }
    }
    const a1 = appDiagram(load(SCENARIO).model, load(SCENARIO).model.apps[0]!);
    expect(a1).toContain('KKUB["k8s auth<br>role a1<br>SA a1, cron, worker<br>AND ns a1, batch, edge"]:::auth');
    expect(a1).toContain('VA0["VaultAuth a1-worker<br>ns batch, SA worker"]:::crd');
    expect(a1).toContain('  FACT -. "must exist first" .-> PG');
  });

  test('GIVEN label text with quotes, angle brackets, # and & THEN mermaidText escapes it so Mermaid parses it and shows it as written', async () => {
    const nasty = 'say "hi" <b>#1</b> & more';
    expect(mermaidText(nasty)).toBe('say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; #amp; more');
    await expect(mermaid.parse(`flowchart TB\n  A["${mermaidText(nasty)}"] --> B`)).resolves.toBeTruthy();
    // the parser is real: the same label unescaped is rejected
    await expect(mermaid.parse(`flowchart TB\n  A["${nasty}"] --> B`)).rejects.toThrow(/Parse error/);
  });
});
