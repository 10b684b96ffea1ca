import { appsFileOf, dedupeDiagnostics, readAppsYaml, shapeProblems } from '../config/load';
import type { AppsFile } from '../config/schema';
import type { YamlSource } from '../config/source';
import { InputError, type Diagnostic } from '../errors';
import { checkModel } from '../rules';
import { crossEnvironmentFindings, environmentConfigFindings, mergeEnvironmentFindings } from '../rules/environments';
import type { Finding } from '../rules/finding';
import { ruleProblemsDespiteShape } from '../rules/salvage';
import { shapeRule } from '../rules/shape';
import { expandEnvironment, hasEnvironments, promotionOrder, type EnvironmentModel } from './environments';
import type { Model } from './model';
import { resolve } from './resolve';

export interface LoadedModel {
  /** The model of the implicit environment; with `environments:`, the first environment's (promotion order). */
  readonly model: Model;
  /** The declared environments in promotion order, each with its model; empty without `environments:`. */
  readonly environments: readonly EnvironmentModel[];
  /** The validated file, for what spans environments (rules/environments.ts). */
  readonly config: AppsFile;
  readonly source: YamlSource;
  /** The rule layer's warnings, positioned; they do not refuse the model. */
  readonly warnings: readonly Diagnostic[];
}

/**
 * apps.yaml text to the resolved model, checked by the rule layer (src/rules), or one InputError
 * with every positioned error: the shape's and the rules'. With environments, the rules run on
 * every environment's model, plus the rules across environments.
 */
export function loadModel(file: string, text: string): LoadedModel {
  const { model, environments, source, config } = loadUnchecked(file, text);
  const checked = environments.length
    ? [
        ...mergeEnvironmentFindings(
          config,
          environments.map((e) => ({ name: e.name, findings: checkModel(e.model) })),
        ),
        ...crossEnvironmentFindings(config, environments),
      ]
    : checkModel(model);
  const findings = checked.map((f) => source.at(f));
  const errors = findings.filter((d) => d.severity === 'error');
  if (errors.length)
    throw new InputError(
      errors,
      findings.filter((d) => d.severity === 'warning'),
    );
  return { model, environments, config, source, warnings: findings };
}

/**
 * apps.yaml text to the resolved model, its shape validated but not its rules (for tests and tools
 * that probe them). A wrong shape throws one InputError with the shape's problems and, so that one
 * run reports everything, the rules' findings on what can be salvaged.
 */
export function loadUncheckedModel(
  file: string,
  text: string,
): { readonly model: Model; readonly environments: readonly EnvironmentModel[]; readonly source: YamlSource } {
  const { model, environments, source } = loadUnchecked(file, text);
  return { model, environments, source };
}

function loadUnchecked(file: string, text: string): { model: Model; environments: EnvironmentModel[]; source: YamlSource; config: AppsFile } {
  const read = readAppsYaml(file, text);
  if (read.issues.length) {
    const problems = [...shapeProblems(read, shapeRule), ...ruleProblemsDespiteShape(read.raw, read.issues)];
    throw new InputError(dedupeDiagnostics(problems.map((p) => read.source.at(p))));
  }
  const config = appsFileOf(read);
  const source = read.source;
  const refused = (fs: Finding[]) => fs.filter((f) => f.severity === 'error');
  // the references of environments: must hold before expansion, which relies on them
  const references = refused(environmentConfigFindings(config));
  if (references.length) throw new InputError(dedupeDiagnostics(references.map((f) => source.at(f))));
  if (!hasEnvironments(config)) return { model: resolve(config), environments: [], source, config };
  const environments = promotionOrder(config).map((name): EnvironmentModel => {
    const expanded = expandEnvironment(config, name);
    return { name, model: resolve(expanded.config, expanded.environment) };
  });
  // environments declares at least one (environmentConfigFindings)
  return { model: environments[0]!.model, environments, source, config };
}

export type { Model } from './model';
export type { EnvironmentModel } from './environments';
export { rotationsAcknowledged, secretRotations, type KeyRotation } from './generated';
