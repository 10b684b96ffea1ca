import * as fs from 'node:fs';
import * as path from 'node:path';
import { hcl2jsonParser, type RepoTrees } from '../inventory';
import { deployedNames, guardFindings, guardLiveChanges, liveAppDirectory, liveChangePlan } from '../live';
import type { Model } from '../model/model';
import { ownershipFileIn } from '../ownership';
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
  // The changed OpenTofu files by root module. A module whose changed files are all new only
  // gains objects: nothing of it to guard. One whose changed files all set variables declares its
  // resources in the target repo: planned by check --repos-dir, which reads them.
  const byModule = new Map<string, string[]>();
  for (const rel of changes.tofu.keys()) {
    const dir = path.posix.dirname(rel);
    const rels = byModule.get(dir);
    if (rels) rels.push(rel);
    else byModule.set(dir, [rel]);
  }
  const variablesOnly: string[] = [];
  const modules: string[] = [];
  for (const [dir, rels] of byModule) {
    const replaced = rels.filter((rel) => changes.tofu.get(rel) !== undefined);
    if (replaced.length === 0) continue;
    if (replaced.every((rel) => rel.endsWith('.tfvars'))) variablesOnly.push(dir);
    else modules.push(dir);
  }
  if (modules.length === 0) return { findings: [], variablesOnly };
  for (const dir of modules.sort()) {
    const [repo, ...rest] = dir.split('/');
    const inRepo = rest.join('/');
    const names = new Set(byModule.get(dir)!.map((rel) => path.posix.basename(rel)));
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
  // each repo's ownership list (below the environment's dir in a dir-per-env repo): whose files were whose
  for (const repo of new Set([...before.keys(), ...after.keys()])) {
    const list = ownershipFileIn(model.repos.find((r) => r.id === repo)?.path);
    const rel = `${repo}/${list}`;
    const now = read(path.join(out, repo, ...list.split('/')));
    put(after, repo, list, now);
    put(before, repo, list, changes.lists.has(rel) ? changes.lists.get(rel) : now);
  }
  const beforeTrees: RepoTrees = before;
  const plan = await liveChangePlan(beforeTrees, after, {
    parser: hcl2jsonParser(),
    apps: liveAppDirectory(model, beforeTrees),
    deployedApps: deployedNames(model),
  });
  return { findings: guardFindings(guardLiveChanges(plan, model), model), variablesOnly };
}
