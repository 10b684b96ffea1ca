/** One problem in a user file, at a 1-based line and column. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Rule id for findings of `joinkey check`; absent for plain input errors. */
  readonly rule?: string;
  readonly severity: 'error' | 'warning';
  /** What is wrong and how to fix it, on one line. */
  readonly message: string;
  /** The source line the position points into, for a caret display. */
  readonly sourceLine?: string;
  /** The other side of a conflict (a live finding of src/inventory), when there is one. */
  readonly related?: { readonly file: string; readonly line: number; readonly col: number };
}

/**
 * Invalid input: every problem found, collected before throwing once. `warnings` are what the rule
 * layer also found; they do not refuse anything, and only `joinkey check` lists them.
 */
export class InputError extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    readonly warnings: readonly Diagnostic[] = [],
  ) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
  }
}

/** A user-facing failure that is not tied to a position (I/O, refused output dir, git, HTTP). */
export class JoinkeyError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'JoinkeyError';
  }
}

/**
 * A bug in joinkey, not in the input: an invariant the code itself should have kept. The CLI
 * reports it as an internal error and exits 70 (EX_SOFTWARE).
 */
export class InternalError extends Error {
  readonly exitCode = 70;
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** `FILE:LINE:COL: [warning: ]message`: the loader's style, which synth, diff and publish print. */
export function formatDiagnostic(d: Diagnostic): string {
  const level = d.severity === 'warning' ? 'warning: ' : '';
  return `${d.file}:${d.line}:${d.col}: ${level}${d.message}`;
}

/**
 * `FILE:LINE:COL: [warning: ]rule-id: message`: joinkey check's style; a shape error is rule
 * "input". The other side of a conflict follows on a second line, `  also at FILE:LINE:COL`.
 */
export function formatFinding(d: Diagnostic): string {
  const level = d.severity === 'warning' ? 'warning: ' : '';
  const also = d.related ? `\n  also at ${d.related.file}:${d.related.line}:${d.related.col}` : '';
  return `${d.file}:${d.line}:${d.col}: ${level}${d.rule ?? 'input'}: ${d.message}${also}`;
}

/** The diagnostic plus the offending source line and a caret under the column. */
export function formatDiagnosticWithSource(d: Diagnostic): string {
  const head = formatDiagnostic(d);
  if (d.sourceLine === undefined) return head;
  const gutter = String(d.line).padStart(5);
  const pad = ' '.repeat(gutter.length);
  const shown = d.sourceLine.replace(/\t/g, ' ').slice(0, 200);
  return `${head}\n${gutter} | ${shown}\n${pad} | ${' '.repeat(Math.max(0, d.col - 1))}^`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message);
}
