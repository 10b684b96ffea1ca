import { structuredPatch } from 'diff';

/**
 * The unified diff of one file for `joinkey diff`, from the `diff` package's structuredPatch:
 * a patch `git apply` and `patch -p1` accept (a/ and b/ prefixes, /dev/null for an added or
 * deleted file, "\ No newline at end of file" markers). Pure.
 */

export interface UnifiedOptions {
  readonly context?: number;
  readonly color?: boolean;
}

const C = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** A unified diff of one file; empty when equal. `before`/`after` undefined mean absent (/dev/null). */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, options: UnifiedOptions = {}): string {
  if (before === after) return '';
  const paint = (code: string, s: string) => (options.color ? `${code}${s}${C.reset}` : s);
  const oldName = before === undefined ? '/dev/null' : `a/${path}`;
  const newName = after === undefined ? '/dev/null' : `b/${path}`;
  const patch = structuredPatch(oldName, newName, before ?? '', after ?? '', undefined, undefined, { context: options.context ?? 3 });
  const out = [paint(C.bold, `--- ${oldName}`), paint(C.bold, `+++ ${newName}`)];
  for (const h of patch.hunks) {
    // An empty side starts at line 0 (as diff -u and git print it).
    const range = (start: number, lines: number) => `${lines === 0 ? Math.max(0, start - 1) : start},${lines}`;
    out.push(paint(C.cyan, `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`));
    for (const l of h.lines) out.push(l.startsWith('-') ? paint(C.red, l) : l.startsWith('+') ? paint(C.green, l) : l);
  }
  return `${out.join('\n')}\n`;
}
