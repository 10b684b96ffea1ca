import { parse as parseHcl } from '@cdktn/hcl2json';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model';
import { renderTree } from '../../src/render';
import { appsDoc, printYaml } from '../support/arbitraries';
import { propertyParams } from '../support/params';

// Property 4, join-key consistency: GIVEN any valid apps.yaml, THEN for every app the names in its
// VaultAuths, VaultStaticSecrets, VaultDynamicSecret, the applications map, the module call, the
// backend, the factory entry and the inventory agree with the contract's table (apps-yaml.md). The
// expectations are written here from the table and checked on the parsed output; the namer is not used.

type J = Record<string, any>;
const first = (v: unknown): J => (Array.isArray(v) ? v[0] : v) as J;
beforeAll(async () => {
  await parseHcl('warmup.tf', 'a = 1\n');
});

describe('property 4: join-key consistency', () => {
  it("every generated name of every app is the contract's name for it", async () => {
    await fc.assert(
      fc.asyncProperty(appsDoc({ maxApps: 4 }), async (doc) => {
        const text = printYaml(doc);
        const tree = renderTree(loadModel('apps.yaml', text).model);
        const file = (repo: string, p: string) => tree.get(repo)?.get(p);
        const kv = doc.vault?.mounts?.kv ?? 'kvv2';
        const dbMount = doc.vault?.mounts?.database ?? 'postgres';
        const cv = { repo: doc.central?.vault?.repo ?? 'tools', dir: doc.central?.vault?.dir ?? 'hashicorp-vault/iac' };
        const cp = { repo: doc.central?.postgres?.repo ?? 'factory', dir: doc.central?.postgres?.dir ?? 'postgres/iac' };
        const applications = first(((await parseHcl('a.tfvars', file(cv.repo, `${cv.dir}/applications.gen.auto.tfvars`)!)) as J).applications);
        const databases = first(((await parseHcl('d.tfvars', file(cp.repo, `${cp.dir}/databases.gen.auto.tfvars`)!)) as J).applications);
        const inventory = file('docs', 'secret-paths.gen.md')!;
        for (const [app, spec] of Object.entries(doc.apps)) {
          const ctx = `${app}\n${text}`;
          const hasDb = spec.database !== false;
          const dbName = typeof spec.database === 'object' && spec.database.name ? spec.database.name : app;
          const ns = spec.namespace ?? app;
          expect(applications?.[app], ctx).toBeDefined();
          if (hasDb) expect(first(databases?.[app]), ctx).toEqual({ role: `${app}_role`, database: dbName });
          else expect(databases?.[app], ctx).toBeUndefined();
          for (const s of Object.keys(spec.secrets ?? {})) expect(inventory, ctx).toContain(`| \`${kv}/${app}/${s}\` |`);
          if (hasDb) expect(inventory, ctx).toContain(`| \`${dbMount}/creds/${app}\` |`);
          if (!spec.repo) continue;
          const iac = spec.iac ?? `${app}/iac`;
          const mod = first(first(((await parseHcl('r.tf', file(spec.repo, `${iac}/app_roles.gen.tf`)!)) as J).module).app_roles);
          expect(mod.name, ctx).toBe(app);
          if (hasDb) expect(mod.database, ctx).toBe(dbName);
          else expect(mod.disable_database, ctx).toBe(true);
          const backend = first(first(((await parseHcl('b.tf', file(spec.repo, `${iac}/backend.gen.tf`)!)) as J).terraform).backend).gcs;
          expect(first(backend).prefix, ctx).toBe(`${spec.repo}/${app}/main`);
          const vso = file(spec.repo, `${spec.manifests ?? `${app}/resources`}/vso.gen.yaml`);
          const secrets = Object.entries(spec.secrets ?? {});
          if (!hasDb && secrets.length === 0) {
            expect(vso, ctx).toBeUndefined();
            continue;
          }
          const objs = parseAllDocuments(vso!).map((d) => d.toJS() as J);
          const of = (kind: string) => objs.filter((o) => o.kind === kind);
          const auths = of('VaultAuth');
          for (const a of auths) {
            const sa = a.spec.kubernetes.serviceAccount;
            expect(a.metadata.name, ctx).toBe(sa === app ? app : `${app}-${sa}`);
            expect(a.spec.kubernetes.role, ctx).toBe(app);
          }
          const authIn = (name: string, namespace: string) => auths.some((a) => a.metadata.name === name && a.metadata.namespace === namespace);
          for (const [s, ss] of secrets) {
            const o = of('VaultStaticSecret').find((x) => x.metadata.name === `${app}-${s}`);
            expect(o, ctx).toBeDefined();
            expect([o!.spec.path, o!.spec.mount, o!.spec.destination.name, o!.metadata.namespace], ctx).toEqual([
              `${app}/${s}`,
              kv,
              `${app}-${s}`,
              ss.namespace ?? ns,
            ]);
            const sa = ss.serviceAccount ?? app;
            expect(o!.spec.vaultAuthRef, ctx).toBe(sa === app ? app : `${app}-${sa}`);
            expect(authIn(o!.spec.vaultAuthRef, o!.metadata.namespace), ctx).toBe(true);
          }
          const dyn = of('VaultDynamicSecret');
          if (hasDb) {
            expect(
              dyn.map((d) => [d.metadata.name, d.metadata.namespace, d.spec.path, d.spec.mount, d.spec.destination.name, d.spec.vaultAuthRef]),
              ctx,
            ).toEqual([[`${app}-db-credentials`, ns, `creds/${app}`, dbMount, `${app}-db-credentials`, app]]);
            expect(authIn(app, ns), ctx).toBe(true);
          } else expect(dyn, ctx).toEqual([]);
        }
      }),
      propertyParams(40, 0.5),
    );
  });
});
