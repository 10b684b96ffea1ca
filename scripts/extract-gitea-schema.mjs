#!/usr/bin/env node
// Extracts the Gitea API operations the PR bot calls from ../shared/gitea/swagger-pulls-subset.json
// (see its SOURCE.md) into the committed schemas/gitea-pulls.json, which the swagger-checked
// Gitea double of the tests reads: those operations, every definition and response their $refs
// reach (transitively), Gitea's JSON error body APIError, and the header fields the checker uses.
// Fails when an operation is missing or a $ref does not resolve.
// Deterministic: sorted keys, 2-space JSON, trailing newline.
// Usage: node scripts/extract-gitea-schema.mjs [--check]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, serialize, sortKeys, writeOrCheck } from './extract-lib.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const sourceFile = resolve(root, '..', 'shared', 'gitea', 'swagger-pulls-subset.json');
export const outFile = join(root, 'schemas', 'gitea-pulls.json');

/** The bot's operations: `method path` -> operationId (the list of SOURCE.md and check-refs.mjs). */
export const OPERATIONS = {
  'get /repos/{owner}/{repo}': 'repoGet',
  'get /repos/{owner}/{repo}/pulls': 'repoListPullRequests',
  'post /repos/{owner}/{repo}/pulls': 'repoCreatePullRequest',
  'get /repos/{owner}/{repo}/pulls/{index}': 'repoGetPullRequest',
  'patch /repos/{owner}/{repo}/pulls/{index}': 'repoEditPullRequest',
  'get /repos/{owner}/{repo}/pulls/{base}/{head}': 'repoGetPullRequestByBaseHead',
  'post /repos/{owner}/{repo}/issues/{index}/comments': 'issueCreateComment',
  'post /repos/{owner}/{repo}/issues/{index}/labels': 'issueAddLabel',
  'get /repos/{owner}/{repo}/labels': 'issueListLabels',
  'get /version': 'getVersion',
};

/** Gitea sends its errors as this JSON body although the spec declares them as headers only. */
const ERROR_BODY = '#/definitions/APIError';

function refsIn(node, out = []) {
  if (Array.isArray(node)) for (const v of node) refsIn(v, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

/** The extract of a full swagger 2.0 object; throws on a missing operation or an unresolved $ref. */
export function extractGiteaSchema(full) {
  const paths = {};
  for (const [key, operationId] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ');
    const op = full.paths?.[path]?.[method];
    if (op?.operationId !== operationId)
      throw new Error(`${method.toUpperCase()} ${path}: expected operation ${operationId}, found ${op?.operationId ?? 'nothing'}`);
    (paths[path] ??= {})[method] = op;
  }
  const picked = { definitions: {}, responses: {} };
  const pending = [...refsIn(paths), ERROR_BODY];
  while (pending.length) {
    const ref = pending.pop();
    const m = /^#\/(definitions|responses)\/([^/]+)$/.exec(ref);
    if (!m) throw new Error(`unsupported $ref ${ref}`);
    const [, section, name] = m;
    if (Object.hasOwn(picked[section], name)) continue;
    if (!full[section] || !Object.hasOwn(full[section], name)) throw new Error(`unresolved $ref ${ref}`);
    picked[section][name] = full[section][name];
    pending.push(...refsIn(full[section][name]));
  }
  return sortKeys({
    '//': 'Extracted by scripts/extract-gitea-schema.mjs from ../shared/gitea/swagger-pulls-subset.json (see its SOURCE.md); do not edit.',
    swagger: full.swagger,
    info: full.info,
    basePath: full.basePath,
    consumes: full.consumes,
    produces: full.produces,
    paths,
    definitions: picked.definitions,
    responses: picked.responses,
    securityDefinitions: full.securityDefinitions,
    security: full.security,
  });
}

export function render(file = sourceFile) {
  return serialize(extractGiteaSchema(JSON.parse(readFileSync(file, 'utf8'))));
}

if (isMain(import.meta.url)) writeOrCheck(outFile, render(), 'scripts/extract-gitea-schema.mjs');
