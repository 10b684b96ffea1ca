import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type CliIo } from '../../src/cli';
import { loadModel } from '../../src/model';
import { renderTree } from '../../src/render';
import { readTree } from './tree';

/**
 * Drives the real CLI entry in-process, `main(argv, io)`, with captured streams, and reads output
 * dirs back for the properties' "untouched or complete" checks.
 */

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: string[], cwd: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { cwd, env: {}, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `joinkey-${tag}-`));
}

/** Every file under dir, relative path -> content; undefined when dir does not exist. */
export function readDir(dir: string): Record<string, string> | undefined {
  return fs.existsSync(dir) ? readTree(dir) : undefined;
}

/** The files synth should write for `text`, as readDir would return them. */
export function expectedDir(file: string, text: string): Record<string, string> {
  const tree = renderTree(loadModel(file, text).model);
  const out: Record<string, string> = {};
  for (const [repo, files] of tree) for (const [p, c] of files) out[`${repo}/${p}`] = c;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const GUTTER = /^ *\d+ \| /;
const CARET = /^ +\| *\^$/;
const SUMMARY = /^joinkey: \d+ problems? found; nothing was written$/;

/**
 * Problems with a synth result for a bad or odd input, as messages (empty when it is fine): exit
 * 0, or exit 1 with every stderr diagnostic at `<file>:LINE:COL: `; never a stack trace or another
 * code.
 */
export function outcomeProblems(r: CliResult, file: string): string[] {
  const problems: string[] = [];
  if (/^ {4}at /m.test(r.stderr) || /^ {4}at /m.test(r.stdout)) problems.push('a stack trace was printed');
  if (/internal error/.test(r.stderr)) problems.push('an internal error was reported');
  const head = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `);
  if (r.code === 0) {
    // warnings of the model checks, each positioned
    for (const line of r.stderr.replace(/\n$/, '').split('\n').filter(Boolean)) {
      if (!(head.test(line) && line.includes(': warning: ')) && !GUTTER.test(line) && !CARET.test(line))
        problems.push(`exit 0 with a stderr line that is not a positioned warning: ${JSON.stringify(line.slice(0, 300))}`);
    }
    return problems;
  }
  if (r.code !== 1) {
    problems.push(`exit code ${r.code}`);
    return problems;
  }
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  if (!SUMMARY.test(lines[lines.length - 1] ?? '')) problems.push(`last stderr line is not the problem summary: ${JSON.stringify(lines[lines.length - 1])}`);
  let heads = 0;
  for (const line of lines.slice(0, -1)) {
    if (head.test(line)) heads++;
    else if (!GUTTER.test(line) && !CARET.test(line)) problems.push(`stderr line is not FILE:LINE:COL: ${JSON.stringify(line.slice(0, 300))}`);
  }
  if (heads === 0) problems.push('exit 1 without a positioned diagnostic');
  return problems;
}

/** Temp files or dirs of the writer left next to, or inside, the output dirs below parent. */
export function leftovers(parent: string): string[] {
  if (!fs.existsSync(parent)) return [];
  const names = fs
    .readdirSync(parent, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? [e.name, ...fs.readdirSync(path.join(parent, e.name)).map((n) => `${e.name}/${n}`)] : [e.name]));
  return names.filter((n) => n.includes('joinkey-tmp'));
}
