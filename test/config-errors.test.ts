import { describe, expect, it } from 'vitest';
import { diagnosticsOf } from './support/diagnostics';

// GIVEN an apps.yaml with one kind of mistake, WHEN it is loaded, THEN every problem is reported
// at once, each as FILE:LINE:COL with the exact message that says how to fix it.

const base = `version: 1
repos:
  tools: { url: ssh://git@h/o/tools.git }
  factory: { url: ssh://git@h/o/factory.git }
`;

const cases: Record<string, string> = {
  myapp: base + `apps:\n  my-app: {}\n`,
  unknownKey: base + `apps:\n  web:\n    serviceAcounts: [x]\n`,
  saMismatch: base + `apps:\n  web:\n    repo: tools\n    secrets:\n      s:\n        serviceAccount: other\n`,
  nsMismatch: base + `apps:\n  web:\n    repo: tools\n    secrets:\n      s:\n        namespace: other\n`,
  badName: base + `apps:\n  Web_1: {}\n`,
  dup: base + `apps:\n  web: {}\n  web: {}\n`,
  syntax: base + `apps:\n  web: {\n`,
  tab: base + `apps:\n\tweb: {}\n`,
  noVersion: `repos: {}\napps: {}\n`,
  version2: `version: 2\nrepos: {}\napps: {}\n`,
  empty: ``,
  scalar: `hello\n`,
  missingRepo: base + `apps:\n  web: { repo: nope }\n`,
  consumerStar: base + `apps:\n  web: {}\nconsumers:\n  c: { serviceAccount: a, namespace: b, reads: ['*'] }\n`,
  consumerOutside: base + `apps:\n  web: {}\nconsumers:\n  c: { serviceAccount: a, namespace: b, reads: ['other/x'] }\n`,
  consumerMissing: base + `apps:\n  web: {}\nconsumers:\n  c: { serviceAccount: a, reads: ['web/x'] }\n`,
  dbType: base + `apps:\n  web: { database: yes }\n`,
  reserved: base + `apps:\n  user: {}\n`,
  longname: base + `apps:\n  ${'a'.repeat(60)}: {}\n`,
  keyword: base + `apps:\n  web: { database: { name: select } }\n`,
  restart: base + `apps:\n  web: { repo: tools, database: { restart: [Pod/x] } }\n`,
  binary: base + `apps:\n  web: { namespace: !!binary aGVsbG8= }\n`,
  customtag: base + `apps:\n  web: { namespace: !foo bar }\n`,
  alias: base + `x: &a {}\napps:\n  web: *a\n`,
  nullapps: base + `apps:\n`,
  collide: base + `apps:\n  a: { repo: tools, manifests: m, iac: i }\n  b: { repo: tools, manifests: m, iac: j }\n`,
  secretCollide: base + `apps:\n  a: { repo: tools, secrets: { db-credentials: {} } }\n`,
  noFactory: `version: 1\nrepos:\n  tools: { url: x }\napps: {}\n`,
};

