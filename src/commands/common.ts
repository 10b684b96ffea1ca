import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeAppsYaml, inputTooLarge, MAX_INPUT_BYTES } from '../config/load';
import { formatDiagnosticWithSource, InputError, JoinkeyError } from '../errors';
import { errnoWords } from '../util/errno';
import { loadModel, type LoadedModel, type Model } from '../model';

export const DEFAULT_CONFIG = 'apps.yaml';

/** Reads and resolves the apps.yaml named by --config (relative to cwd). */
export function readModel(cwd: string, config: string | undefined): LoadedModel & { file: string } {
  if (config === '') throw new JoinkeyError('--config is empty; pass --config <path to apps.yaml>, or leave it out to read apps.yaml');
  const file = config ?? DEFAULT_CONFIG;
  const text = decodeAppsYaml(file, readConfigBytes(path.resolve(cwd, file), file));
  return { ...loadModel(file, text), file };
}

/** The bytes of a regular file, or a JoinkeyError that says in words why it cannot be read. */
function readConfigBytes(full: string, file: string): Buffer {
  const refuse = (why: string) => new JoinkeyError(`cannot read ${file}: ${why}; pass --config <path to apps.yaml>`);
  let fd: number | undefined;
  try {
    // Non-blocking, so a FIFO is refused below instead of waiting forever for a writer.
    fd = fs.openSync(full, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw refuse(errnoWords('EISDIR')!);
    if (!stat.isFile()) throw refuse('it is not a regular file but a FIFO, socket or device');
    if (stat.size > MAX_INPUT_BYTES) throw inputTooLarge(file);
    return fs.readFileSync(fd);
  } catch (e) {
    if (e instanceof JoinkeyError || e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(errnoWords(code) ?? `the system refused to read it (error ${code ?? (e as Error).name})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * readModel, whose rule layer (src/rules) refuses the run on errors, plus its warnings printed:
 * what synth, diff and publish read.
 */
export function readCheckedModel(cwd: string, config: string | undefined, stderr: { write(s: string): unknown }): LoadedModel & { file: string } {
  const loaded = readModel(cwd, config);
  for (const warning of loaded.warnings) stderr.write(`${formatDiagnosticWithSource(warning)}\n`);
  return loaded;
}

/** One environment a command handles: a declared one by name, or the implicit one (no name). */
export interface SelectedEnvironment {
  readonly name?: string;
  readonly model: Model;
}

/**
 * The environments a command handles, in promotion order: all of them, or the one `--env` names.
 * Without `environments:` in apps.yaml, the implicit one (and --env is refused).
 */
export function selectEnvironments(loaded: Pick<LoadedModel, 'model' | 'environments'>, env: string | undefined): SelectedEnvironment[] {
  const declared = loaded.environments.map((e) => e.name);
  if (env === undefined) return loaded.environments.length ? [...loaded.environments] : [{ model: loaded.model }];
  if (!declared.length)
    throw new JoinkeyError(`--env ${JSON.stringify(env)}: apps.yaml declares no environments; remove --env, or declare environments: in apps.yaml`);
  const chosen = loaded.environments.find((e) => e.name === env);
  if (!chosen) throw new JoinkeyError(`--env ${JSON.stringify(env)} is not an environment of apps.yaml; known environments: ${declared.join(', ')}`);
  return [chosen];
}

/** A line, or a heading, that says which environment follows; nothing for the implicit one. */
export const environmentHeading = (env: SelectedEnvironment): string => (env.name === undefined ? '' : `### environment ${env.name}\n`);
