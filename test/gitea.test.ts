import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../src/commands/publish';
import { createGiteaClient, ensurePullRequest, GiteaApiError, hashMarker, type GiteaClient } from '../src/gitea';
import { GiteaDouble } from './support/gitea-double';
import { captureIo, makeFixture, type Fixture } from './support/git-fixture';
import { SwaggerChecker } from './support/swagger';

/**
 * The PR bot against a local Gitea double whose every request and response is checked against
 * Gitea's own swagger: schemas/gitea-pulls.json, extracted from ../shared/gitea by
 * scripts/extract-gitea-schema.mjs (test/schemas.test.ts keeps the two in step).
 */

const SPEC = resolve(__dirname, '../schemas/gitea-pulls.json');

const TOKEN = 'jk-test-token-7Qx9Zr2LmW';
const OWNER = 'arcodange-org';

function spec(hash: string, extra: Partial<Parameters<typeof ensurePullRequest>[1]> = {}) {
  const body = `## body ${hash}\n\n${hashMarker(hash)}\n`;
  return { owner: OWNER, repo: 'tools', base: 'main', head: 'joinkey/sync', title: `title ${hash}`, body, hash, ...extra };
}

describe('Gitea PR bot against a swagger-checked double', () => {
  let double: GiteaDouble;
  let client: GiteaClient;
  const outputs: string[] = [];

  beforeEach(async () => {
    double = new GiteaDouble(new SwaggerChecker(SPEC), TOKEN);
    double.addRepo(`${OWNER}/tools`, ['joinkey', 'automated']);
    await double.start();
    client = createGiteaClient({ url: double.url, token: TOKEN });
    outputs.length = 0;
  });

  afterEach(async () => {
    await double.stop();
    expect(double.violations).toEqual([]);
    // The token travels only in the Authorization header: never in a URL, body or any output.
    for (const r of double.requests) {
      expect(r.authorization).toBe(`token ${TOKEN}`);
      expect(r.path + r.query + r.body).not.toContain(TOKEN);
    }
    for (const o of outputs) expect(o).not.toContain(TOKEN);
  });

  it('GIVEN no PR WHEN ensuring THEN it looks up first, creates one PR with the labels by id, and warns about an unknown label', async () => {
    const got = await ensurePullRequest(client, spec('aaaaaaaaaaaaaaaa', { labels: ['joinkey', 'nope'] }));
    expect(got.action).toBe('created');
    expect(got.pr?.number).toBe(1);
    expect(got.pr?.labels).toEqual(['joinkey']);
    expect(got.warnings).toEqual([
      `label "nope" does not exist in ${OWNER}/tools; create it in Gitea (joinkey adds labels by name and creates none); one listed in gitea.labels may instead be removed there`,
    ]);
    const pulls = double.repos.get(`${OWNER}/tools`)!.pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: 'joinkey/sync', base: 'main', title: 'title aaaaaaaaaaaaaaaa' });
    const order = double.requests.map((r) => `${r.method} ${r.path.replace('/api/v1/repos/arcodange-org/tools', '')}`);
    expect(order[0]).toBe('GET /pulls/main/joinkey/sync');
    expect(order).toContain('POST /pulls');
    expect(order.indexOf('POST /pulls')).toBeGreaterThan(0);
  });

  it('GIVEN an open PR with another hash WHEN ensuring THEN its title and body are updated in place', async () => {
    double.addPull(`${OWNER}/tools`, { head: 'joinkey/sync', base: 'main', title: 'old', body: `old\n${hashMarker('0000000000000000')}` });
    const got = await ensurePullRequest(client, spec('bbbbbbbbbbbbbbbb'));
    expect(got.action).toBe('updated');
    expect(got.pr?.number).toBe(1);
    const pulls = double.repos.get(`${OWNER}/tools`)!.pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.title).toBe('title bbbbbbbbbbbbbbbb');
    expect(double.writes().map((w) => `${w.method} ${w.status}`)).toEqual(['PATCH 201']);
  });

  it('GIVEN the same input twice WHEN ensuring THEN the second run finds the PR and writes nothing', async () => {
    await ensurePullRequest(client, spec('cccccccccccccccc', { labels: ['joinkey'] }));
    const writes = double.writes().length;
    const again = await ensurePullRequest(client, spec('cccccccccccccccc', { labels: ['joinkey'] }));
    expect(again.action).toBe('unchanged');
    expect(double.writes()).toHaveLength(writes);
    expect(double.repos.get(`${OWNER}/tools`)!.pulls).toHaveLength(1);
  });

  it('GIVEN a concurrent run that creates the PR first WHEN our create gets 409 THEN it reloads and updates instead of failing', async () => {
    double.beforeCreate = (repo) => {
      double.beforeCreate = undefined;
      double.addPull(repo, { head: 'joinkey/sync', base: 'main', title: 'theirs', body: `theirs\n${hashMarker('1111111111111111')}` });
    };
    const got = await ensurePullRequest(client, spec('dddddddddddddddd'));
    expect(got.action).toBe('updated');
    expect(double.requests.some((r) => r.method === 'POST' && r.status === 409)).toBe(true);
    const pulls = double.repos.get(`${OWNER}/tools`)!.pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.title).toBe('title dddddddddddddddd');
  });

  it('GIVEN a closed PR for the same branches WHEN ensuring THEN a new one is created', async () => {
    double.addPull(`${OWNER}/tools`, { head: 'joinkey/sync', base: 'main', state: 'closed' });
    const got = await ensurePullRequest(client, spec('eeeeeeeeeeeeeeee'));
    expect(got.action).toBe('created');
    expect(got.pr?.number).toBe(2);
  });

  it('GIVEN a wrong token WHEN calling THEN a 401 says to check GITEA_TOKEN and shows neither token', async () => {
    const bad = createGiteaClient({ url: double.url, token: 'wrong-token-abc123' });
    const err = await ensurePullRequest(bad, spec('ffffffffffffffff')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GiteaApiError);
    expect((err as GiteaApiError).status).toBe(401);
    expect((err as Error).message).toBe(
      'Gitea GET /repos/arcodange-org/tools/pulls/main/joinkey/sync failed with 401 Unauthorized: user does not exist [uid: 0, name: ]; GITEA_TOKEN is missing, wrong or expired',
    );
    expect((err as Error).message).not.toContain('wrong-token-abc123');
    // The double saw the wrong token, not ours: skip the afterEach header check for these requests.
    double.requests.length = 0;
  });

  it('GIVEN an unknown repo WHEN ensuring THEN a 404 names the owner/name setting', async () => {
    const err = await ensurePullRequest(client, spec('1212121212121212', { repo: 'nosuch' })).catch((e: unknown) => e);
    expect((err as GiteaApiError).status).toBe(404);
    expect((err as Error).message).toBe(
      "Gitea GET /repos/arcodange-org/nosuch/pulls failed with 404 Not Found: The target couldn't be found.; check the owner/name (repos.<id>.gitea in apps.yaml) and that the GITEA_TOKEN user can see the repository",
    );
  });

  it('GIVEN a 500 whose body echoes the token WHEN creating THEN the error is clear and the token redacted', async () => {
    double.fail({ method: 'POST', path: /\/pulls$/, status: 500, body: { message: `db error for token ${TOKEN}`, url: `${double.url}/api/swagger` } });
    const err = await ensurePullRequest(client, spec('1313131313131313')).catch((e: unknown) => e);
    expect((err as GiteaApiError).status).toBe(500);
    const msg = (err as Error).message;
    outputs.push(msg);
    expect(msg).toBe('Gitea POST /repos/arcodange-org/tools/pulls failed with 500: db error for token ***; the Gitea server had an error, try again later');
    // The double's own response body held the token; only our output must not.
    double.requests.length = 0;
  });

  it.each([
    ['base64 of the header value', (t: string) => Buffer.from(`token ${t}`).toString('base64')],
    ['base64url of the token, unpadded', (t: string) => Buffer.from(t).toString('base64url').replace(/=+$/, '')],
    ['Basic auth of user:token', (t: string) => `Basic ${Buffer.from(`joinkey:${t}`).toString('base64')}`],
    ['URL-encoded', (t: string) => encodeURIComponent(`token ${t}`)],
  ])('GIVEN a proxy error page echoing the Authorization header (%s) WHEN calling THEN no encoding of the token is in the error', async (_what, encode) => {
    double.fail({
      method: 'GET',
      path: /\/pulls\/main\//,
      status: 502,
      body: { message: `bad gateway; request headers: authorization=${encode(TOKEN)}; echo ${encode(TOKEN)}` },
    });
    const err = await ensurePullRequest(client, spec('1414141414141414')).catch((e: unknown) => e);
    const msg = (err as Error).message;
    outputs.push(msg);
    expect((err as GiteaApiError).status).toBe(502);
    expect(msg).toMatch(
      /^Gitea GET \/repos\/arcodange-org\/tools\/pulls\/main\/joinkey\/sync failed with 502: bad gateway; request headers: authorization=(Basic )?\*\*\*; echo (Basic |token%20)?\*\*\*; the Gitea server had an error, try again later$/,
    );
    for (const form of [TOKEN, encode(TOKEN), Buffer.from(TOKEN).toString('base64').slice(0, 20)]) expect(msg).not.toContain(form);
    double.requests.length = 0;
  });

  it('GIVEN a token with a control character WHEN creating a client THEN it is refused with a message that does not print it', () => {
    expect(() => createGiteaClient({ url: double.url, token: `${TOKEN}\r` })).toThrow(
      `GITEA_TOKEN has a line break at character ${TOKEN.length + 1} of ${TOKEN.length + 1}`,
    );
    expect(() => createGiteaClient({ url: double.url, token: `a b${TOKEN}` })).not.toThrow(TOKEN);
  });

  it('GIVEN an unreachable server WHEN calling THEN the error names the URL, not the token', async () => {
    const closed = new GiteaDouble(new SwaggerChecker(SPEC), TOKEN);
    const url = await closed.start();
    await closed.stop();
    const down = createGiteaClient({ url, token: TOKEN, timeoutMs: 2000 });
    const err = await down.getVersion().catch((e: unknown) => e);
    expect((err as GiteaApiError).status).toBe(0);
    expect((err as Error).message).toBe(
      `cannot reach Gitea at ${url}/api/v1 (GET /version): ECONNREFUSED; check --gitea-url, GITEA_URL or gitea.url in apps.yaml`,
    );
    outputs.push((err as Error).message);
  });

  it('GIVEN the double WHEN sent "Bearer" auth THEN it accepts it like real Gitea', async () => {
    const res = await fetch(`${double.url}/api/v1/version`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    double.requests.length = 0;
  });
});

