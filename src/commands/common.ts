import * as fs from 'node:fs';
import * as path from 'node:path';
import { positioned } from '../check/finding';
import { checkModel } from '../check/rules';
import { formatDiagnosticWithSource, InputError, JoinkeyError } from '../errors';
import { decodeAppsYaml, inputTooLarge, MAX_INPUT_BYTES } from '../config/load';
import { loadModel, type LoadedModel } from '../model';

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
    if (stat.isDirectory()) throw refuse(READ_FAILURES.EISDIR!);
    if (!stat.isFile()) throw refuse('it is not a regular file but a FIFO, socket or device');
    if (stat.size > MAX_INPUT_BYTES) throw inputTooLarge(file);
    return fs.readFileSync(fd);
  } catch (e) {
    if (e instanceof JoinkeyError || e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse((code && READ_FAILURES[code]) ?? `the system refused to read it (error ${code ?? (e as Error).name})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** What each errno of open/read means for the user. */
const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied; check the permissions of the file and its directories',
  EPERM: 'the operation is not permitted; check the permissions of the file',
  ELOOP: 'the path runs into a loop of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  ENXIO: 'it is a device or socket that cannot be opened for reading',
  ENODEV: 'it is a device that cannot be read',
  EMFILE: 'too many files are open; close some programs and retry',
  ENFILE: 'too many files are open on this system; retry later',
  EIO: 'an I/O error occurred; check the disk',
  EAGAIN: 'it is not ready to be read (a FIFO or device); pass a regular file',
  EINVAL: 'the path is not valid',
};

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