const expected: Record<string, string[]> = {
  myapp: [
    'apps.yaml:6:3: apps.my-app: app "my-app" has a database, so its PostgreSQL role "my-app_role" must be an unquoted identifier, but "my-app_role" contains "-", which PostgreSQL reads as a minus sign in an unquoted identifier; rename the app without "-" (e.g. myapp) or set database: false',
  ],
  unknownKey: [
    'apps.yaml:7:5: apps.web.serviceAcounts: unknown key "serviceAcounts". Did you mean "serviceAccounts"? Allowed here: repo, manifests, iac, namespace, namespaces, serviceAccounts, opsPolicies, database, secrets, writes, environments',
  ],
  saMismatch: [
    'apps.yaml:10:25: apps.web.secrets.s.serviceAccount: service account "other" is not bound to Vault role "web" (bound: web); add it to apps.web.serviceAccounts',
  ],
  nsMismatch: [
    'apps.yaml:10:20: apps.web.secrets.s.namespace: namespace "other" is not bound to Vault role "web" (bound: web); Vault checks service account AND namespace, so add it to apps.web.namespaces',
  ],
  badName: [
    'apps.yaml:6:3: apps.Web_1: app name "Web_1" is not a DNS-1123 label: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. my-app',
  ],
  dup: ['apps.yaml:7:3: Map keys must be unique: a key appears twice in the same mapping; remove or merge one of them'],
  syntax: [
    'apps.yaml:7:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }; check the indentation and punctuation on this line',
  ],
  tab: ['apps.yaml:6:1: Tabs are not allowed as indentation: YAML indents with spaces only; replace the tab with spaces'],
  noVersion: [
    'apps.yaml:1:1: missing required key "version"; add "version: 1" at the top',
    'apps.yaml:1:1: repos: central.postgres defaults to repo "factory", which is not declared here; declare repos.factory or set central.postgres.repo',
    'apps.yaml:1:1: repos: central.vault defaults to repo "tools", which is not declared here; declare repos.tools or set central.vault.repo',
  ],
  version2: [
    'apps.yaml:1:10: version: version must be 1 (the only apps.yaml version joinkey reads); add "version: 1" at the top',
    'apps.yaml:2:1: repos: central.postgres defaults to repo "factory", which is not declared here; declare repos.factory or set central.postgres.repo',
    'apps.yaml:2:1: repos: central.vault defaults to repo "tools", which is not declared here; declare repos.tools or set central.vault.repo',
  ],
  empty: ['apps.yaml:1:1: the file is empty; start with "version: 1", then repos and apps (see the README)'],
  scalar: ['apps.yaml:1:1: apps.yaml must be a mapping with version, repos and apps, e.g. "version: 1"'],
  missingRepo: [
    'apps.yaml:6:16: apps.web.repo: repo "nope" is not declared under repos; add repos.nope: { url: ..., branch: main } or use one of: factory, tools',
  ],
  consumerStar: ['apps.yaml:8:49: consumers.c.reads[0]: "*" alone would read every app\'s secrets; name the app and path, e.g. cms/factory/*'],
  consumerOutside: [
    'apps.yaml:8:49: consumers.c.reads[0]: "other/x" lies outside every app\'s kv space: no app "other" is declared under apps; declare it, or start the path with a declared app\'s name',
  ],
  consumerMissing: ['apps.yaml:8:3: consumers.c: missing required key "namespace"; add namespace: <name>'],
  dbType: ['apps.yaml:6:20: apps.web.database: database must be true, false, or a mapping with name, restart, urlEnv and urlContainer'],
  reserved: [
    'apps.yaml:6:3: apps.user: app "user" has a database named after it, but "user" is a reserved PostgreSQL keyword; set database: { name: <other> } or rename the app',
  ],
  longname: [
    'apps.yaml:6:3: apps.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: app "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" has a database, so its PostgreSQL role "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_role" must be an unquoted identifier, but "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_role" is 65 bytes, over PostgreSQL\'s limit of 63; shorten the app name to at most 58 characters',
  ],
  keyword: [
    'apps.yaml:6:28: apps.web.database.name: database name must be an unquoted PostgreSQL identifier, but "select" is a reserved PostgreSQL keyword; e.g. web',
  ],
  restart: [
    'apps.yaml:6:45: apps.web.database.restart[0]: restart target "Pod/x" must be Kind/name with Kind one of Deployment, DaemonSet, StatefulSet, argo.Rollout, e.g. Deployment/plausible',
  ],
  binary: ['apps.yaml:6:30: apps.web.namespace: namespace must be a string'],
  customtag: ['apps.yaml:6:21: Unresolved tag: !foo; apps.yaml uses plain YAML values only, remove the tag'],
  alias: ['apps.yaml:5:1: x: unknown key "x". Allowed here: version, vault, repos, central, postgres, state, gitea, apps, consumers, environments, promote'],
  nullapps: ['apps.yaml:5:6: apps: apps must be a mapping of app name to settings, e.g. { webapp: {} }'],
  collide: [
    'apps.yaml:7:3: apps.b: app "b"\'s vso file would be written to tools:m/vso.gen.yaml, which app "a" also writes; give the app its own manifests and iac dirs',
  ],
  secretCollide: [
    'apps.yaml:6:32: apps.a.secrets.db-credentials: Secret a/a-db-credentials is already generated for app "a"; rename the secret or the app so the names differ',
  ],
  noFactory: [
    'apps.yaml:2:1: repos: central.postgres defaults to repo "factory", which is not declared here; declare repos.factory or set central.postgres.repo',
  ],
};

describe('apps.yaml input errors', () => {
  for (const [name, text] of Object.entries(cases)) {
    it(`${name}: ${expected[name]![0] ?? 'no error'}`, () => {
      expect(diagnosticsOf(text)).toEqual(expected[name]);
    });
  }

  it('reports problems of different kinds in one run', () => {
    const text = base + `apps:\n  my-app: {}\n  web:\n    serviceAcounts: [x]\n    secrets:\n      s: { serviceAccount: other }\n`;
    expect(diagnosticsOf(text)).toEqual([
      expected.myapp![0],
      'apps.yaml:8:5: apps.web.serviceAcounts: unknown key "serviceAcounts". Did you mean "serviceAccounts"? Allowed here: repo, manifests, iac, namespace, namespaces, serviceAccounts, opsPolicies, database, secrets, writes, environments',
      'apps.yaml:10:28: apps.web.secrets.s.serviceAccount: service account "other" is not bound to Vault role "web" (bound: web); add it to apps.web.serviceAccounts',
    ]);
  });

  it('accepts my-app once it has no database', () => {
    expect(diagnosticsOf(base + `apps:\n  my-app: { database: false }\n`)).toEqual([]);
  });

  it('rejects a NUL byte as a non-text file', () => {
    expect(diagnosticsOf(base + 'apps: {}\n\u0000\u0001')).toEqual([
      'apps.yaml:6:1: the file holds a NUL byte, so it is not a YAML text file; check that it is the right file',
    ]);
  });
});

