import { join, posix } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { findLiveConflicts, hcl2jsonParser, inventoryRepos, type Inventory, type RepoTrees } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';

/**
 * The conflict finder over classes of input, not one example: every object file and every .tf
 * file of the fixture, copied beside itself, must give one finding per object or block it
 * declares, each pointing at both copies; and dropping any one file never makes a conflict.
 */

const parser = hcl2jsonParser();
const trees = readReposDir(join(__dirname, 'fixtures', 'platform'), ['tools', 'factory', 'cms']);
let base: Inventory;
beforeAll(async () => {
  base = await inventoryRepos(trees, { parser });
}, 60_000);

const withFile = (repo: string, path: string, content: string): RepoTrees =>
  new Map([...trees].map(([r, f]) => [r, r === repo ? new Map([...f, [path, content]]) : f]));
const copyPath = (path: string) => posix.join(posix.dirname(path), `copy-${posix.basename(path)}`);

describe('a file copied beside itself', () => {
  test('GIVEN each file declaring Kubernetes objects THEN one duplicate per named object, at both copies', async () => {
    const files = [...new Set(base.objects.filter((o) => o.name).map((o) => `${o.at.repo}:${o.at.path}`))];
    expect(files.length).toBeGreaterThanOrEqual(8);
    let errors = 0;
    for (const f of files) {
      const [repo, path] = f.split(':') as [string, string];
      const copy = copyPath(path);
      const inv = await inventoryRepos(withFile(repo, copy, trees.get(repo)!.get(path)!), { parser });
      const objects = base.objects.filter((o) => o.at.repo === repo && o.at.path === path && o.name);
      // the copy is no kustomization's resource, so it keeps the namespace it declares: an object
      // without one collides once applied there (a warning), one with its own is a plain duplicate
      const dup = findLiveConflicts(inv).filter(
        (x) => x.rule === 'live-duplicate-object' && (x.file === `${repo}/${copy}` || x.related.file === `${repo}/${copy}`),
      );
      expect(
        dup.map((x) => [x.file, x.related.file].sort()),
        f,
      ).toEqual(objects.map(() => [`${repo}/${copy}`, `${repo}/${path}`].sort()));
      const lines = dup.map((x) => (x.file === `${repo}/${path}` ? x.line : x.related.line));
      expect(lines.sort(), f).toEqual(objects.map((o) => o.at.line).sort());
      errors += dup.filter((x) => x.severity === 'error').length;
    }
    expect(errors).toBeGreaterThanOrEqual(1);
  });

  test('GIVEN each .tf file THEN one duplicate per backend, required_providers, default provider, module call and resource it holds', async () => {
    let total = 0;
    for (const m of base.modules) {
      for (const path of m.files.filter((p) => p.endsWith('.tf'))) {
        const copy = copyPath(path);
        const inv = await inventoryRepos(withFile(m.repo, copy, trees.get(m.repo)!.get(path)!), { parser });
        const here = (b: { at: { path: string } }) => b.at.path === path;
        const counts = {
          'live-duplicate-backend': m.backends.filter(here).length,
          'live-duplicate-required-providers': m.requiredProviders.filter(here).length,
          'live-duplicate-provider': m.providers.filter(here).length,
          'live-duplicate-module': m.modules.filter(here).length,
          'live-duplicate-resource': m.resources.filter(here).length,
        };
        const found = findLiveConflicts(inv).filter((x) => x.file === `${m.repo}/${copy}` || x.related.file === `${m.repo}/${copy}`);
        for (const [rule, n] of Object.entries(counts))
          expect(
            found.filter((x) => x.rule === rule),
            `${m.repo}/${path} ${rule}`,
          ).toHaveLength(n);
        total += Object.values(counts).reduce((a, b) => a + b, 0);
        // a module's first backend and each extra one, all at both files
        for (const x of found.filter((y) => y.rule !== 'live-duplicate-identity'))
          expect([x.file, x.related.file].sort()).toEqual([`${m.repo}/${copy}`, `${m.repo}/${path}`].sort());
      }
    }
    expect(total).toBeGreaterThanOrEqual(30);
  }, 120_000);
});

describe('a root module copied to another directory', () => {
  test('GIVEN each root module copied whole THEN one duplicate identity per Vault or PostgreSQL object it manages', async () => {
    let total = 0;
    for (const m of base.modules.filter((x) => !x.child)) {
      const ids = base.identities.filter((i) => i.module.repo === m.repo && i.module.dir === m.dir);
      const copyDir = `jk-copy/${m.dir}`;
      const files = trees.get(m.repo)!;
      const added = new Map([...files].filter(([p]) => posix.dirname(p) === m.dir).map(([p, c]) => [`${copyDir}/${posix.basename(p)}`, c]));
      const inv = await inventoryRepos(new Map([...trees].map(([r, f]) => [r, r === m.repo ? new Map([...f, ...added]) : f])), { parser });
      const found = findLiveConflicts(inv).filter(
        (x) => x.rule === 'live-duplicate-identity' && (x.file.startsWith(`${m.repo}/${copyDir}/`) || x.related.file.startsWith(`${m.repo}/${copyDir}/`)),
      );
      expect(found, `${m.repo}/${m.dir}`).toHaveLength(ids.length);
      for (const x of found) expect(x.message).toContain(`in ${m.repo}/${m.dir}`);
      // the copies' own blocks are in another module: no module-level duplicate
      expect(findLiveConflicts(inv).filter((x) => x.rule !== 'live-duplicate-identity')).toEqual([]);
      total += ids.length;
    }
    expect(total).toBeGreaterThanOrEqual(30);
  }, 120_000);
});

describe('a file removed', () => {
  test('GIVEN the fixture minus any one file THEN no conflict appears', async () => {
    for (const [repo, files] of trees) {
      for (const path of files.keys()) {
        const without = new Map([...trees].map(([r, f]) => [r, r === repo ? new Map([...f].filter(([p]) => p !== path)) : f]));
        expect(findLiveConflicts(await inventoryRepos(without, { parser })), `${repo}/${path}`).toEqual([]);
      }
    }
  }, 120_000);
});
