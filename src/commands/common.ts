import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnosticWithSource, JoinkeyError } from '../errors';
import { loadModel, type LoadedModel } from '../model';

export const DEFAULT_CONFIG = 'apps.yaml';

/** Reads and resolves the apps.yaml named by --config (relative to cwd). */
export function readModel(cwd: string, config: string | undefined): LoadedModel & { file: string } {
  const file = config ?? DEFAULT_CONFIG;
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? (e as Error).message;
    throw new JoinkeyError(`cannot read ${file}: ${why}; pass --config <path to apps.yaml>`);
  }
  return { ...loadModel(file, text), file };
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
