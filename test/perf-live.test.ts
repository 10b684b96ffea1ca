import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { LineCounter, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { hcl2jsonParser, inventoryRepos } from '../src/inventory';
import { appLocator, emittedDocumentAt, type AppDirectory, type AppPlace } from '../src/live/from-inventory';
import { loadModel } from '../src/model';
import { renderFiles } from '../src/render';
import { propertyParams } from './support/params';

/**
 * The change plan's performance-only changes keep its results: the app of a path by a lookup per
 * path prefix, generated manifests' documents read by the emitter's inverse, and the two states'
 * parses shared by content.
 */

const root = path.resolve(__dirname, '..');

describe('appLocator', () => {
  /** The rule as first written: the place with the longest path that is the path or a directory above it. */
  const reference = (d: AppDirectory, repo: string, p: string) =>
    [...d.places].sort((a, b) => b.path.length - a.path.length).find((x) => x.repo === repo && (p === x.path || p.startsWith(`${x.path}/`)))?.app;

  it('GIVEN places nested, repeated, empty or with odd slashes THEN every path gets the app of the longest place it is under', () => {
    const seg = fc.constantFrom('a', 'b', 'iac', 'manifests', 'x.yaml', '', 'a.b');
    const relPath = fc.array(seg, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const place = fc.record({ app: fc.constantFrom('app1', 'app2', 'app3'), repo: fc.constantFrom('tools', 'factory'), path: relPath });
    fc.assert(
      fc.property(
        fc.array(place, { maxLength: 12 }),
        fc.array(fc.tuple(fc.constantFrom('tools', 'factory', 'cms'), relPath), { maxLength: 20 }),
        (places: AppPlace[], asks) => {
          const d: AppDirectory = { apps: ['app1', 'app2', 'app3'], places, keyedByApp: [] };
          const locate = appLocator(d);
          for (const [repo, p] of [
            ...asks,
            ...places.map((x): [string, string] => [x.repo, x.path]),
            ...places.map((x): [string, string] => [x.repo, `${x.path}/f.tf`]),
          ]) {
            expect(locate(undefined, p, '', repo), `${repo}:${p}`).toBe(reference(d, repo, p));
          }
        },
      ),
      propertyParams(1301),
    );
  });

  it('GIVEN a central module keyed by app THEN an unplaced resource gets the app of its first instance key', () => {
    const d: AppDirectory = {
      apps: ['plausible', 'cms'],
      places: [{ app: 'cms', repo: 'tools', path: 'cms' }],
      keyedByApp: [{ repo: 'factory', dir: 'vault/iac' }],
    };
    const locate = appLocator(d);
    const central = { repo: 'factory', dir: 'vault/iac' };
    expect(locate(central, 'vault/iac/main.tf', 'vault_policy.p["plausible"]')).toBe('plausible');
    expect(locate(central, 'vault/iac/main.tf', 'vault_policy.p["nobody"]')).toBeUndefined();
    expect(locate({ repo: 'tools', dir: 'x' }, 'cms/iac/main.tf', 'a.b["plausible"]')).toBe('cms');
    expect(locate({ repo: 'tools', dir: 'x' }, 'cmsx/main.tf', 'a.b["plausible"]')).toBeUndefined();
  });
});

describe('emittedDocumentAt', () => {
  const manifests = ['apps.yaml', 'test/scenarios/non-defaults.yaml', 'test/scenarios/minimal.yaml'].flatMap((file) => {
    const { model } = loadModel(path.basename(file), fs.readFileSync(path.join(root, file), 'utf8'));
    return [...renderFiles(model)].filter((f) => f.path.endsWith('.yaml')).map((f) => f.content);
  });

  /** What the change plan read before: `yaml`'s document whose range holds the line's first offset. */
  const byYaml = (text: string, line: number) => {
    const counter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: counter });
    const offset = counter.lineStarts[line - 1] ?? 0;
    return (docs.find((d) => d.range[0] <= offset && offset <= d.range[2]) ?? docs.at(-1))?.toJSON();
  };

  it('GIVEN every generated manifest THEN each line of a document gives that document, as yaml reads it; other lines give nothing', () => {
    expect(manifests.length).toBeGreaterThan(5);
    let answered = 0;
    for (const text of manifests) {
      const lines = text.split('\n').length - 1;
      for (let line = 1; line <= lines + 1; line++) {
        const fast = emittedDocumentAt(text, line);
        if (fast === undefined) {
          expect(line === 1 || line > lines || text.split('\n')[line - 1] === '---', `${line}`).toBe(true);
          continue;
        }
        answered++;
        expect(fast).toEqual(byYaml(text, line));
      }
    }
    expect(answered).toBeGreaterThan(manifests.length * 10);
  });

  it('GIVEN a manifest that is not exactly emitter output THEN it is left to yaml', () => {
    const text = manifests[0]!;
    for (const edited of [
      text.replace('\n', '\n\n'),
      text.replace(/\n {2}/, '\n   '),
      text.replace('apiVersion: ', 'apiVersion:  '),
      `${text}# trailing\n`,
      text.slice(1),
      '',
    ]) {
      expect(emittedDocumentAt(edited, 3)).toBeUndefined();
    }
  });
});

describe('shared parses', () => {
  it('GIVEN the same repos twice, and once with a file changed THEN a parser and reads shared across inventories give what fresh ones give', async () => {
    const { model } = loadModel('apps.yaml', fs.readFileSync(path.join(root, 'apps.yaml'), 'utf8'));
    const trees = new Map<string, Map<string, string>>();
    for (const f of renderFiles(model)) {
      if (!trees.has(f.repo)) trees.set(f.repo, new Map());
      trees.get(f.repo)!.set(f.path, f.content);
    }
    const changed = new Map([...trees].map(([repo, files]) => [repo, new Map(files)]));
    const [repo, files] = [...changed].find(([, fs]) => [...fs.keys()].some((p) => p.endsWith('.tf')))!;
    const tf = [...files.keys()].find((p) => p.endsWith('.tf'))!;
    files.set(tf, `${files.get(tf)!}\nresource "null_resource" "added" {}\n`);
    const yamlPath = [...changed.get(repo)!.keys()].find((p) => p.endsWith('.yaml'));
    if (yamlPath) files.set(yamlPath, files.get(yamlPath)!.replace('name: ', 'name: x'));

    const shared = { parser: hcl2jsonParser(), manifestReads: new Map() };
    const sharedRuns = [await inventoryRepos(trees, shared), await inventoryRepos(changed, shared), await inventoryRepos(trees, shared)];
    const fresh = [await inventoryRepos(trees), await inventoryRepos(changed)];
    expect(sharedRuns[0]).toEqual(fresh[0]);
    expect(sharedRuns[1]).toEqual(fresh[1]);
    expect(sharedRuns[2]).toEqual(fresh[0]);
    expect(sharedRuns[1]).not.toEqual(fresh[0]);
  });
});
