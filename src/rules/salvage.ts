import type * as z from 'zod';
import { AppsFileSchema } from '../config/schema';
import type { Path, Problem } from '../config/source';
import { resolve } from '../model/resolve';
import { checkModel } from '.';

/** App keys other options and rules depend on: when one is dropped, the app's rule findings are not trusted. */
const DEPENDED_ON: ReadonlySet<string> = new Set(['repo', 'namespace', 'namespaces', 'serviceAccounts', 'database']);
const REMOVED = Symbol('removed');
const MAX_ROUNDS = 8;

type Rec = Record<string | number | symbol, unknown>;

/**
 * The rule layer's errors for a file whose shape is wrong, so that one run reports both: the
 * values the schema refuses are dropped (unknown keys, wrong values, entries missing a required
 * key), the rest is resolved and checked, and findings at or under a dropped value are left out
 * (the shape error already points there). Also the schema's checks of one mapping that only run
 * once the rest of it is valid. Only those when the file cannot be salvaged (its top level is not
 * a mapping with repos and apps).
 */
export function ruleProblemsDespiteShape(raw: unknown, issues: readonly z.core.$ZodIssue[]): Problem[] {
  if (!isRecord(raw) || !isRecord(raw.repos) || !isRecord(raw.apps)) return [];
  const data = structuredClone(raw);
  const dropped: Path[] = [];
  // checks of one mapping (e.g. manifests needs repo) that the schema only runs once the rest of the mapping is valid
  const refinements: Problem[] = [];
  const trusted = (p: Problem) => !dropped.some((d) => d.length <= p.path.length && d.every((seg, i) => seg === p.path[i]));
  let pending = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const issue of pending) if (!drop(data, issue, dropped)) return refinements;
    removeMarked(data);
    const parsed = AppsFileSchema.safeParse(data);
    if (parsed.success) {
      return [...refinements, ...checkModel(resolve(parsed.data)).filter((f) => f.severity === 'error' && trusted(f))];
    }
    pending = parsed.error.issues;
    for (const issue of pending) {
      const refinement = { path: issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol'), message: issue.message };
      if (issue.code === 'custom' && trusted(refinement)) refinements.push(refinement);
    }
  }
  return refinements;
}

/** Drops what one issue refuses; false when it is at the top level and cannot be dropped. */
function drop(data: Rec, issue: z.core.$ZodIssue, dropped: Path[]): boolean {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const node = valueAt(data, path);
    if (!isRecord(node)) return false;
    for (const key of issue.keys) {
      delete node[key];
      dropped.push([...path, key]);
    }
    return true;
  }
  if (path.length === 0) return false;
  if (path.length === 1 && path[0] === 'version') {
    data.version = 1;
    return true;
  }
  if (path.length === 1 && (path[0] === 'repos' || path[0] === 'apps')) return false;
  if (path[0] === 'repos') {
    // keep the repo declared, so that apps naming it are not reported as naming an undeclared repo
    const id = path[1]!;
    const repos = data.repos as Rec;
    const repo = isRecord(repos[id]) ? repos[id] : {};
    if (path.length === 2 && issue.code === 'invalid_key') delete repos[id];
    else
      repos[id] = {
        ...repo,
        url: path[2] === 'url' || repo.url === undefined ? `invalid-url-of-${String(id)}` : repo.url,
        ...(path[2] === 'branch' ? { branch: undefined } : {}),
        ...(path[2] === 'gitea' ? { gitea: undefined } : {}),
      };
    cleanUndefined(repos[id]);
    dropped.push(['repos', id]);
    return true;
  }
  // a missing required key drops the entry that misses it
  const target = valueAt(data, path) === undefined ? path.slice(0, -1) : path;
  if (target.length === 0) return false;
  const parent = valueAt(data, target.slice(0, -1));
  const last = target[target.length - 1]!;
  if (Array.isArray(parent) && typeof last === 'number') parent[last] = REMOVED;
  else if (isRecord(parent)) delete parent[last];
  else return false;
  const appKey = target[0] === 'apps' && target.length >= 3 && DEPENDED_ON.has(String(target[2]));
  dropped.push(appKey ? target.slice(0, 2) : target);
  // a dropped central target falls back to its default repo, which the repos may not declare
  if (target[0] === 'central') dropped.push(['repos']);
  return true;
}

function removeMarked(x: unknown): void {
  if (Array.isArray(x)) {
    for (let i = x.length - 1; i >= 0; i--) if (x[i] === REMOVED) x.splice(i, 1);
    x.forEach(removeMarked);
  } else if (isRecord(x)) {
    Object.values(x).forEach(removeMarked);
  }
}

function cleanUndefined(x: unknown): void {
  if (isRecord(x)) for (const k of Object.keys(x)) if (x[k] === undefined) delete x[k];
}

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function valueAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Rec)[seg];
  }
  return node;
}
