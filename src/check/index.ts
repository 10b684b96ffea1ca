import type { Diagnostic } from '../errors';
import type { Model } from '../model/model';
import { renderFiles } from '../render';
import type { FileTree } from '../render/files';
import { hclProblems, loadProviderSchemas } from '../validate/hcl';
import { ManifestValidator } from '../validate/manifests';
import { HclThread } from '../validate/hcl-parse';
import { ParsedTree, parseRender } from '../validate/parsed-tree';
import { checkContract, fileOrigins, type RepoReader } from './contract';
import { compareFindings, finding, type Finding, type RuleId } from './finding';
import { checkRendered } from './rendered';
import { checkModel } from './rules';

export { checkModel } from './rules';
export { checkContract, type RepoReader } from './contract';
export { checkRendered } from './rendered';
export { RULES, positioned, type Finding, type RuleId } from './finding';

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
  // HCL is parsed on a worker thread, which starts now and then parses while this thread renders.
  const hcl = new HclThread();
  try {
    const findings = checkModel(model);
    if (findings.some((f) => f.severity === 'error')) return findings;
    const { tree, parsed } = options.tree
      ? { tree: options.tree, parsed: await ParsedTree.of(options.tree, hcl.parse) }
      : await parseRender(renderFiles(model), hcl.parse);
    findings.push(...(await checkRendered(model, tree, parsed)));
    if (options.schemas !== false) findings.push(...(await schemaFindings(model, tree, parsed)));
    if (options.repos) findings.push(...(await checkContract(model, tree, options.repos)));
    return findings.sort(compareFindings);
  } finally {
    void hcl.close();
  }
}

/** The CRD schema and provider schema validators, run on every generated file (each schema loaded once). */
export async function schemaFindings(model: Model, tree: FileTree, parsed?: ParsedTree): Promise<Finding[]> {
  parsed ??= await ParsedTree.of(tree);
  const origins = fileOrigins(model);
  const manifests = new ManifestValidator();
  const providers = loadProviderSchemas();
  const out: Finding[] = [];
  for (const [repo, files] of tree) {
    for (const path of files.keys()) {
      const origin = origins.get(`${repo}:${path}`) ?? [];
      const docs = parsed.yaml(repo, path);
      const hcl = parsed.hcl(repo, path);
      if (docs) {
        for (const p of manifests.validateDocuments(`${repo}:${path}`, docs)) {
          out.push(finding('crd-schema', origin, `${p.object} in ${p.file}: ${p.message}; this is a joinkey bug, please report it`, { at: 'key' }));
        }
      } else if (hcl) {
        for (const p of hclProblems(`${repo}:${path}`, hcl, providers)) {
          const where = [p.address, p.argument].filter(Boolean).join(' ');
          out.push(finding('provider-schema', origin, `${p.file}${where ? ` ${where}` : ''}: ${p.message}; this is a joinkey bug, please report it`, { at: 'key' }));
        }
      }
    }
  }
  return out;
}

/**
 * The rule a load-time error of apps.yaml belongs to, so that `check` names the invariant even
 * when the loader already refused the file (the rules in config/rules.ts enforce the same ones).
 */
export function ruleForInputDiagnostic(d: Diagnostic): RuleId {
  const m = d.message;
  if (/not bound to Vault role/.test(m)) return 'sa-namespace';
  if (/PostgreSQL/.test(m)) return 'name-pg-identifier';
  if (/DNS-1123/.test(m)) return 'name-dns1123';
  if (/kv space|would read every app's secrets|kv path/.test(m)) return 'kv-scope';
  return 'input';
}
