import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnosticWithSource, InputError, InternalError, JoinkeyError } from './errors';
import { packageRoot } from './util/package-root';
import type { CliIo, Command } from './cli-io';

export type { CliIo, Command } from './cli-io';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  synth: { summary: 'render apps.yaml into OUT/<repo>/<path> (default dist/)', load: async () => (await import('./commands/synth')).run },
  check: { summary: 'prove the invariants of apps.yaml and the rendered output', load: async () => (await import('./commands/check')).run },
  explain: { summary: 'list every object one app name produces across the repos', load: async () => (await import('./commands/explain')).run },
  diff: { summary: 'diff the rendered output against the target repos', load: async () => (await import('./commands/diff')).run },
  adopt: { summary: 'write the apps.yaml that takes over hand-written repos', load: async () => (await import('./commands/adopt')).run },
  publish: { summary: 'commit the rendered files to the target repos and open one PR per repo', load: async () => (await import('./commands/publish')).run },
};

export const USAGE = `joinkey: one apps.yaml for Vault, VSO, Postgres and CI join keys

Usage: joinkey <command> [options]    (joinkey --version prints the version)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`)
  .join('\n')}

Run "joinkey <command> --help" for the options of a command.
`;

/** Runs one command and maps every failure to a message and an exit code; never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout.write(`joinkey ${packageVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`joinkey: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof InputError) {
    io.stderr.write(e.diagnostics.map(formatDiagnosticWithSource).join('\n') + '\n');
    const n = e.diagnostics.filter((d) => d.severity === 'error').length;
    io.stderr.write(`joinkey: ${n} problem${n === 1 ? '' : 's'} found; nothing was written\n`);
    return 1;
  }
  if (e instanceof JoinkeyError) {
    io.stderr.write(`joinkey: ${e.message}\n`);
    return e.exitCode;
  }
  if (isUsageError(e)) {
    io.stderr.write(`joinkey: ${(e as Error).message}\n`);
    return 1;
  }
  return reportInternalError(e, io);
}

/** Any other failure is a bug in joinkey: an InternalError, or an unexpected exception. Exit 70. */
function reportInternalError(e: unknown, io: CliIo): number {
  const err = e as Error;
  io.stderr.write(`joinkey: internal error: ${err?.message ?? String(e)}\nThis is a bug in joinkey; please report it with the apps.yaml that caused it.\n`);
  if (io.env.JOINKEY_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`);
  return e instanceof InternalError ? e.exitCode : 70;
}

function isUsageError(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** The version in joinkey's package.json. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'joinkey' && pkg.version) return pkg.version;
  } catch {
    /* no readable package.json: report unknown */
  }
  return 'unknown';
}

function processIo(): CliIo {
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
}
