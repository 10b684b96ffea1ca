import { loadAppsYaml } from '../config/load';
import type { YamlSource } from '../config/source';
import { InputError } from '../errors';
import type { Model } from './model';
import { modelConflicts, resolve } from './resolve';

export interface LoadedModel {
  readonly model: Model;
  readonly source: YamlSource;
}

/** apps.yaml text to the resolved model, or one InputError with every positioned problem. */
export function loadModel(file: string, text: string): LoadedModel {
  const { config, source } = loadAppsYaml(file, text);
  const model = resolve(config);
  const conflicts = modelConflicts(model);
  if (conflicts.length) throw new InputError(conflicts.map((p) => source.at(p)));
  return { model, source };
}

export type { Model } from './model';
export { rotationsAcknowledged, secretRotations, type KeyRotation } from './generated';
