import type { Location } from '../inventory/types';

/**
 * What `joinkey adopt` finds in hand-written repos: plain data, built by pure functions from the
 * repo trees and their inventory.
 */

export type AdoptRule =
  /** a join-key object adopt cannot express in apps.yaml: it stays hand-written */
  | 'adopt-unmapped'
  /** a value adopt had to assume, or a deliberate live change the adopted apps.yaml brings */
  | 'adopt-review'
  /** something that is not a join-key object: it stays hand-written as it is */
  | 'adopt-kept'
  /** the repos contradict themselves: no apps.yaml can reproduce them */
  | 'adopt-conflict';

/** The words of the adopt-review finding at an app whose VSO objects have no namespace of their own. */
export const APPLIER_NAMESPACE_REVIEW = 'its VSO objects take the namespace of whoever applies them';

export interface AdoptFinding {
  readonly at: Location;
  readonly rule: AdoptRule;
  readonly message: string;
}

/** One hand-written declaration the adopted apps.yaml renders instead (what publish --adopt removes). */
export interface Superseded {
  readonly at: Location;
  /** `VaultStaticSecret tools/plausible`, `random_password.secret_key_base`, `module.app_roles`, `applications` (a tfvars setting). */
  readonly what: string;
  readonly kind: 'kube-object' | 'kube-patch' | 'tofu-block' | 'tfvars-setting';
  /** The app (or consumer) it belongs to. */
  readonly owner: string;
  /** For a tofu block whose generated twin has another address: the moved blocks (in its root module) that keep its state. */
  readonly moves?: readonly { readonly from: string; readonly to: string }[];
}

export interface AdoptResult {
  /** The apps.yaml text, with a comment per app naming the files it came from. */
  readonly text: string;
  /** Sorted by file and position. */
  readonly findings: readonly AdoptFinding[];
  readonly superseded: readonly Superseded[];
}
