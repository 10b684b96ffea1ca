import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportError, type CliIo } from '../../src/cli';
import { run as check } from '../../src/commands/check';
import { run as explain } from '../../src/commands/explain';
import { positioned, type Finding } from '../../src/check';
import { formatDiagnostic, InputError } from '../../src/errors';
import { loadModel, loadUncheckedModel } from '../../src/model';

export const HEAD = [
  'version: 1',
  'repos:',
  '  tools: { url: ssh://git@h/o/tools.git }',
  '  factory: { url: ssh://git@h/o/factory.git }',
  '  cms: { url: ssh://git@h/o/cms.git }',
].join('\n');

export function load(yaml: string) {
  return loadUncheckedModel('apps.yaml', yaml);
}

/** What the loader (shape and rule layer) reports for the text, as synth prints it; [] when it loads. */
export function loaderDiagnostics(text: string): string[] {
  try {
    loadModel('apps.yaml', text);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}

/** `apps.yaml:LINE:COL: rule: message` for findings, positioned in the yaml. */
export function located(yaml: string, findings: readonly Finding[]): string[] {
  const { source } = load(yaml);
  return findings.map((f) => {
    const d = positioned(source, f);
    return `${d.line}:${d.col} ${f.severity} ${f.rule}: ${f.message}`;
  });
}

/** Runs `check` or `explain` (as cli.ts would) in a temp dir holding apps.yaml; returns exit code and both streams. */
export async function cli(args: string[], files: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'joinkey-check-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  let stdout = '';
  let stderr = '';
  const io: CliIo = { cwd: dir, env: {}, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const [name, ...rest] = args;
  const command = name === 'check' ? check : explain;
  let code: number;
  try {
    code = await command(rest, io);
  } catch (e) {
    code = reportError(e, io);
  }
  return { code, stdout, stderr, dir };
}
