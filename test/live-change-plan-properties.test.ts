import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hcl2jsonParser, inventoryRepos, publishedTrees, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { appDirectory, liveChangePlan, liveInputs, type KubeObject, type LiveEffect, type LiveResource } from '../src/live';
import { canonicalValue, META_ARGUMENTS } from '../src/live/replacement';
import { kubeIdentity } from '../src/live/plan';
import { loadModel, type Model } from '../src/model';
import { renderTree } from '../src/render';
import { appsDoc, printYaml, type AppsDoc } from './support/arbitraries';
import { propertyParams } from './support/params';

/**
 * Issue 9's acceptance, part 3: over generated sequences of apps.yaml edits, each render published
 * over the last, the change plan classifies every added, removed or changed address and object
 * exactly once, and removing an app with a database is always a stateful destroy. The central
 * Vault and PostgreSQL projects are the fixture's hand-written ones, placed where each document
 * puts its central files (the render only writes their tfvars).
 */

const FIXTURE = readReposDir(join(__dirname, 'fixtures', 'platform'), ['tools', 'factory']);
const parser = hcl2jsonParser();

type Edit =
  | { readonly kind: 'remove-app'; readonly pick: number }
  | { readonly kind: 'drop-database'; readonly pick: number }
  | { readonly kind: 'secret-length'; readonly pick: number; readonly length: number }
  | { readonly kind: 'rename-secret'; readonly pick: number }
  | { readonly kind: 'remove-secret'; readonly pick: number }
  | { readonly kind: 'add-key'; readonly pick: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('remove-app' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('drop-database' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('secret-length' as const), pick: fc.nat(), length: fc.integer({ min: 16, max: 256 }) }),
  fc.record({ kind: fc.constant('rename-secret' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('remove-secret' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add-key' as const), pick: fc.nat() }),
);

const pickOf = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

/** The edited document, or undefined when the edit does not apply to it. */
function applyEdit(doc: AppsDoc, edit: Edit): AppsDoc | undefined {
  const next = structuredClone(doc);
  const apps = Object.keys(next.apps).sort();
  const name = pickOf(apps, edit.pick);
  if (name === undefined) return undefined;
  const app = next.apps[name]!;
  const secrets = Object.keys(app.secrets ?? {}).sort();
  const generated = secrets.filter((s) => app.secrets![s]!.generate?.length);
  switch (edit.kind) {
    case 'remove-app':
      delete next.apps[name];
      if (next.consumers) {
        for (const [c, spec] of Object.entries(next.consumers)) {
          spec.reads = spec.reads.filter((r) => !r.startsWith(`${name}/`));
          if (!spec.reads.length) delete next.consumers[c];
        }
        if (!Object.keys(next.consumers).length) delete next.consumers;
      }
      return next;
    case 'drop-database':
      if (app.database === false) return undefined;
      app.database = false;
      return next;
    case 'secret-length': {
      const s = pickOf(generated, edit.pick);
      if (s === undefined) return undefined;
      app.secrets![s]!.length = edit.length;
      return next;
    }
    case 'add-key': {
      const s = pickOf(generated, edit.pick);
      if (s === undefined || app.secrets![s]!.generate!.includes('ADDED_KEY')) return undefined;
      app.secrets![s]!.generate = [...app.secrets![s]!.generate!, 'ADDED_KEY'];
      return next;
    }
    case 'rename-secret':
    case 'remove-secret': {
      const s = pickOf(secrets, edit.pick);
      if (s === undefined) return undefined;
      const spec = app.secrets![s]!;
      delete app.secrets![s];
      if (edit.kind === 'rename-secret') {
        if (app.secrets![`${s}-x`] !== undefined || `${s}-x`.length > 20) return undefined;
        app.secrets![`${s}-x`] = spec;
      }
      return next;
    }
  }
}

const modelOf = (doc: AppsDoc): Model | undefined => {
  try {
    return loadModel('apps.yaml', printYaml(doc)).model;
  } catch {
    return undefined;
  }
};

/** The fixture's central Vault and PostgreSQL projects at the document's central places. */
function platformFor(model: Model): RepoTrees {
  const trees = new Map<string, Map<string, string>>();
  const place = (repo: string, dir: string, from: ReadonlyMap<string, string>, under: string) => {
    const files = trees.get(repo) ?? new Map<string, string>();
    for (const [path, content] of from) {
      if (!path.startsWith(`${under}/`) || !path.endsWith('.tf')) continue;
      files.set(`${dir}/${path.slice(under.length + 1)}`, content);
    }
    trees.set(repo, files);
  };
  place(model.central.vault.repo, model.central.vault.dir, FIXTURE.get('tools')!, 'hashicorp-vault/iac');
  place(model.central.postgres.repo, model.central.postgres.dir, FIXTURE.get('factory')!, 'postgres/iac');
  return trees;
}

/** The arguments the provider sees: for_each, count and the other meta-arguments change no live object. */
const providerArgs = (r: LiveResource) => Object.fromEntries(Object.entries(r.args).filter(([k]) => !META_ARGUMENTS.has(k)));
const resourceKey = (r: LiveResource) => `${r.repo}/${r.module}\u0000${r.address}`;
const objectKey = (o: KubeObject) => `${o.repo}\u0000${kubeIdentity(o)}`;
const effectKey = (e: LiveEffect) => (e.object === 'tofu' ? `${e.repo}/${e.module}\u0000${e.address}` : `${e.repo}\u0000${e.identity}`);

/** Keys added, removed or changed between two indexes (the first declaration of a duplicate counts, as in the planner). */
function changedKeys<T>(before: readonly T[], after: readonly T[], key: (x: T) => string, value: (x: T) => string): Set<string> {
  const index = (xs: readonly T[]) => {
    const m = new Map<string, string>();
    for (const x of xs) if (!m.has(key(x))) m.set(key(x), value(x));
    return m;
  };
  const b = index(before);
  const a = index(after);
  return new Set([...b.keys(), ...a.keys()].filter((k) => b.get(k) !== a.get(k)));
}

describe('the change plan over generated apps.yaml edit sequences', () => {
  test('every added, removed or changed address and object gets exactly one effect; removing an app with a database is a stateful destroy', async () => {
    // one app with manifests, IaC and a generated secret in a repo, so that edits reach VSO objects and random_password
    const withTarget = (d: AppsDoc): AppsDoc => ({
      ...d,
      apps: { ...d.apps, zzgen: { repo: Object.keys(d.repos).sort()[0]!, secrets: { cfg: { generate: ['K1', 'K2'] }, seeded: { keys: ['TOKEN'] } } } },
    });
    const docArb = appsDoc({ maxApps: 2, allowEmpty: false })
      .map(withTarget)
      .filter((d) => {
        const m = modelOf(d);
        return m !== undefined && `${m.central.vault.repo}/${m.central.vault.dir}` !== `${m.central.postgres.repo}/${m.central.postgres.dir}`;
      });
    await fc.assert(
      fc.asyncProperty(docArb, fc.array(editArb, { minLength: 1, maxLength: 3 }), async (doc, edits) => {
        let prevDoc = doc;
        let prevModel = modelOf(doc)!;
        let trees = publishedTrees(platformFor(prevModel), renderTree(prevModel));
        for (const edit of edits) {
          const nextDoc = applyEdit(prevDoc, edit);
          const nextModel = nextDoc && modelOf(nextDoc);
          if (!nextDoc || !nextModel) continue;
          const nextTrees = publishedTrees(trees, renderTree(nextModel));
          const apps = appDirectory(prevModel, nextModel);
          const deployedApps = nextModel.apps.map((a) => a.name);
          const plan = await liveChangePlan(trees, nextTrees, { parser, apps, deployedApps });

          const [b, a] = await Promise.all([trees, nextTrees].map(async (t) => liveInputs(await inventoryRepos(t, { parser }), t, { parser, apps })));
          const changedResources = changedKeys(b!.resources, a!.resources, resourceKey, (r) => `${r.type}\u0000${canonicalValue(providerArgs(r))}`);
          const changedObjects = changedKeys(b!.objects, a!.objects, objectKey, (o) => canonicalValue({ ...o, app: undefined }));
          const counts = new Map<string, number>();
          for (const e of plan.effects) counts.set(effectKey(e), (counts.get(effectKey(e)) ?? 0) + 1);
          // exactly one effect for each changed key
          for (const k of [...changedResources, ...changedObjects]) expect({ edit, key: k, effects: counts.get(k) ?? 0 }).toEqual({ edit, key: k, effects: 1 });
          for (const [k, n] of counts) expect({ key: k, n }).toEqual({ key: k, n: 1 });
          // an effect on an unchanged address is the data a rotation changes
          for (const e of plan.effects) {
            if (changedResources.has(effectKey(e)) || changedObjects.has(effectKey(e))) continue;
            expect(e.object === 'tofu' && e.effect === 'update' && e.rotation !== undefined).toBe(true);
          }
          // an app with a database that is gone, or loses it: its database is a stateful destroy
          const pg = prevModel.central.postgres;
          for (const app of prevModel.apps.filter((x) => x.database)) {
            const now = nextModel.apps.find((x) => x.name === app.name);
            if (now?.database) continue;
            const destroy = plan.stateful.find(
              (e) => e.object === 'tofu' && e.repo === pg.repo && e.module === pg.dir && e.address === `postgresql_database.app[${JSON.stringify(app.name)}]`,
            );
            expect({ app: app.name, edit, destroy: destroy?.effect }).toEqual({ app: app.name, edit, destroy: 'destroy' });
            expect(destroy!.dataEffect).toMatch(new RegExp(`^DROP DATABASE ${app.database!.name} WITH \\(FORCE\\)`));
          }
          // a generated secret whose length changed rotates
          if (edit.kind === 'secret-length') {
            const rotated = plan.stateful.filter((e) => e.effect === 'rotate');
            const before = prevModel.apps.flatMap((x) => x.secrets.filter((s) => s.generate.length).map((s) => `${x.name}/${s.name}/${s.length}`));
            const after = new Set(nextModel.apps.flatMap((x) => x.secrets.filter((s) => s.generate.length).map((s) => `${x.name}/${s.name}/${s.length}`)));
            if (before.some((s) => !after.has(s))) expect(rotated.length).toBeGreaterThan(0);
          }
          prevDoc = nextDoc;
          prevModel = nextModel;
          trees = nextTrees;
        }
      }),
      propertyParams(910, 0.15),
    );
  }, 300_000);
});
