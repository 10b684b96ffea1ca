import * as fs from 'node:fs';
import * as path from 'node:path';
import { hcl2jsonParser, type RepoTrees } from '../inventory';
import { deployedNames, guardFindings, guardLiveChanges, liveAppDirectory, liveChangePlan } from '../live';
import type { Model } from '../model/model';
import { OWNERSHIP_FILE } from '../ownership';
import type { Finding } from '../rules';
import { isTofuFile, type SynthChanges } from './changes';

/**
 * The live guard of synth (issue 9 part 4), loaded only when a run changes OpenTofu files: the
 * change plan between OUT's previous render and the new one, over the root modules whose files
 * changed, and a warning for every stateful destroy or rotation apps.yaml does not acknowledge.
 * synth sees joinkey's files only: a central map (a .tfvars) whose resources live in the target
 * repo is planned by `check --repos-dir` and publish, which read the repos.
 */

export interface SynthGuardResult {
  readonly findings: readonly Finding[];
  /** Root modules of OUT whose changed files set variables only: their effect needs the target repo. */
  readonly variablesOnly: readonly string[];
}

export async function synthGuard(out: string, model: Model, changes: SynthChanges): Promise<SynthGuardResult> {
  const before = new Map<string, Map<string, string>>();
  const after = new Map<string, Map<string, string>>();
  const put = (trees: Map<string, Map<string, string>>, repo: string, p: string, content: string | undefined) => {
    if (content === undefined) return;
    let files = trees.get(repo);
    if (!files) trees.set(repo, (files = new Map<string, string>()));
    files.set(p, content);
  };
  const read = (file: string): string | undefined => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  // A module whose changed files are all new only gains objects: nothing of it to guard. One
  // whose changed files all set variables declares its resources in the target repo: planned by
  // check --repos-dir, which reads them.
  const changedIn = new Map<string, string[]>();
  for (const [rel, previous] of changes.tofu) {
    if (previous === undefined) continue;
    const dir = path.posix.dirname(rel);
    changedIn.set(dir, [...(changedIn.get(dir) ?? []), rel]);
  }
  const variablesOnly = [...changedIn].filter(([, rels]) => rels.every((rel) => rel.endsWith('.tfvars'))).map(([dir]) => dir);
  const modules = new Set([...changedIn.keys()].filter((dir) => !variablesOnly.includes(dir)));
  for (const dir of [...modules].sort()) {
    const [repo, ...rest] = dir.split('/');
    const inRepo = rest.join('/');
    const names = new Set<string>();
    for (const rel of changes.tofu.keys()) if (path.posix.dirname(rel) === dir) names.add(path.posix.basename(rel));
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(path.join(out, ...dir.split('/')));
    } catch {
      // the whole module is gone: its previous files are in changes
    }
    for (const e of entries) if (isTofuFile(e)) names.add(e);
    for (const name of [...names].sort()) {
      const rel = `${dir}/${name}`;
      const now = read(path.join(out, ...rel.split('/')));
      put(after, repo!, `${inRepo}/${name}`, now);
      put(before, repo!, `${inRepo}/${name}`, changes.tofu.has(rel) ? changes.tofu.get(rel) : now);
    }
  }
  for (const repo of new Set([...before.keys(), ...after.keys()])) {
    const rel = `${repo}/${OWNERSHIP_FILE}`;
    const now = read(path.join(out, repo, ...OWNERSHIP_FILE.split('/')));
    put(after, repo, OWNERSHIP_FILE, now);
    put(before, repo, OWNERSHIP_FILE, changes.lists.has(rel) ? changes.lists.get(rel) : now);
  }
  if (modules.size === 0) return { findings: [], variablesOnly };
  const beforeTrees: RepoTrees = before;
  const plan = await liveChangePlan(beforeTrees, after, {
    parser: hcl2jsonParser(),
    apps: liveAppDirectory(model, beforeTrees),
    deployedApps: deployedNames(model),
  });
  return { findings: guardFindings(guardLiveChanges(plan, model), model), variablesOnly };
}
