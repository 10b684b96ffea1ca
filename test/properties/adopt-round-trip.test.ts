import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hcl2jsonParser, inventoryRepos, type RepoTrees } from '../../src/inventory';
import { readReposDir } from '../../src/inventory/load';
import { loadModel } from '../../src/model';
import { DOCS_REPO } from '../../src/model/names';
import { renderTree } from '../../src/render';
import { adoptAndRender, liveFacts, withChildModules } from '../support/adopt';
import { appsDoc, dnsLabel, formatArb, generateOptions, printYaml, secretKey, type AppsDoc } from '../support/arbitraries';
import { handWrittenLookAlike } from '../support/look-alike';
import { propertyParams } from '../support/params';
import { PLATFORM_FIXTURE } from '../support/platform';

/**
 * The round trip of joinkey adopt: GIVEN a valid apps.yaml (the contract's arbitraries) WHEN it
 * is rendered, the render turned into hand-written look-alikes (markers and ownership lists gone,
 * files renamed, split and merged, YAML keys reordered, flow style and comments, HCL blocks in
 * another order, central files merged into the hand-written projects) and adopted, THEN the
 * adopted apps.yaml renders the same live objects: VSO objects with their Vault side and Secrets,
 * Vault and PostgreSQL identities, password arguments, app roles.
 */

const parser = hcl2jsonParser();

/** The hand-written projects the central files land in: the guidebook's Vault admin project (app_policy call, variables, modules) and factory's PostgreSQL project. */
const platform = readReposDir(PLATFORM_FIXTURE, ['tools', 'factory']);
const BASE: RepoTrees = new Map([
  [
    'tools',
    new Map([...platform.get('tools')!].filter(([p]) => p.startsWith('hashicorp-vault/iac/') && !p.endsWith('.tfvars') && !p.endsWith('factory_auth.tf'))),
  ],
  ['factory', new Map([...platform.get('factory')!].filter(([p]) => p.startsWith('postgres/iac/') && !p.endsWith('.tfvars')))],
]);

/**
 * What the hand-written platform can say, of a contract document: the central projects where
 * the guidebook has them, Vault settings that live objects show, no apps.yaml-only inventory
 * (admin-seeded key names, writes).
 */
/** What an app gets beyond the contract document: generated keys, the DATABASE_URL patch, and names that differ from the derivations. */
const extrasArb = fc.record({
  repo: fc.boolean(),
  generate: fc.uniqueArray(fc.tuple(secretKey, fc.option(generateOptions, { nil: undefined })), { maxLength: 3, selector: ([k]) => k }),
  workload: fc.option(dnsLabel(20), { nil: undefined }),
  urlEnv: fc.constantFrom('DATABASE_URL', 'PG_URL'),
  objectName: fc.option(dnsLabel(12), { nil: undefined }),
  secretName: fc.option(dnsLabel(12), { nil: undefined }),
  statePrefix: fc.boolean(),
  renameAuth: fc.boolean(),
});
type Extras = typeof extrasArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * What the hand-written platform can say, of a contract document: the central projects where
 * the guidebook has them, Vault settings that live objects show, no apps.yaml-only inventory
 * (admin-seeded key names, writes); and most apps with an IaC project and manifests, with the
 * extras, since that is where adopt has most to read.
 */
