import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors';
import { loadModel } from '../../src/model';
import { DOCS_REPO } from '../../src/model/names';
import { renderFiles } from '../../src/render';
import { propertyParams } from '../support/params';

// Environments keep apart what they must: GIVEN an apps.yaml with two or three environments,
// each on its own branch or dir and its own state bucket or prefix, with apps limited to some of
// them and per-environment overrides, THEN across environments no published file target (repo
// url + branch + path), no tofu state location and no generated secret's state is shared, and an
// app limited to some environments appears in no other environment's output, not even in text.
// AND GIVEN two environments made to share a branch or a state location, THEN loading refuses the
// file with the cross-environment rule, naming both.

const ENV_NAMES = ['prod', 'sandbox', 'staging', 'dev'] as const;
/** App and secret names that occur nowhere else in the output, so a text search finds only them. */
const APP_NAMES = ['appquux', 'appzork', 'appwibble', 'appfrob', 'appgrault'] as const;
const REPOS = { tools: 'ssh://git@h/org/tools.git', factory: 'ssh://git@h/org/factory.git' };

interface Layout {
  readonly repo: 'inherit' | 'branch' | 'path';
  readonly state: 'inherit' | 'bucket' | 'prefix';
  readonly vault: 'inherit' | 'same-address' | 'own';
  readonly connection?: 'name' | 'ns-name';
}

const layoutArb = fc.record({
  repo: fc.constantFrom('branch' as const, 'path' as const),
  state: fc.constantFrom('bucket' as const, 'prefix' as const),
  vault: fc.constantFrom('inherit' as const, 'same-address' as const, 'own' as const),
  connection: fc.option(fc.constantFrom('name' as const, 'ns-name' as const), { nil: undefined }),
});

