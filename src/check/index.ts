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
