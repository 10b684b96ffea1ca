import * as fs from 'node:fs';
import * as path from 'node:path';
import { positioned } from '../check/finding';
import { checkModel } from '../check/rules';
import { formatDiagnosticWithSource, InputError, JoinkeyError } from '../errors';
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
 * readModel plus the model invariants of `joinkey check` (the fast ones, not the schema
 * validation of the output): errors refuse the run, warnings are printed.
 */
export function readCheckedModel(cwd: string, config: string | undefined, stderr: { write(s: string): unknown }): LoadedModel & { file: string } {
  const loaded = readModel(cwd, config);
  const findings = checkModel(loaded.model).map((f) => positioned(loaded.source, f));
  if (findings.some((d) => d.severity === 'error')) throw new InputError(findings);
  for (const warning of findings) stderr.write(`${formatDiagnosticWithSource(warning)}\n`);
  return loaded;
}