function adoptable(doc: AppsDoc, extras: readonly Extras[]): AppsDoc {
  const { vault: _vault, central: _central, gitea: _gitea, ...rest } = doc;
  const apps = Object.fromEntries(
    Object.entries(doc.apps).map(([name, app], i) => {
      const { writes: _writes, ...a } = app as AppsDoc['apps'][string] & Record<string, unknown>;
      const x = extras[i]!;
      const secrets: Record<string, Record<string, unknown>> = Object.fromEntries(
        Object.entries(a.secrets ?? {}).map(([s, spec]) => [s, Object.fromEntries(Object.entries(spec).filter(([k]) => k !== 'keys'))]),
      );
      const repo = a.repo ?? (x.repo ? 'tools' : undefined);
      if (repo === undefined) return [name, { ...a, ...(Object.keys(secrets).length ? { secrets } : {}) }];
      const out: Record<string, unknown> = { ...a, repo };
      if (x.generate.length && !Object.hasOwn(secrets, 'adopted'))
        secrets.adopted = {
          generate: x.generate.map(([k, o]) => (o ? { [k]: o } : k)),
          ...(x.objectName ? { objectName: `${name}-o-${x.objectName}` } : {}),
          ...(x.secretName ? { secretName: `${name}-s-${x.secretName}` } : {}),
        };
      if (Object.keys(secrets).length) out.secrets = secrets;
      const templates = String(a.manifests ?? '')
        .split('/')
        .includes('templates');
      if (a.database !== false && x.workload && !templates) {
        const db = typeof a.database === 'object' ? a.database : {};
        out.database = { ...db, restart: [...new Set([...(db.restart ?? []), `Deployment/${x.workload}`])], urlEnv: x.urlEnv };
      }
      if (x.statePrefix) out.statePrefix = `legacy/${name}/state`;
      if (x.renameAuth) out.vaultAuthNames = { [name]: `${name}-login` };
      return [name, out];
    }),
  );
  const repos = { tools: { url: 'ssh://git@gitea.example.lab/org/tools.git' }, factory: { url: 'ssh://git@gitea.example.lab/org/factory.git' }, ...doc.repos };
  return { ...rest, repos, apps };
}

const render = (text: string) => new Map([...renderTree(loadModel('apps.yaml', text).model)].filter(([repo]) => repo !== DOCS_REPO));

describe('adopt round trip', () => {
  test('GIVEN a rendered apps.yaml turned into hand-written look-alikes WHEN adopted THEN the same live objects come back', async () => {
    await fc.assert(
      fc.asyncProperty(appsDoc({ maxApps: 4, allowEmpty: false }), formatArb, fc.array(extrasArb, { minLength: 4, maxLength: 4 }), async (raw, fmt, extras) => {
        const doc = adoptable(raw, extras);
        const original = render(printYaml(doc));
        const hand = handWrittenLookAlike(original, BASE, fmt);
        const urls = new Map(Object.entries(doc.repos).map(([id, r]) => [id, r.url]));
        const adopted = await adoptAndRender(hand, parser, urls);
        const conflicts = adopted.result.findings.filter((f) => f.rule === 'adopt-conflict' || f.rule === 'adopt-unmapped');
        expect(conflicts).toEqual([]);
        const before = await liveFacts(withChildModules(original, BASE), parser);
        const after = await liveFacts(withChildModules(adopted.render, BASE), parser);
        expect(after.vso).toEqual(before.vso);
        expect(after.objects).toEqual(before.objects);
        expect(after.passwords).toEqual(before.passwords);
        expect(after.appRoles).toEqual(before.appRoles);
        // the DATABASE_URL patches: the same workloads, containers, host and file
        const patches = (r: RepoTrees) =>
          [...r].flatMap(([repo, files]) => [...files].filter(([p]) => p.endsWith('add-initcontainer.gen.yaml')).map(([p, c]) => `${repo}/${p}\n${c}`));
        expect(patches(adopted.render)).toEqual(patches(original));
        const identities = async (r: RepoTrees) =>
          [
            ...new Set(
              (
                await inventoryRepos(
                  withChildModules(new Map([...BASE, ...r].map(([k]) => [k, new Map([...(BASE.get(k) ?? []), ...(r.get(k) ?? [])])])), BASE),
                  { parser },
                )
              ).identities.map((i) => `${i.kind} ${i.name}`),
            ),
          ].sort();
        expect(await identities(adopted.render)).toEqual(await identities(original));
      }),
      propertyParams(1001, 0.25),
    );
  }, 300_000);
});
