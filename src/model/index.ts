import { appsFileOf, dedupeDiagnostics, readAppsYaml, shapeProblems } from '../config/load';
import type { YamlSource } from '../config/source';
import { InputError, type Diagnostic } from '../errors';
import { checkModel } from '../rules';
import { ruleProblemsDespiteShape } from '../rules/salvage';
import { shapeRule } from '../rules/shape';
import type { Model } from './model';
import { resolve } from './resolve';

export interface LoadedModel {
  readonly model: Model;
  readonly source: YamlSource;
  /** The rule layer's warnings, positioned; they do not refuse the model. */
  readonly warnings: readonly Diagnostic[];
}

/**
 * apps.yaml text to the resolved model, checked by the rule layer (src/rules), or one InputError
 * with every positioned error: the shape's and the rules'.
 */
export function loadModel(file: string, text: string): LoadedModel {
  const { model, source } = loadUncheckedModel(file, text);
  const findings = checkModel(model).map((f) => source.at(f));
  const errors = findings.filter((d) => d.severity === 'error');
  if (errors.length)
    throw new InputError(
      errors,
      findings.filter((d) => d.severity === 'warning'),
    );
  return { model, source, warnings: findings };
}

/**
 * apps.yaml text to the resolved model, its shape validated but not its rules (for tests and tools
 * that probe them). A wrong shape throws one InputError with the shape's problems and, so that one
 * run reports everything, the rules' findings on what can be salvaged.
 */
export function loadUncheckedModel(file: string, text: string): { readonly model: Model; readonly source: YamlSource } {
  const read = readAppsYaml(file, text);
  if (read.issues.length) {
    const problems = [...shapeProblems(read, shapeRule), ...ruleProblemsDespiteShape(read.raw, read.issues)];
    throw new InputError(dedupeDiagnostics(problems.map((p) => read.source.at(p))));
  }
  return { model: resolve(appsFileOf(read)), source: read.source };
}

export type { Model } from './model';
export { rotationsAcknowledged, secretRotations, type KeyRotation } from './generated';
