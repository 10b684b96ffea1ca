import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectEnvironments } from '../src/commands/common';
import { InputError } from '../src/errors';
import { loadModel } from '../src/model';
import { expandEnvironment, promotionOrder } from '../src/model/environments';
import type { AppsFile } from '../src/config/schema';
import { renderFiles, renderOutput } from '../src/render';
import { pullRequestText, summarizePlan } from '../src/publish/summary';
import { planRepo } from '../src/publish/plan';
import { ManifestValidator } from '../src/validate/manifests';

/** apps.yaml with two repos, `environments` and `apps` as given (YAML lines, indented by two). */
function yaml(environments: readonly string[] | undefined, apps: readonly string[], extra: readonly string[] = []): string {
  return [
    'version: 1',
    'repos:',
    '  tools: { url: ssh://git@h/org/tools.git, branch: main }',
    '  factory: { url: ssh://git@h/org/factory.git, branch: main }',
    ...extra,
    ...(environments ? ['environments:', ...environments.map((l) => `  ${l}`)] : []),
    'apps:',
    ...apps.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

const TWO_ENVS = ['prod: {}', 'sandbox: { state: { bucket: tf-sandbox }, repos: { tools: { branch: sandbox }, factory: { branch: sandbox } } }'];
const PLAUSIBLE = [
  'plausible:',
  '  repo: tools',
  '  namespace: tools',
  '  database: { restart: [Deployment/plausible] }',
  '  secrets: { geoip: { keys: [LICENSE_KEY] }, config: { generate: [SECRET_KEY_BASE] } }',
];

/** Every error of a file that does not load, as `LINE:COL: rule: message`. */
function errorsOf(text: string): string[] {
  try {
    loadModel('apps.yaml', text);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map((d) => `${d.line}:${d.col}: ${d.rule ?? 'input'}: ${d.message}`);
    throw e;
  }
  return [];
}

const envModel = (text: string, env: string) => loadModel('apps.yaml', text).environments.find((e) => e.name === env)!.model;

describe('expansion', () => {
  it('GIVEN no environments THEN there is one implicit environment and the render is renderFiles of the model', () => {
    const text = yaml(undefined, PLAUSIBLE);
    const loaded = loadModel('apps.yaml', text);
    expect(loaded.environments).toEqual([]);
    expect(loaded.model.environment).toBeUndefined();
    expect([...renderOutput(loaded)].map((f) => [f.repo, f.path, f.content])).toEqual([...renderFiles(loaded.model)].map((f) => [f.repo, f.path, f.content]));
  });

  it('GIVEN an environment with {} THEN its model is the top level, named after it', () => {
    const text = yaml(['prod: {}'], PLAUSIBLE);
    const prod = envModel(text, 'prod');
    const implicit = loadModel('apps.yaml', yaml(undefined, PLAUSIBLE)).model;
    expect(prod.environment).toBe('prod');
    expect({ ...prod, environment: undefined }).toEqual({ ...implicit, environment: undefined });
  });

  it('applies each override to its environment only: vault, state, repos, namespace, restart targets and keys', () => {
    const text = yaml(
      [
        'prod: {}',
        'sandbox:',
        '  vault: { address: http://vault.sandbox:8200, mounts: { kv: kv-sandbox }, tokenTtl: 600 }',
        '  state: { bucket: tf-sandbox, prefix: sb }',
        '  repos: { tools: { branch: sandbox, url: ssh://git@h/org/tools-sandbox.git }, factory: { path: sb } }',
        '  apps: { plausible: { namespace: tools-sb, database: { restart: [Deployment/plausible, StatefulSet/worker] }, secrets: { geoip: { keys: [A, B] } } } }',
      ],
      PLAUSIBLE,
    );
    const prod = envModel(text, 'prod');
    const sandbox = envModel(text, 'sandbox');
    const app = (m: typeof prod) => m.apps.find((a) => a.name === 'plausible')!;
    expect([prod.vault.address, sandbox.vault.address]).toEqual(['http://hashicorp-vault.tools.svc.cluster.local:8200', 'http://vault.sandbox:8200']);
    // mounts merge key by key with the top level's
    expect(sandbox.vault.mounts).toEqual({ kubernetes: 'kubernetes', jwt: 'gitea_jwt', kv: 'kv-sandbox', database: 'postgres' });
    expect([prod.vault.tokenTtl, sandbox.vault.tokenTtl]).toEqual([3600, 600]);
    expect([prod.state, sandbox.state]).toEqual([{ bucket: 'arcodange-tf' }, { bucket: 'tf-sandbox', prefix: 'sb' }]);
    expect([app(prod).target!.stateKeyPrefix, app(sandbox).target!.stateKeyPrefix]).toEqual(['tools/plausible/main', 'sb/tools/plausible/main']);
    const tools = (m: typeof prod) => m.repos.find((r) => r.id === 'tools')!;
    expect([tools(prod).branch, tools(sandbox).branch, tools(sandbox).url]).toEqual(['main', 'sandbox', 'ssh://git@h/org/tools-sandbox.git']);
    // the factory repo gets a dir only: the sandbox inherits its url and branch
    expect(sandbox.repos.find((r) => r.id === 'factory')).toEqual({ ...prod.repos.find((r) => r.id === 'factory'), path: 'sb' });
    expect(sandbox.central.postgres.databasesFile).toBe('sb/postgres/iac/databases.gen.auto.tfvars');
    expect([app(prod).namespace, app(sandbox).namespace]).toEqual(['tools', 'tools-sb']);
    expect(app(sandbox).database!.restart.map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/plausible', 'StatefulSet/worker']);
    expect(app(prod).database!.restart.map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/plausible']);
    expect([app(prod).secrets.find((s) => s.name === 'geoip')!.keys, app(sandbox).secrets.find((s) => s.name === 'geoip')!.keys]).toEqual([
      ['LICENSE_KEY'],
      ['A', 'B'],
    ]);
    // the secret's other settings stay: the generated secret is still generated
    expect(app(sandbox).secrets.find((s) => s.name === 'config')!.generate).toEqual(['SECRET_KEY_BASE']);
  });

  it('gives a restart override to an app whose database is `true` or left out', () => {
    for (const database of ['database: true', '']) {
      const text = yaml(
        [
          'prod: {}',
          'sandbox: { state: { bucket: tf-s }, repos: { tools: { branch: s }, factory: { branch: s } }, apps: { web: { database: { restart: [Deployment/web] } } } }',
        ],
        [`web: { repo: tools${database ? `, ${database}` : ''} }`],
      );
      expect(envModel(text, 'sandbox').apps[0]!.database!.restart).toEqual([{ kind: 'Deployment', name: 'web' }]);
      expect(envModel(text, 'prod').apps[0]!.database!.restart).toEqual([]);
    }
  });

  it('puts every path of an environment with repos.<id>.path below that dir, its ownership list included', () => {
    const text = yaml(['a: { repos: { tools: { path: envs/a }, factory: { path: envs/a } }, state: { prefix: a } }', 'b: { state: { prefix: b } }'], PLAUSIBLE);
    const a = envModel(text, 'a');
    const files = [...renderFiles(a)].filter((f) => f.repo !== 'docs').map((f) => `${f.repo}:${f.path}`);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(f).toMatch(/^(tools|factory):envs\/a\//);
    expect(files).toContain('tools:envs/a/.joinkey/files.json');
    expect(files).toContain('tools:envs/a/hashicorp-vault/iac/applications.gen.auto.tfvars');
    expect(files).toContain('factory:envs/a/postgres/iac/databases.gen.auto.tfvars');
  });

  it('leaves out the apps an environment does not hold, and keeps the file order of promote', () => {
    const text = yaml(TWO_ENVS, ['web: { environments: [prod] }', 'shop: { environments: [sandbox, prod] }', 'blog: {}'], ['promote: [sandbox, prod]']);
    const loaded = loadModel('apps.yaml', text);
    expect(loaded.environments.map((e) => [e.name, e.model.apps.map((a) => a.name)])).toEqual([
      ['sandbox', ['blog', 'shop']],
      ['prod', ['blog', 'shop', 'web']],
    ]);
  });

  it('orders environments by promote, else by their order in the file', () => {
    const config = (promote?: string[]) =>
      ({ version: 1, repos: {}, apps: {}, environments: { b: {}, a: {}, c: {} }, ...(promote ? { promote } : {}) }) as AppsFile;
    expect(promotionOrder(config())).toEqual(['b', 'a', 'c']);
    expect(promotionOrder(config(['c', 'b', 'a']))).toEqual(['c', 'b', 'a']);
  });

  it('is pure: the input config is not changed', () => {
    const config = {
      version: 1,
      repos: { tools: { url: 'u' } },
      apps: { web: { environments: ['x'] } },
      environments: { x: { repos: { tools: { branch: 'b' } } } },
    } as AppsFile;
    const copy = structuredClone(config);
    const expanded = expandEnvironment(config, 'x');
    expect(config).toEqual(copy);
    expect(expanded.config.repos.tools).toEqual({ url: 'u', branch: 'b' });
    expect(expanded.config.apps.web).toEqual({});
    expect('environments' in expanded.config).toBe(false);
  });
});

describe('generated VaultConnections', () => {
  const withConnection = (connection: string) =>
    yaml(
      [
        'prod: {}',
        `sandbox: { vault: { connection: ${connection}, address: http://v.sb:8200 }, state: { bucket: tf-sb }, repos: { tools: { branch: sb }, factory: { branch: sb } } }`,
      ],
      [
        ...PLAUSIBLE,
        'crowdsec: { repo: tools, namespace: tools, database: { restart: [Deployment/crowdsec] } }',
        'cms: { repo: tools, database: false, secrets: { x: {} } }',
      ],
    );

  it('GIVEN a plain connection name THEN one VaultConnection per namespace its VaultAuths use, in the first app there', () => {
    const sandbox = envModel(withConnection('sandbox'), 'sandbox');
    expect(sandbox.vault.connections).toEqual([
      { name: 'sandbox', namespace: 'cms', address: 'http://v.sb:8200', app: 'cms' },
      { name: 'sandbox', namespace: 'tools', address: 'http://v.sb:8200', app: 'crowdsec' },
    ]);
    const vso = [...renderFiles(sandbox)].filter((f) => f.path.endsWith('vso.gen.yaml'));
    const connections = vso.flatMap((f) => [...f.content.matchAll(/kind: VaultConnection\n[\s\S]*?namespace: (\S+)/g)].map((m) => `${f.path}:${m[1]}`));
    expect(connections.sort()).toEqual(['cms/resources/vso.gen.yaml:cms', 'crowdsec/resources/vso.gen.yaml:tools']);
    for (const f of vso) expect(f.content).toContain('vaultConnectionRef: sandbox');
    expect(new ManifestValidator().validateFiles(vso)).toEqual([]);
  });

  it('GIVEN namespace/name THEN one VaultConnection, in that namespace', () => {
    const sandbox = envModel(withConnection('vault-system/sandbox'), 'sandbox');
    expect(sandbox.vault.connections).toEqual([{ name: 'sandbox', namespace: 'vault-system', address: 'http://v.sb:8200', app: 'cms' }]);
  });

  it('GIVEN the default connection, or no environments at all, THEN none', () => {
    expect(envModel(withConnection('default'), 'sandbox').vault.connections).toEqual([]);
    expect(envModel(withConnection('sandbox'), 'prod').vault.connections).toEqual([]);
    // without environments, a non-default connection is referred to but not generated, as before
    const implicit = loadModel('apps.yaml', yaml(undefined, PLAUSIBLE, ['vault: { connection: vault-system/vault }'])).model;
    expect(implicit.vault.connections).toEqual([]);
    expect([...renderFiles(implicit)].some((f) => f.content.includes('kind: VaultConnection'))).toBe(false);
  });
});

describe('rules of environments', () => {
  it('refuses references to undeclared environments, apps, secrets and repos, each at its line', () => {
    const text = yaml(
      [
        'prod: {}',
        'sandbox:',
        '  state: { bucket: tf-s }',
        '  repos: { tools: { branch: s }, factory: { branch: s }, cms: { branch: s } }',
        '  apps: { ghost: { namespace: x }, plausible: { secrets: { nope: { keys: [A] } } }, web: { namespace: y } }',
      ],
      [...PLAUSIBLE, 'web: { environments: [prod, qa] }', 'blog: { environments: [] }'],
      ['promote: [sandbox, staging]'],
    );
    expect(errorsOf(text)).toEqual([
      '5:10: environment-ref: promote: promote does not list "prod"; list every environment once, in the order publish handles them, e.g. [sandbox, staging, prod]',
      '5:20: environment-ref: promote[1]: promote names environment "staging", which is not declared; declare environments.staging: {} or use one of: prod, sandbox',
      '10:60: environment-ref: environments.sandbox.repos.cms: environment "sandbox" overrides repo "cms", which repos does not declare; use one of: tools, factory',
      '11:13: environment-ref: environments.sandbox.apps.ghost: environment "sandbox" overrides app "ghost", which apps does not declare',
      '11:62: environment-ref: environments.sandbox.apps.plausible.secrets.nope: app "plausible" declares no secret "nope"; an override only changes what apps.plausible.secrets declares',
      '11:87: environment-ref: environments.sandbox.apps.web: environment "sandbox" overrides app "web", which exists only in prod, qa; add sandbox to apps.web.environments or remove the override',
      '18:31: environment-ref: apps.web.environments[1]: app "web" names environment "qa", which is not declared; declare environments.qa: {} or use one of: prod, sandbox',
      '19:25: environment-ref: apps.blog.environments: app "blog" lists no environment, so it exists nowhere; list at least one or remove the app',
    ]);
  });

  it('refuses app environments without environments:, an empty environments:, the name docs, a restart override without a database, gitea without a url', () => {
    expect(errorsOf(yaml(undefined, ['web: { environments: [prod] }']))).toEqual([
      '6:25: environment-ref: apps.web.environments[0]: app "web" names environment "prod", which is not declared; declare environments.prod: {} or use one of: (none: there is no environments: mapping)',
    ]);
    expect(errorsOf(yaml(undefined, ['web: {}'], ['environments: {}']))).toEqual([
      '5:15: environment-ref: environments: environments declares no environment; add one, e.g. prod: {}, or remove environments: for one implicit environment',
    ]);
    expect(errorsOf(yaml(['docs: {}'], ['web: {}']))[0]).toMatch(/^6:3: environment-ref: environments\.docs: environment name "docs" is reserved/);
    expect(errorsOf(yaml(['prod: { apps: { web: { database: { restart: [Deployment/web] } } } }'], ['web: { database: false }']))).toEqual([
      '6:36: environment-ref: environments.prod.apps.web.database: app "web" has database: false, so there is no restart list to override; remove the override',
    ]);
    expect(errorsOf(yaml(['prod: { gitea: { labels: [x] } }'], ['web: {}']))).toEqual([
      '6:18: environment-ref: environments.prod.gitea: environment "prod" sets gitea without url, and there is no top-level gitea.url to inherit; add url: https://gitea.example',
    ]);
  });

  it('refuses two environments that share the state location of an IaC project, at the later one, naming both', () => {
    // same bucket, no prefix: every app's state would be shared
    const shared = errorsOf(
      yaml(
        ['prod: {}', 'sandbox: { repos: { tools: { branch: s }, factory: { branch: s } } }'],
        [...PLAUSIBLE, 'shop: { repo: tools }'],
        ['promote: [sandbox, prod]'],
      ),
    );
    expect(shared).toEqual([
      '7:3: environment-shared-state: environments.prod: environments "sandbox" and "prod" share the tofu state of 2 IaC projects (app "plausible" and others) at gs://arcodange-tf/tools/plausible/main: an apply in one would destroy the other\'s resources; give "prod" its own state.bucket or state.prefix',
    ]);
    // the same prefix in one bucket is shared too; another bucket or another prefix is not
    expect(
      errorsOf(yaml(['a: { state: { prefix: x } }', 'b: { state: { prefix: x }, repos: { tools: { branch: s }, factory: { branch: s } } }'], PLAUSIBLE))[0],
    ).toMatch(
      /^7:3: environment-shared-state: environments\.b: environments "a" and "b" share the tofu state of app "plausible" at gs:\/\/arcodange-tf\/x\/tools\/plausible\/main/,
    );
    expect(errorsOf(yaml(['a: {}', 'b: { state: { prefix: x }, repos: { tools: { branch: s }, factory: { branch: s } } }'], PLAUSIBLE))).toEqual([]);
    expect(errorsOf(yaml(['a: {}', 'b: { state: { bucket: other }, repos: { tools: { branch: s }, factory: { branch: s } } }'], PLAUSIBLE))).toEqual([]);
  });

  it('refuses two environments that write one file (repo url, branch, path), and accepts another branch, dir or url', () => {
    const files = errorsOf(yaml(['prod: {}', 'sandbox: { state: { bucket: tf-s } }'], PLAUSIBLE));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(
      /^7:3: environment-shared-file: environments\.sandbox: environments "prod" and "sandbox" write the same \d+ files \(repo url, branch and path\), e\.g\. \S+: one would overwrite the other's; give "sandbox" its own branch/,
    );
    // one repo on its own branch is not enough: the other repo's files are still shared
    expect(errorsOf(yaml(['prod: {}', 'sandbox: { state: { bucket: tf-s }, repos: { tools: { branch: s } } }'], PLAUSIBLE))[0]).toMatch(/e\.g\. factory:main:/);
    for (const repos of [
      '{ tools: { branch: s }, factory: { branch: s } }',
      '{ tools: { path: sb }, factory: { path: sb } }',
      '{ tools: { url: ssh://git@h/org/tools-sb.git }, factory: { branch: s } }',
    ])
      expect(errorsOf(yaml(['prod: {}', `sandbox: { state: { bucket: tf-s }, repos: ${repos} }`], PLAUSIBLE)), repos).toEqual([]);
  });

  it('allows the same Vault address in two environments', () => {
    const address = 'http://hashicorp-vault.tools.svc.cluster.local:8200';
    expect(
      errorsOf(
        yaml(
          [
            'prod: {}',
            `sandbox: { vault: { address: ${address}, connection: sb }, state: { bucket: tf-s }, repos: { tools: { branch: s }, factory: { branch: s } } }`,
          ],
          PLAUSIBLE,
        ),
      ),
    ).toEqual([]);
  });

  it('runs every rule per environment, naming the environment and pointing at its override', () => {
    // a branch name git refuses, in the sandbox's override only
    const bad = errorsOf(yaml(['prod: {}', 'sandbox: { state: { bucket: tf-s }, repos: { tools: { branch: "a..b" }, factory: { branch: s } } }'], PLAUSIBLE));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^7:65: branch-name: environments\.sandbox\.repos\.tools\.branch: in environment "sandbox": /);
    // a problem of the top level is reported once, without an environment
    const both = errorsOf(yaml(TWO_ENVS, [...PLAUSIBLE, 'web: { repo: nowhere }']));
    expect(both).toHaveLength(1);
    expect(both[0]).toMatch(/^14:16: repo-ref: apps\.web\.repo: repo "nowhere" is not declared/);
  });
});

describe('--env', () => {
  const loaded = loadModel('apps.yaml', yaml(TWO_ENVS, PLAUSIBLE));
  it('selects one environment, or all in promotion order', () => {
    expect(selectEnvironments(loaded, undefined).map((e) => e.name)).toEqual(['prod', 'sandbox']);
    expect(selectEnvironments(loaded, 'sandbox').map((e) => e.name)).toEqual(['sandbox']);
  });
  it('refuses an unknown environment, and --env without environments', () => {
    expect(() => selectEnvironments(loaded, 'qa')).toThrow('--env "qa" is not an environment of apps.yaml; known environments: prod, sandbox');
    const implicit = loadModel('apps.yaml', yaml(undefined, PLAUSIBLE));
    expect(selectEnvironments(implicit, undefined)).toEqual([{ model: implicit.model }]);
    expect(() => selectEnvironments(implicit, 'prod')).toThrow('--env "prod": apps.yaml declares no environments');
  });
});

describe('docs of environments', () => {
  const loaded = loadModel(
    'apps.yaml',
    yaml(TWO_ENVS, [...PLAUSIBLE, 'erp: { environments: [prod], repo: tools, secrets: { lic: { keys: [K] } } }'], ['promote: [sandbox, prod]']),
  );
  const out = new Map([...renderOutput(loaded)].map((f) => [`${f.repo}/${f.path}`, f.content]));

  it('lists per environment the admin-seeded secrets its own Vault needs', () => {
    const prod = out.get('prod/docs/seed.gen.md')!;
    const sandbox = out.get('sandbox/docs/seed.gen.md')!;
    expect(prod).toContain('| `kvv2/erp/lic` | K | erp |');
    expect(sandbox).not.toContain('kvv2/erp/lic');
    for (const doc of [prod, sandbox]) {
      expect(doc).toContain('| `kvv2/plausible/geoip` | LICENSE_KEY | plausible |');
      // generated secrets are not seeded
      expect(doc).not.toContain('kvv2/plausible/config');
    }
  });

  it('has a matrix page of apps and secrets by environment, in promotion order', () => {
    const matrix = out.get('docs/environments.gen.md')!;
    expect(matrix).toContain('| App | sandbox | prod |');
    expect(matrix).toContain('| erp | - | yes |');
    expect(matrix).toContain('| plausible | yes | yes |');
    expect(matrix).toContain('| `kvv2/erp/lic` | - | seed |');
    expect(matrix).toContain('| `kvv2/plausible/config` | generated | generated |');
    expect(matrix).toContain('| sandbox | `http://hashicorp-vault.tools.svc.cluster.local:8200` | default | `tf-sandbox` | factory: sandbox, tools: sandbox |');
  });

  it('lists every file of an environment dir in its ownership list', () => {
    const list = JSON.parse(out.get('prod/.joinkey/files.json')!) as { files: Record<string, string> };
    const inProd = [...out.keys()].filter((k) => k.startsWith('prod/') && k !== 'prod/.joinkey/files.json').map((k) => k.slice('prod/'.length));
    expect(Object.keys(list.files).sort()).toEqual(inProd.sort());
  });
});

describe('the PR of a later environment', () => {
  const model = loadModel('apps.yaml', yaml(TWO_ENVS, PLAUSIBLE)).environments[0]!.model;
  const plan = planRepo('tools', { entries: new Map(), contents: new Map() }, new Map([['plausible/iac/backend.gen.tf', 'x']]));
  const files = [...renderFiles(model)];
  const summary = summarizePlan(model, plan, files);
  const noLiveEffects = { effects: [], acknowledged: [], unacknowledged: [], refusals: [], suggestions: [], notes: [] };

  it('links the PRs of the environment before it', () => {
    const note = {
      roles: [],
      factoryRepo: 'factory',
      promotedAfter: { environment: 'sandbox', prs: [{ label: 'org/tools#3', url: 'https://g/org/tools/pulls/3' }, { label: 'org/factory#2' }] },
    };
    const text = pullRequestText(model, 'tools', 'main', 'joinkey/sync-prod', summary, noLiveEffects, files, note);
    expect(text.body).toContain(
      "> **promoted after `sandbox`**: this environment comes after `sandbox` in apps.yaml's promotion order; merge and verify [org/tools#3](https://g/org/tools/pulls/3), org/factory#2 first.",
    );
    const none = pullRequestText(model, 'tools', 'main', 'joinkey/sync-prod', summary, noLiveEffects, files, {
      ...note,
      promotedAfter: { environment: 'sandbox', prs: [] },
    });
    expect(none.body).toContain('`sandbox` had no pull request open for this apps.yaml');
    // without the note, the text is as before
    expect(pullRequestText(model, 'tools', 'main', 'joinkey/sync-prod', summary, noLiveEffects, files).body).not.toContain('promoted after');
  });
});

describe('the bundled scenarios', () => {
  it('render a matrix and both environments for the issue example', () => {
    const file = path.resolve(__dirname, 'scenarios/environments.yaml');
    const loaded = loadModel('environments.yaml', fs.readFileSync(file, 'utf8'));
    expect(loaded.environments.map((e) => e.name)).toEqual(['sandbox', 'prod']);
    const repos = new Set([...renderOutput(loaded)].map((f) => f.repo));
    expect([...repos].sort()).toEqual(['docs', 'prod', 'sandbox']);
  });
});
