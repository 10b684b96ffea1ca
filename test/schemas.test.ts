import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The schemas/ extracts are committed so that every test runs on a clone without ../shared. Each
 * is checked on its own here; test/drift/ compares them with what their scripts/extract-*.mjs make
 * from ../shared (`npm run test:drift`, run by .ci/run when ../shared is present).
 */

type Json = Record<string, unknown>;
const root = resolve(__dirname, '..');

interface GiteaScript {
  extractGiteaSchema: (full: Json) => Json;
  render: (file?: string) => string;
  OPERATIONS: Record<string, string>;
}
const load = async <T>(script: string) => (await import(pathToFileURL(join(root, 'scripts', script)).href)) as T;

const committedGitea = () => JSON.parse(readFileSync(join(root, 'schemas', 'gitea-pulls.json'), 'utf8')) as Json;
const clone = <T>(x: T): T => structuredClone(x);

describe('schemas/gitea-pulls.json, the Gitea swagger subset of the PR bot', () => {
  it('is a fixed point of its extractor: every operation present, every $ref resolved, nothing unreachable', async () => {
    const { extractGiteaSchema } = await load<GiteaScript>('extract-gitea-schema.mjs');
    const committed = committedGitea();
    expect(extractGiteaSchema(clone(committed))).toEqual(committed);
  });

  it('holds exactly the bot operations with their operationIds, under basePath /api/v1', async () => {
    const { OPERATIONS } = await load<GiteaScript>('extract-gitea-schema.mjs');
    const spec = committedGitea() as { basePath: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(spec.basePath).toBe('/api/v1');
    const got = Object.fromEntries(Object.entries(spec.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => [`${m} ${p}`, op.operationId])));
    expect(got).toEqual(OPERATIONS);
    expect(Object.keys(OPERATIONS)).toHaveLength(10);
  });

  it('drops what no operation reaches, keeps APIError, and refuses a missing operation or a dangling $ref', async () => {
    const { extractGiteaSchema } = await load<GiteaScript>('extract-gitea-schema.mjs');
    const committed = committedGitea() as Json & { definitions: Json; responses: Json; paths: Record<string, Json> };
    const padded = clone(committed);
    padded.definitions.Unused = { type: 'object' };
    padded.responses.unused = { description: 'x' };
    padded.paths['/repos/{owner}/{repo}/branches'] = { get: { operationId: 'repoListBranches', responses: { 200: { $ref: '#/responses/unused' } } } };
    expect(extractGiteaSchema(padded)).toEqual(committed);

    const noPatch = clone(committed);
    delete noPatch.paths['/repos/{owner}/{repo}/pulls/{index}']!.patch;
    expect(() => extractGiteaSchema(noPatch)).toThrow('PATCH /repos/{owner}/{repo}/pulls/{index}: expected operation repoEditPullRequest, found nothing');

    const renamed = clone(committed);
    (renamed.paths['/version']!.get as Json).operationId = 'version';
    expect(() => extractGiteaSchema(renamed)).toThrow('GET /version: expected operation getVersion, found version');

    const noUser = clone(committed);
    delete noUser.definitions.User;
    expect(() => extractGiteaSchema(noUser)).toThrow('unresolved $ref #/definitions/User');

    const noApiError = clone(committed);
    delete noApiError.definitions.APIError;
    expect(() => extractGiteaSchema(noApiError)).toThrow('unresolved $ref #/definitions/APIError');

    const external = clone(committed);
    (external.responses.notFound as Json).schema = { $ref: 'https://example.org/x.json' };
    expect(() => extractGiteaSchema(external)).toThrow('unsupported $ref https://example.org/x.json');
  });

  it('is deterministic whatever the key order of the source', async () => {
    const { extractGiteaSchema } = await load<GiteaScript>('extract-gitea-schema.mjs');
    const reverse = (x: unknown): unknown =>
      Array.isArray(x)
        ? x.map(reverse)
        : x && typeof x === 'object'
          ? Object.fromEntries(
              Object.entries(x)
                .reverse()
                .map(([k, v]) => [k, reverse(v)]),
            )
          : x;
    const committed = committedGitea();
    const text = (x: Json) => JSON.stringify(extractGiteaSchema(x));
    expect(text(reverse(clone(committed)) as Json)).toBe(text(clone(committed)));
    expect(readFileSync(join(root, 'schemas', 'gitea-pulls.json'), 'utf8')).toBe(`${JSON.stringify(committed, null, 2)}\n`);
  });
});
