import { OWNERSHIP_FILE } from '../ownership';

/** OpenTofu's own files: configuration and variable values. */
export const isTofuFile = (name: string): boolean => name.endsWith('.tf') || name.endsWith('.tfvars');

/**
 * What one synth run changes in OUT that its live guard reads: the previous content of each
 * OpenTofu file and ownership list it adds, replaces or deletes (undefined: it is new). Kept
 * light, so synth loads the guard (and HCL's parser) only when some OpenTofu file changed.
 */
export class SynthChanges {
  readonly tofu = new Map<string, string | undefined>();
  readonly lists = new Map<string, string | undefined>();

  /** The writer's onChange. */
  readonly record = (rel: string, previous: () => string | undefined): void => {
    if (rel.endsWith(`/${OWNERSHIP_FILE}`)) this.lists.set(rel, previous());
    else if (isTofuFile(rel)) this.tofu.set(rel, previous());
  };
}