describe('Vault names that must stay unique', () => {
  it("rejects an app that would overwrite Vault's default policy", () => {
    expect(diagnosticsOf(base + `apps:\n  default: { database: false }\n`)).toEqual([
      'apps.yaml:6:3: apps.default: app "default" would name a Vault policy or role that Vault or VSO already uses (default, root, vault-secret-operator, edit-vso-client-cache); rename the app',
    ]);
  });

  it("rejects a consumer whose policy name is an app's ops policy", () => {
    expect(diagnosticsOf(base + `apps:\n  web: {}\nconsumers:\n  web-ops: { serviceAccount: a, namespace: b, reads: [web/x] }\n`)).toEqual([
      'apps.yaml:6:3: apps.web: app "web"\'s policies reach Vault paths of consumer "web-ops": auth/kubernetes/role/web* (policy web-ops) reaches auth/kubernetes/role/web-ops; rename app "web" or consumer "web-ops" so that the consumer\'s name does not start with the app\'s name',
      'apps.yaml:8:3: consumers.web-ops: consumer "web-ops" would share its Vault policy and role name with app "web"\'s ops policy; rename the consumer',
    ]);
  });
});

describe('consumer names', () => {
  it('rejects uppercase, which Vault would fold into another policy name', () => {
    expect(diagnosticsOf(base + `apps:\n  web: {}\nconsumers:\n  Web_Reader: { serviceAccount: a, namespace: b, reads: [web/x] }\n`)).toEqual([
      'apps.yaml:8:3: consumers.Web_Reader: consumer name "Web_Reader" may only hold lowercase letters, digits, "_" and "-" (Vault lowercases policy names, so "Web" and "web" would be one policy), e.g. factory_crowdsec_conf',
    ]);
  });
});

describe('messages stay on one line', () => {
  it('escapes a line break in an unknown key', () => {
    expect(diagnosticsOf(base + `apps: {}\n"a\\nb": 1\n`)).toEqual([
      'apps.yaml:6:1: "a\\nb": unknown key "a\\nb". Allowed here: version, vault, repos, central, postgres, state, gitea, apps, consumers, environments, promote',
    ]);
  });
});

describe('database: a mapping with a mistake inside', () => {
  it('reports the problems inside the mapping, not only that the union failed', () => {
    expect(diagnosticsOf(base + `apps:\n  web:\n    repo: tools\n    database: { restart: Deployment/x, nme: a }\n`)).toEqual([
      'apps.yaml:8:26: apps.web.database.restart: database.restart must be a list, e.g. [a, b]',
      'apps.yaml:8:40: apps.web.database.nme: unknown key "nme". Did you mean "name"? Allowed here: name, restart, urlEnv, urlContainer',
    ]);
  });
});

describe('urlContainer', () => {
  it('needs urlEnv, since it names the reader of the URL file', () => {
    expect(diagnosticsOf(base + `apps:\n  web:\n    repo: tools\n    database: { restart: [Deployment/web], urlContainer: app }\n`)).toEqual([
      'apps.yaml:8:44: apps.web.database.urlContainer: urlContainer names the container that reads the database URL file, which only exists with urlEnv; add urlEnv: DATABASE_URL or remove urlContainer',
    ]);
  });
});

describe('repo ids', () => {
  it('reserves "docs", where synth writes the generated docs', () => {
    expect(diagnosticsOf(base + `  docs: { url: x }\napps: {}\n`)).toEqual([
      'apps.yaml:5:3: repos.docs: repo id "docs" is reserved: synth writes the generated docs to OUT/docs/, and they are never published; rename the repo id',
    ]);
  });
});

describe('YAML syntax errors say how to fix them', () => {
  it.each([
    [
      'a bad escape',
      'a: "\\q"\n',
      'apps.yaml:1:5: YAML error: Invalid escape sequence \\q; in double quotes write \\n, \\t, \\", \\\\ or \\uXXXX, or use single quotes',
    ],
    ['a reserved first character', 'a: @x\n', 'apps.yaml:1:4: YAML error: Plain value cannot start with reserved character @; quote the value, e.g. "@..."'],
    ['a backquote', 'a: `x`\n', 'apps.yaml:1:4: YAML error: Plain value cannot start with reserved character `; quote the value, e.g. "`..."'],
    [
      'two anchors',
      'a: &x &y 1\n',
      'apps.yaml:1:7: YAML error: A node can have at most one anchor; apps.yaml needs no anchors or aliases: write the value out, or quote it if "&", "*" or "!" is part of the text',
    ],
    [
      'an empty alias',
      'a: *\n',
      'apps.yaml:1:4: YAML error: Alias cannot be an empty string; apps.yaml needs no anchors or aliases: write the value out, or quote it if "&", "*" or "!" is part of the text',
    ],
    ['two tags', 'a: !!str !!int 1\n', 'apps.yaml:1:10: A node can have at most one tag; apps.yaml uses plain YAML values only, remove the tag'],
    [
      'a key over two lines',
      'a b\nc: 1\n',
      'apps.yaml:1:1: YAML error: Implicit keys need to be on a single line; a key is a name on one line followed by ": ", so check for a missing ":" or a line break inside a value',
    ],
  ])('%s', (_what, text, message) => {
    expect(diagnosticsOf(text)).toContain(message);
  });
});
