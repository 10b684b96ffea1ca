/** A small Myers line diff and unified-diff formatter, for `joinkey diff`. Pure. */

export type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string };

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The shortest edit script from a to b (Myers, O((N+M)D)). */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  const off = max + 1;
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) { done = true; break; }
    }
  }
  // Backtrack through the saved frontiers.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[off + k - 1]! < vd[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { edits.push({ op: ' ', line: a[x - 1]! }); x--; y--; }
    if (d > 0) {
      if (x === prevX) edits.push({ op: '+', line: b[y - 1]! });
      else edits.push({ op: '-', line: a[x - 1]! });
      x = prevX;
      y = prevY;
    }
  }
  return edits.reverse();
}

export interface UnifiedOptions {
  readonly context?: number;
  readonly color?: boolean;
}

const C = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** A unified diff of one file; empty when equal. `before`/`after` undefined mean absent (/dev/null). */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, options: UnifiedOptions = {}): string {
  if (before === after) return '';
  const ctx = options.context ?? 3;
  const paint = (code: string, s: string) => (options.color ? `${code}${s}${C.reset}` : s);
  const a = splitLines(before ?? '');
  const b = splitLines(after ?? '');
  const edits = diffLines(a, b);
  const out: string[] = [
    paint(C.bold, `--- ${before === undefined ? '/dev/null' : `a/${path}`}`),
    paint(C.bold, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`),
  ];
  // Group edits into hunks with `ctx` lines of context.
  const changed = edits.map((e, i) => (e.op !== ' ' ? i : -1)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    let start = Math.max(0, changed[i]! - ctx);
    let end = Math.min(edits.length, changed[i]! + ctx + 1);
    while (i + 1 < changed.length && changed[i + 1]! - ctx <= end) { i++; end = Math.min(edits.length, changed[i]! + ctx + 1); }
    i++;
    let aLine = 1;
    let bLine = 1;
    for (let j = 0; j < start; j++) { if (edits[j]!.op !== '+') aLine++; if (edits[j]!.op !== '-') bLine++; }
    const hunk = edits.slice(start, end);
    const aLen = hunk.filter((e) => e.op !== '+').length;
    const bLen = hunk.filter((e) => e.op !== '-').length;
    out.push(paint(C.cyan, `@@ -${aLen ? aLine : aLine - 1},${aLen} +${bLen ? bLine : bLine - 1},${bLen} @@`));
    for (const e of hunk) out.push(e.op === '-' ? paint(C.red, `-${e.line}`) : e.op === '+' ? paint(C.green, `+${e.line}`) : ` ${e.line}`);
    start = end;
  }
  const noEol = (s: string | undefined) => s !== undefined && s !== '' && !s.endsWith('\n');
  if (noEol(before) || noEol(after)) out.push('\\ (a side has no newline at end of file)');
  return `${out.join('\n')}\n`;
}
