import { join } from 'node:path';
import { compareDiagnostics, type Diagnostic } from '../errors';
import { liveConflicts, publishedTrees, type HclParser as InventoryParser, type RepoTrees } from '../inventory';
import { deployedNames, guardFindings, guardLiveChanges, liveAppDirectory, liveChangePlan } from '../live';
import { fileOf } from '../inventory/conflicts';
import type { Model } from '../model/model';
import { renderFiles } from '../render';
import type { FileTree } from '../render/files';
import { hclProblems, loadProviderSchemas } from '../validate/hcl';
import { ManifestValidator } from '../validate/manifests';
import { HclThread, type HclParser } from '../validate/hcl-parse';
import { ParsedTree, parseRender } from '../validate/parsed-tree';
import { checkContract, fileOrigins, type RepoReader } from './contract';
import { checkModel, compareFindings, finding, type Finding } from '../rules';
import { checkRendered } from './rendered';

export { checkModel } from '../rules';
export { checkContract, type RepoReader } from './contract';
export { checkRendered } from './rendered';
export { RULES, positioned, type Finding, type RuleId } from '../rules';

export interface CheckOptions {
  /** The rendered output; rendered from the model when absent. */
  readonly tree?: FileTree;
  /** Reads the target repo checkouts (`--repos-dir`); the contract is skipped without it. */
  readonly repos?: RepoReader;
  /** Validate manifests and HCL against the VSO CRD and provider schemas (slow to start); default true. */
  readonly schemas?: boolean;
  /** Parses the rendered HCL; default: an HclThread started by runChecks (pass one started earlier to hide its start-up). */
  readonly hcl?: HclParser;
}

/**
 * Everything `joinkey check` proves, in one list: the model invariants; then, when they hold, the
 * rendered tree (ordering, VSO pitfalls, CRD and provider schemas) and the contract with the
 * target repos. Findings are sorted; warnings never make it fail.
 */
export async function runChecks(model: Model, options: CheckOptions = {}): Promise<Finding[]> {
  // HCL is parsed on a worker thread, which parses while this thread renders and checks the manifests.
  const thread = options.hcl ? undefined : new HclThread();
  const hcl = options.hcl ?? thread!.parse;
  try {
    const findings = checkModel(model);
    if (findings.some((f) => f.severity === 'error')) return findings;
    const { tree, parsed } = options.tree ? { tree: options.tree, parsed: ParsedTree.of(options.tree, hcl) } : parseRender(renderFiles(model), hcl);
    const [rendered, schemas] = await Promise.all([checkRendered(model, tree, parsed), options.schemas === false ? [] : schemaFindings(model, tree, parsed)]);
    findings.push(...rendered, ...schemas);
    if (options.repos) findings.push(...(await checkContract(model, tree, options.repos, { parsed, parser: hcl })));
    return findings.sort(compareFindings);
  } finally {
    void thread?.close();
  }
}

/** The CRD schema and provider schema validators, run on every generated file (each schema loaded once). */
export async function schemaFindings(model: Model, tree: FileTree, parsed: ParsedTree = ParsedTree.of(tree)): Promise<Finding[]> {
  const origins = fileOrigins(model);
  const manifests = new ManifestValidator();
  const providers = loadProviderSchemas();
  const out: Finding[] = [];
  const originOf = (repo: string, path: string) => origins.get(`${repo}:${path}`) ?? [];
  // The manifests first: they are parsed already, while the HCL may still be parsing.
  for (const [repo, files] of tree) {
    for (const path of files.keys()) {
      const docs = parsed.yaml(repo, path);
      if (!docs) continue;
      for (const p of manifests.validateDocuments(`${repo}:${path}`, docs)) {
        out.push(finding('crd-schema', originOf(repo, path), `${p.object} in ${p.file}: ${p.message}; this is a joinkey bug, please report it`, { at: 'key' }));
      }
    }
  }
  for (const [repo, files] of tree) {
    for (const path of files.keys()) {
      const hcl = parsed.hcl(repo, path);
      if (!hcl) continue;
      for (const p of hclProblems(`${repo}:${path}`, await hcl, providers)) {
        const where = [p.address, p.argument].filter(Boolean).join(' ');
        out.push(
          finding('provider-schema', originOf(repo, path), `${p.file}${where ? ` ${where}` : ''}: ${p.message}; this is a joinkey bug, please report it`, {
            at: 'key',
          }),
        );
      }
    }
  }
  return out;
}

/** The rule of what the live inventory could not read: a warning, since it is listed, never guessed. */
export const LIVE_UNREADABLE_RULE = 'live-unreadable';

/**
 * The live check of `check --repos-dir` (issue 9): the conflicts of the target repos as publish
 * would leave them (the checkouts with the render on top, src/inventory), the ones the repos
 * already held included, each with its other side as `related`; and what the inventory could not
 * read, as `live-unreadable` warnings. Files are `repo/path`; sorted.
 */
export async function checkLive(tree: FileTree, checkouts: RepoTrees, parser: InventoryParser): Promise<Diagnostic[]> {
  const { inventory, findings } = await liveConflicts(checkouts, tree, { parser });
  const unreadable: Diagnostic[] = inventory.unreadable.map((u) => ({
    file: fileOf(u.at),
    line: u.at.line,
    col: u.at.col,
    rule: LIVE_UNREADABLE_RULE,
    severity: 'warning',
    message: `not read: ${u.reason}; what it declares is not checked for conflicts with other files`,
  }));
  return [...findings, ...unreadable].sort(compareDiagnostics);
}

/**
 * The guard of `check --repos-dir` (issue 9 part 4): the live change plan from the checkouts (the
 * target branches) to the checkouts with the render on top, and a finding at the apps.yaml key to
 * change for every destroy or rotation of stateful data that apps.yaml does not acknowledge.
 */
export async function checkGuard(model: Model, tree: FileTree, checkouts: RepoTrees, parser: InventoryParser): Promise<Finding[]> {
  const plan = await liveChangePlan(checkouts, publishedTrees(checkouts, tree), {
    parser,
    apps: liveAppDirectory(model, checkouts),
    deployedApps: deployedNames(model),
  });
  return guardFindings(guardLiveChanges(plan, model), model);
}

/** A live diagnostic with its files (`repo/path`) below `dir`, the directory that holds one checkout per repo id. */
export function underReposDir(dir: string, d: Diagnostic): Diagnostic {
  return { ...d, file: join(dir, d.file), ...(d.related ? { related: { ...d.related, file: join(dir, d.related.file) } } : {}) };
}
