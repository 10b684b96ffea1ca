import { join } from 'node:path';
import { compareDiagnostics, type Diagnostic } from '../errors';
import { liveConflicts, type HclParser, type RepoTrees } from '../inventory';
import { fileOf } from '../inventory/conflicts';
import type { Model } from '../model/model';
import { renderTree } from '../render';
import type { FileTree } from '../render/files';
import { validateHcl } from '../validate/hcl';
import { ManifestValidator } from '../validate/manifests';
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
}

/**
 * Everything `joinkey check` proves, in one list: the model invariants; then, when they hold, the
 * rendered tree (ordering, VSO pitfalls, CRD and provider schemas) and the contract with the
 * target repos. Findings are sorted; warnings never make it fail.
 */
export async function runChecks(model: Model, options: CheckOptions = {}): Promise<Finding[]> {
  const findings = checkModel(model);
  if (findings.some((f) => f.severity === 'error')) return findings;
  const tree = options.tree ?? renderTree(model);
  findings.push(...(await checkRendered(model, tree)));
  if (options.schemas !== false) findings.push(...(await schemaFindings(model, tree)));
  if (options.repos) findings.push(...(await checkContract(model, tree, options.repos)));
  return findings.sort(compareFindings);
}

/** The CRD schema and provider schema validators, run on every generated file. */
export async function schemaFindings(model: Model, tree: FileTree): Promise<Finding[]> {
  const origins = fileOrigins(model);
  const manifests = new ManifestValidator();
  const out: Finding[] = [];
  for (const [repo, files] of tree) {
    for (const [path, content] of files) {
      const origin = origins.get(`${repo}:${path}`) ?? [];
      if (/\.ya?ml$/.test(path)) {
        for (const p of manifests.validateText(`${repo}:${path}`, content)) {
          out.push(finding('crd-schema', origin, `${p.object} in ${p.file}: ${p.message}; this is a joinkey bug, please report it`, { at: 'key' }));
        }
      } else if (path.endsWith('.tf') || path.endsWith('.tfvars')) {
        for (const p of await validateHcl(`${repo}:${path}`, content)) {
          const where = [p.address, p.argument].filter(Boolean).join(' ');
          out.push(finding('provider-schema', origin, `${p.file}${where ? ` ${where}` : ''}: ${p.message}; this is a joinkey bug, please report it`, { at: 'key' }));
        }
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
export async function checkLive(tree: FileTree, checkouts: RepoTrees, parser: HclParser): Promise<Diagnostic[]> {
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

/** A live diagnostic with its files (`repo/path`) below `dir`, the directory that holds one checkout per repo id. */
export function underReposDir(dir: string, d: Diagnostic): Diagnostic {
  return { ...d, file: join(dir, d.file), ...(d.related ? { related: { ...d.related, file: join(dir, d.related.file) } } : {}) };
}