const appArb = fc.record({
  repo: fc.boolean(),
  database: fc.boolean(),
  generate: fc.boolean(),
  keys: fc.boolean(),
  /** Indexes into the environment list; undefined: every environment. */
  only: fc.option(fc.uniqueArray(fc.nat({ max: 2 }), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  namespaceOverride: fc.option(fc.nat({ max: 2 }), { nil: undefined }),
});

const configArb = fc.record({
  envs: fc.uniqueArray(fc.constantFrom(...ENV_NAMES), { minLength: 2, maxLength: 3 }),
  /** The first environment inherits the top level; the others get one of these each. */
  layouts: fc.array(layoutArb, { minLength: 2, maxLength: 2 }),
  apps: fc.array(appArb, { minLength: 1, maxLength: APP_NAMES.length }),
});

type Config = fc.infer<typeof configArb>;

function envBlock(name: string, layout: Layout): Record<string, unknown> {
  const block: Record<string, unknown> = {};
  if (layout.repo === 'branch') block.repos = { tools: { branch: `b-${name}` }, factory: { branch: `b-${name}` } };
  if (layout.repo === 'path') block.repos = { tools: { path: `envs/${name}` }, factory: { path: `envs/${name}` } };
  if (layout.state === 'bucket') block.state = { bucket: `tf-${name}` };
  if (layout.state === 'prefix') block.state = { prefix: name };
  const connection = layout.connection === 'name' ? { connection: name } : layout.connection === 'ns-name' ? { connection: `vault-system/${name}` } : {};
  if (layout.vault === 'same-address') block.vault = { ...connection };
  if (layout.vault === 'own') block.vault = { address: `http://vault.${name}.svc.cluster.local:8200`, ...connection };
  return block;
}

/** apps.yaml as JSON (a YAML flow mapping), and which environments each app is limited to. */
function appsYaml(c: Config): { text: string; limited: Map<string, string[]> } {
  const environments: Record<string, Record<string, unknown>> = {};
  c.envs.forEach((name, i) => (environments[name] = i === 0 ? {} : envBlock(name, c.layouts[i - 1])));
  const apps: Record<string, unknown> = {};
  const limited = new Map<string, string[]>();
  c.apps.forEach((a, i) => {
    const name = APP_NAMES[i]!;
    const only = a.only?.map((k) => c.envs[k % c.envs.length]!).filter((e, j, all) => all.indexOf(e) === j);
    if (only) limited.set(name, only);
    const secrets: Record<string, unknown> = {};
    if (a.generate && a.repo) secrets.gen = { generate: ['KEY'] };
    if (a.keys) secrets.seeded = { keys: ['LICENSE'] };
    apps[name] = {
      ...(a.repo ? { repo: 'tools' } : {}),
      database: a.database,
      ...(Object.keys(secrets).length ? { secrets } : {}),
      ...(only ? { environments: only } : {}),
    };
    const override = a.namespaceOverride === undefined ? undefined : c.envs[a.namespaceOverride % c.envs.length]!;
    if (override && (!only || only.includes(override))) {
      const env = environments[override]!;
      env.apps = { ...(env.apps as object), [name]: { namespace: `${name}-${override}` } };
    }
  });
  const repos = Object.fromEntries(Object.entries(REPOS).map(([id, url]) => [id, { url }]));
  return { text: JSON.stringify({ version: 1, repos, environments, apps }, null, 1), limited };
}

describe('environments keep apart what they must', () => {
  it('shares no file target, state location or generated secret, and limits apps to their environments', () => {
    fc.assert(
      fc.property(configArb, (c) => {
        const { text, limited } = appsYaml(c);
        const loaded = loadModel('apps.yaml', text);
        expect(loaded.environments.map((e) => e.name).sort()).toEqual([...c.envs].sort());
        const targets = new Map<string, string>();
        const states = new Map<string, string>();
        for (const { name, model } of loaded.environments) {
          const files = [...renderFiles(model)];
          for (const f of files) {
            if (f.repo === DOCS_REPO) continue;
            const repo = model.repos.find((r) => r.id === f.repo)!;
            const key = `${repo.url} ${repo.branch} ${f.path}`;
            expect(targets.get(key), `${name} and ${targets.get(key)} both write ${key}`).toBeUndefined();
            targets.set(key, name);
          }
          // every IaC project's state, and so every random_password, at a location of its own
          for (const f of files.filter((x) => x.path.endsWith('/backend.gen.tf'))) {
            const bucket = /bucket = "([^"]+)"/.exec(f.content)![1];
            const prefix = /prefix = "([^"]+)"/.exec(f.content)![1];
            const where = `${bucket}/${prefix}`;
            expect(states.get(where), `${name} and ${states.get(where)} share the state ${where}`).toBeUndefined();
            states.set(where, name);
            const dir = f.path.slice(0, -'backend.gen.tf'.length);
            const secrets = files.find((x) => x.repo === f.repo && x.path === `${dir}secrets.gen.tf`);
            if (secrets) expect(secrets.content).toContain('resource "random_password"');
          }
          for (const [app, only] of limited) {
            const here = model.apps.some((a) => a.name === app);
            expect(here, `${app} in ${name}`).toBe(only.includes(name));
            if (!here) for (const f of files) expect(f.content.includes(app), `${app} appears in ${name}'s ${f.repo}/${f.path}`).toBe(false);
          }
        }
      }),
      propertyParams(920, 0.5),
    );
  });

  it('refuses two environments made to share a branch or a state location, naming both', () => {
    fc.assert(
      fc.property(configArb, fc.constantFrom('repos' as const, 'state' as const), (c, shared) => {
        // an app with IaC in every environment, so that there is a state to share
        const withIac = {
          ...c,
          apps: [{ repo: true, database: false, generate: true, keys: false, only: undefined, namespaceOverride: undefined }, ...c.apps.slice(1)],
        };
        const { text } = appsYaml(withIac);
        const doc = JSON.parse(text) as { environments: Record<string, Record<string, unknown>> };
        const [first, second] = c.envs;
        // the second environment takes the first's (inherited) value of what is shared
        delete doc.environments[second!]![shared];
        const rule = shared === 'repos' ? 'environment-shared-file' : 'environment-shared-state';
        let error: unknown;
        try {
          loadModel('apps.yaml', JSON.stringify(doc, null, 1));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InputError);
        const found = (error as InputError).diagnostics.filter((d) => d.rule === rule);
        expect(found.length, (error as InputError).message).toBeGreaterThan(0);
        expect(found.some((d) => d.message.includes(`"${first}"`) && d.message.includes(`"${second}"`))).toBe(true);
      }),
      propertyParams(921, 0.5),
    );
  });
});
