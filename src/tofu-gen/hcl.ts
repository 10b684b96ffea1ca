import { TofuGenError } from './errors';

/**
 * HCL (native syntax) value writers. Every string that comes from the model is written through
 * `hclString`, so no input can close the string, start an interpolation (`${`) or a template
 * directive (`%{`), or break the line.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The body of a quoted HCL string: `"` and `\` escaped, control characters and U+2028/2029 as
 * escapes, `${`/`%{` doubled. Refuses what HCL cannot keep: lone surrogates and non-NFC text.
 */
export function hclEscape(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new TofuGenError(`cannot write ${JSON.stringify(value)} as HCL: it holds a lone UTF-16 surrogate`);
  // HCL normalizes every string to NFC, escapes included: a string that is not in NFC would change.
  if (value !== value.normalize('NFC'))
    throw new TofuGenError(`cannot write ${JSON.stringify(value)} as HCL: it is not in Unicode NFC, and HCL would normalize it; write it in NFC`);
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const code = c.charCodeAt(0);
    const next = value[i + 1];
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else if ((c === '$' || c === '%') && next === '{') out += c + c;
    else out += c;
  }
  return out;
}

/** A quoted HCL string literal. */
export function hclString(value: string): string {
  if (typeof value !== 'string') throw new TofuGenError(`internal: expected a string for HCL, got ${typeof value}`);
  return `"${hclEscape(value)}"`;
}

/** A one-line HCL tuple of strings, e.g. `["read", "list"]`; `[]` when empty. */
export function hclList(values: readonly string[]): string {
  if (!Array.isArray(values)) throw new TofuGenError(`internal: expected a list of strings for HCL, got ${typeof values}`);
  return `[${values.map(hclString).join(', ')}]`;
}

/** A whole number as an HCL number literal. */
export function hclNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TofuGenError(`internal: expected a whole number for HCL, got ${String(value)}`);
  return String(value);
}

/** A scalar, null, or a flat map of strings (e.g. `keepers`), as HCL writes it. */
export type HclValue = number | boolean | string | null | Readonly<Record<string, string>>;

/**
 * A literal HCL value: a whole number, `true`/`false`, a quoted string, `null`, or a one-line
 * object `{ key = "value", ... }` whose keys are bare when they are identifiers, quoted otherwise.
 */
export function hclValue(value: HclValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return hclNumber(value);
  if (typeof value === 'string') return hclString(value);
  if (typeof value !== 'object' || Array.isArray(value)) throw new TofuGenError(`internal: cannot write ${typeof value} as an HCL value`);
  const entries = Object.entries(value).map(([k, v]) => `${HCL_IDENTIFIER.test(k) ? k : hclString(k)} = ${hclString(v)}`);
  return entries.length ? `{ ${entries.join(', ')} }` : '{}';
}

/** An HCL identifier as Terraform accepts it for resource names: a letter or `_`, then letters, digits, `_` or `-`. */
export const HCL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `name` checked to be an HCL identifier, written bare (usable in references and inside quoted labels). */
export function hclIdentifier(name: string): string {
  if (typeof name !== 'string' || !HCL_IDENTIFIER.test(name)) {
    throw new TofuGenError(`${JSON.stringify(name)} is not an HCL identifier (a letter or "_", then letters, digits, "_" or "-")`);
  }
  return name;
}

/** The resource label the namer derives for a name, checked to be an HCL identifier. */
export function resourceLabel(name: string, derive: (name: string) => string): string {
  return hclIdentifier(derive(name));
}

interface AssignLine {
  /** Everything before the `=`, right-trimmed (indent included). */
  readonly lead: string;
  /** Everything after the `=`, left-trimmed. */
  readonly value: string;
  readonly indent: number;
}

/**
 * The attribute a line holds, when it is a single-line `key = value` (the value's brackets
 * balance on the line), else undefined. Mirrors hclwrite: a line whose value opens a multi-line
 * expression, a comment line, a block header or a closing brace has no assign cell.
 */
export function splitAssign(line: string): AssignLine | undefined {
  const trimmed = line.trimStart();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//') || trimmed.startsWith('/*')) return undefined;
  let eq = -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    if (c === '<' && line[i + 1] === '<') return undefined; // heredoc: multi-line
    if (eq < 0) {
      if (c === '=' && line[i + 1] !== '=' && line[i + 1] !== '>' && !'=!<>'.includes(line[i - 1] ?? '')) {
        if (line.slice(0, i).trim() === '') return undefined;
        eq = i;
      }
      continue;
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
  }
  if (eq < 0 || depth !== 0 || inString) return undefined;
  const lead = line.slice(0, eq).trimEnd();
  return { lead, value: line.slice(eq + 1).trim(), indent: line.length - trimmed.length };
}

/**
 * Aligns the `=` of consecutive single-line attributes, like `tofu fmt`: a blank line, a comment,
 * a block header or closing brace, a multi-line value or a change of indent ends the run.
 */
export function alignAttributes(text: string): string {
  const lines = text.split('\n');
  const cells = lines.map(splitAssign);
  let i = 0;
  while (i < lines.length) {
    const first = cells[i];
    if (!first) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < lines.length && cells[end] && cells[end]!.indent === first.indent) end++;
    // Columns as hclwrite counts them: code points, not UTF-16 units.
    const columns = (s: string) => [...s].length;
    const width = Math.max(...cells.slice(i, end).map((c) => columns(c!.lead)));
    for (let j = i; j < end; j++) {
      const c = cells[j]!;
      lines[j] = `${c.lead}${' '.repeat(width - columns(c.lead))} = ${c.value}`;
    }
    i = end;
  }
  return lines.join('\n');
}
