import type { Model } from '../model/model';
import { appOptionFindings, repoReferenceFindings, vaultNameFindings } from './declared';
import { compareFindings, type Finding } from './finding';
import {
  crossProductFindings,
  kvScopeFindings,
  nameFindings,
  policyGrantFindings,
  policyIsolationFindings,
  saNamespaceFindings,
  sharedIdentityFindings,
} from './invariants';
import { generatedKeyFindings } from './generated';
import { platformFindings } from './kubernetes';
import { renamedFindings, retiredFindings } from './retired';
import { uniquenessFindings } from './unique';

export { compareFindings, finding, positioned, RULES, type Finding, type RuleId } from './finding';

/**
 * The one validation pass over the resolved model: every rule of apps.yaml beyond its shape, each
 * finding with its rule id and the apps.yaml path to change. Pure and cheap: O(n log n) in the
 * number of apps (the glob proof uses a sorted index, never a pass over all pairs), so every
 * command runs it before rendering. Sorted.
 */
export function checkModel(model: Model): Finding[] {
  const findings: Finding[] = [
    ...repoReferenceFindings(model),
    ...appOptionFindings(model),
    ...vaultNameFindings(model),
    ...nameFindings(model),
    ...saNamespaceFindings(model),
    ...policyIsolationFindings(model),
    ...policyGrantFindings(model),
    ...kvScopeFindings(model),
    ...crossProductFindings(model),
    ...sharedIdentityFindings(model),
    ...uniquenessFindings(model),
    ...platformFindings(model),
    ...generatedKeyFindings(model),
    ...retiredFindings(model),
    ...renamedFindings(model),
  ];
  return findings.sort(compareFindings);
}
