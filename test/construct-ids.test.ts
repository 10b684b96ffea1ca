import fc from 'fast-check';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadUncheckedModel } from '../src/model';
import { constructId } from '../src/model/names';
import { renderTree } from '../src/render';
import { HEAD } from './helpers/check';
import { dbAppName, dnsLabel, PROTOTYPE_LABELS } from './support/arbitraries';

/**
 * Issue 13.12: cdk8s construct ids. constructs turns "/" in an id into "--" and keeps children
 * in a plain object, so ids built by joining names with "/" collide for names holding "--", and a
 * bare id "constructor" is taken before anything is added. joinkey's ids come from constructId;
 * the Kubernetes names are metadata.name, set explicitly.
 */

/** What constructs does to an id (sanitizeId): "/" and "\n" become "--". */
const sanitized = (id: string) => id.replace(/[/\n]/g, '--');

describe('constructId', () => {
  it('GIVEN the old "/"-joined ids THEN cdk8s itself rejects names with "--" and "constructor" (the bug this fixes)', () => {
    const chart = new Chart(new App({ outdir: '/nonexistent' }), 'c');
    new ApiObject(chart, 'auth/q/a-s--a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(() => new ApiObject(chart, 'auth/q--a-s/a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } })).toThrow(
      /There is already a Construct with name/,
    );
    expect(() => new Chart(new App({ outdir: '/nonexistent' }), 'constructor')).toThrow(/There is already a Construct with name 'constructor'/);
  });

  it('GIVEN parts that the old ids confused THEN the ids differ, also after constructs sanitizes them', () => {
    const pairs: [string[], string[]][] = [
      [
        ['q', 'a-s--a'],
        ['q--a-s', 'a'],
      ],
      [['a--b'], ['a', 'b']],
      [['a-b'], ['a--b']],
      [['a/b'], ['a', 'b']],
      [['a%2Db'], ['a-b']],
      [['a\nb'], ['a', 'b']],
      [[''], []],
    ];
    for (const [x, y] of pairs) {
      expect(sanitized(constructId('VaultAuth', ...x)), `${x} vs ${y}`).not.toBe(sanitized(constructId('VaultAuth', ...y)));
    }
    expect(constructId('VaultAuth', 'constructor')).toBe('VaultAuth/constructor');
    expect(constructId('Patch', 'Deployment', 'my-app')).toBe('Patch/Deployment/my%2Dapp');
  });

  it('GIVEN any parts THEN distinct part lists give distinct sanitized ids (injective), never a bare name', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '-', '/', '%', '2', 'D', '\n'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(part, { maxLength: 3 }), fc.array(part, { maxLength: 3 }), (x, y) => {
        const same = JSON.stringify(x) === JSON.stringify(y);
        expect(sanitized(constructId('K', ...x)) === sanitized(constructId('K', ...y))).toBe(same);
        expect(constructId('K', ...x).startsWith('K')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a kind that is not a plain word (the kind keeps ids apart from names)', () => {
    for (const bad of ['', 'a/b', 'a-b', '1x', 'constructor--']) expect(() => constructId(bad), bad).toThrow(/internal: construct kind/);
  });
});

describe('rendering names that used to collide', () => {
  const yaml = `${HEAD}
apps:
  constructor: { repo: tools, secrets: { prototype: { keys: [K] }, tostring: { keys: [K] } } }
  valueof: { repo: tools, database: { restart: [Deployment/constructor, StatefulSet/constructor, Deployment/a--b, Deployment/a-b], urlEnv: DATABASE_URL } }
  a-b: { repo: cms, database: false, secrets: { c--d: { keys: [K] }, c-d: { keys: [K] } } }
  a--b: { repo: cms, database: false, secrets: { c: { keys: [K] } } }
  a:
    repo: factory
    database: false
    serviceAccounts: [s--a]
    namespaces: [q, q--a-s]
    secrets:
      one: { keys: [K], serviceAccount: s--a, namespace: q }
      two: { keys: [K], namespace: q--a-s }
      b-c-d: { keys: [K], namespace: q }
`;

  it('GIVEN apps named constructor, valueof, a-b beside a--b, and two VaultAuths whose old ids were equal THEN synth renders every object with its explicit name', () => {
    // The render is what is under test: app "a" prefixing "a-b" is refused by check, not by the charts.
    const tree = renderTree(loadUncheckedModel('apps.yaml', yaml).model);
    const objects = (repo: string, path: string) =>
      parseAllDocuments(tree.get(repo)!.get(path)!).map((d) => {
        const j = d.toJS() as { kind: string; metadata: { namespace: string; name: string } };
        return `${j.kind} ${j.metadata.namespace}/${j.metadata.name}`;
      });
    expect(objects('tools', 'constructor/resources/vso.gen.yaml')).toEqual([
      'VaultAuth constructor/constructor',
      'VaultStaticSecret constructor/constructor-prototype',
      'VaultStaticSecret constructor/constructor-tostring',
      'VaultDynamicSecret constructor/constructor-db-credentials',
    ]);
    expect(objects('tools', 'valueof/add-initcontainer.gen.yaml')).toEqual([
      'Deployment valueof/a--b',
      'Deployment valueof/a-b',
      'Deployment valueof/constructor',
      'StatefulSet valueof/constructor',
    ]);
    expect(objects('cms', 'a-b/resources/vso.gen.yaml')).toEqual(['VaultAuth a-b/a-b', 'VaultStaticSecret a-b/a-b-c--d', 'VaultStaticSecret a-b/a-b-c-d']);
    expect(objects('cms', 'a--b/resources/vso.gen.yaml')).toEqual(['VaultAuth a--b/a--b', 'VaultStaticSecret a--b/a--b-c']);
    // app "a" secret "b-c-d" and app "a-b" secret "c-d" are both named a-b-c-d, each in its own namespace
    expect(objects('factory', 'a/resources/vso.gen.yaml')).toEqual([
      'VaultAuth q--a-s/a',
      'VaultAuth q/a',
      'VaultAuth q/a-s--a',
      'VaultStaticSecret q/a-b-c-d',
      'VaultStaticSecret q/a-one',
      'VaultStaticSecret q--a-s/a-two',
    ]);
  });
});

describe('the property generators reach these names', () => {
  it('GIVEN the name arbitraries every property uses THEN they produce names with "--" and prototype names, all valid labels', () => {
    const labels = fc.sample(dnsLabel(), { numRuns: 2000, seed: 7 });
    expect(labels.filter((n) => n.includes('--')).length).toBeGreaterThan(50);
    expect(labels.filter((n) => (PROTOTYPE_LABELS as readonly string[]).includes(n)).length).toBeGreaterThan(50);
    for (const n of labels) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const short = fc.sample(dnsLabel(20), { numRuns: 500, seed: 8 });
    expect(short.some((n) => n.includes('--'))).toBe(true);
    expect(short.every((n) => n.length <= 20)).toBe(true);
    expect(fc.sample(dbAppName, { numRuns: 1000, seed: 9 })).toContain('constructor');
  });
});