describe('joinkey publish with PRs, end to end on real git and the double', () => {
  let fx: Fixture | undefined;
  let double: GiteaDouble;
  afterEach(async () => {
    fx?.cleanup();
    fx = undefined;
    await double.stop();
  });

  async function setup() {
    fx = await makeFixture(['tools', 'factory', 'cms']);
    double = new GiteaDouble(new SwaggerChecker(SPEC), TOKEN);
    for (const id of ['tools', 'factory', 'cms']) double.addRepo(`org/${id}`, ['joinkey']);
    await double.start();
    const cwd = join(fx.root, 'work');
    mkdirSync(cwd, { recursive: true });
    const write = (extraApp: string) =>
      writeFileSync(
        join(cwd, 'apps.yaml'),
        [
          'version: 1',
          `gitea: { url: ${double.url}, labels: [joinkey] }`,
          'repos:',
          ...['tools', 'factory', 'cms'].map((id) => `  ${id}: { url: ${fx!.bare(id)}, branch: main }`),
          'apps:',
          '  cms: { repo: cms, manifests: chart/templates, iac: iac, database: false, secrets: { cloudflared: {} } }',
          '  plausible: { repo: tools, namespace: tools, manifests: plausible/resources, iac: plausible/iac, database: { restart: [Deployment/plausible] } }',
          extraApp,
          '',
        ].join('\n'),
      );
    write('');
    const publish = async (...extra: string[]) => {
      const io = captureIo(cwd, { ...fx!.env, GITEA_TOKEN: TOKEN });
      const code = await run(extra, io);
      return { code, out: io.out(), err: io.err() };
    };
    return { publish, write };
  }

  it('GIVEN fresh repos WHEN publishing twice THEN exactly one PR per repo, factory first and linked, and the second run writes nothing', async () => {
    const { publish } = await setup();
    const first = await publish();
    expect(first.code, first.out + first.err).toBe(0);
    for (const id of ['tools', 'factory', 'cms']) {
      const pulls = double.repos.get(`org/${id}`)!.pulls;
      expect(pulls).toHaveLength(1);
      expect(pulls[0]!.labels).toHaveLength(1);
    }
    const created = double.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls')).map((r) => r.path);
    expect(created).toEqual(['/api/v1/repos/org/factory/pulls', '/api/v1/repos/org/cms/pulls', '/api/v1/repos/org/tools/pulls']);
    const tools = double.repos.get('org/tools')!.pulls[0]!;
    expect(tools.body).toContain('**merge factory first**');
    expect(tools.body).toContain(`(${double.url}/org/factory/pulls/1)`);
    expect(tools.body).toContain('`plausible_role`');
    expect(tools.body).toMatch(/\| plausible \| .*VaultDynamicSecret.* \| `plausible\/resources\/vso\.gen\.yaml` \| added \|/);
    expect(tools.body).toContain('### Added apps');
    expect(double.repos.get('org/factory')!.pulls[0]!.body).not.toContain('merge factory first');
    expect(first.out).toContain('PRs created or updated: factory #1 (created), cms #1 (created), tools #1 (created).');

    const writes = double.writes().length;
    const second = await publish();
    expect(second.code, second.out + second.err).toBe(0);
    expect(double.writes()).toHaveLength(writes);
    expect(second.out).toContain('Pushed: none.');
    expect(second.out).toContain('PRs created or updated: none.');
    for (const id of ['tools', 'factory', 'cms']) expect(double.repos.get(`org/${id}`)!.pulls).toHaveLength(1);

    for (const o of [first.out, first.err, second.out, second.err]) expect(o).not.toContain(TOKEN);
    expect(double.violations).toEqual([]);
  });

  it('GIVEN an apps.yaml change WHEN publishing again THEN the same PRs are updated, not duplicated', async () => {
    const { publish, write } = await setup();
    expect((await publish()).code).toBe(0);
    write('  erp: {}');
    const r = await publish();
    expect(r.code, r.out + r.err).toBe(0);
    for (const id of ['tools', 'factory']) expect(double.repos.get(`org/${id}`)!.pulls).toHaveLength(1);
    expect(double.repos.get('org/factory')!.pulls[0]!.body).toContain('erp');
    expect(r.out).toMatch(/factory #1 \(updated\)/);
    expect(double.violations).toEqual([]);
  });

  it('GIVEN a Gitea 500 WHEN publishing THEN the push stands, the PR failure is reported exactly, exit 1, token hidden', async () => {
    const { publish } = await setup();
    double.fail({ method: 'POST', path: /\/repos\/org\/cms\/pulls$/, status: 500, body: { message: `boom ${TOKEN}`, url: 'x' } });
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cms\s+pushed joinkey\/sync \([0-9a-f]{12}\); PR FAILED/);
    expect(r.out).toContain('PR failed: Gitea POST /repos/org/cms/pulls failed with 500: boom ***; the Gitea server had an error, try again later');
    expect(r.out).toContain('Pushed: factory, cms, tools.');
    expect(r.out + r.err).not.toContain(TOKEN);
  });

  it('GIVEN no GITEA_TOKEN WHEN publishing with PRs THEN it stops before touching anything', async () => {
    const { publish } = await setup();
    const io = captureIo(join(fx!.root, 'work'), { ...fx!.env });
    const code = await run([], io).catch((e: Error) => e.message);
    expect(code).toBe('GITEA_TOKEN is not set, so no pull requests can be opened: set it to a Gitea access token with write:repository scope, or pass --no-pr');
    expect(double.requests).toHaveLength(0);
    void publish;
  });

  it('GIVEN --dry-run WHEN a Gitea is configured THEN it only reads and says which PR would be created', async () => {
    const { publish } = await setup();
    const r = await publish('--dry-run');
    expect(r.code, r.out + r.err).toBe(0);
    expect(double.writes()).toHaveLength(0);
    expect(r.out).toContain('PR in org/tools: would create a PR');
    expect(Object.keys(await fx!.heads('tools'))).toEqual(['refs/heads/main']);
  });
});
