/**
 * A fast reader for the plain subset of YAML that apps.yaml files are written in: block mappings
 * with name-like keys, one-line flow collections, block sequences of one-line items, plain and
 * quoted one-line scalars, comments. It is about 30x faster than `yaml`'s parseDocument, which
 * dominates loading a large apps.yaml.
 *
 * It returns `undefined` for anything it does not fully understand (anchors, tags, block scalars,
 * multi-line scalars, escapes, numbers other than plain integers, duplicate keys, odd indentation,
 * tabs, control characters, ...), and the caller then parses with `yaml` as before. Whatever it
 * accepts, `yaml` (YAML 1.2 core schema, strict, unique keys) reads without error or warning into
 * a deep-equal value; test/config-plain-yaml.test.ts checks that property on generated documents.
 * So the data, and every error message and position, are the same on both paths. Like the
 * loader's `yaml` path (documentData in source.ts), it builds mappings without a prototype, so
 * `__proto__` is a name like any other, and it leaves keys that are not strings and nesting
 * deeper than MAX_NESTING to that path, which reports them.
 */

import { MAX_NESTING } from './source';

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** Outside the subset: caught by parsePlainYaml, which returns undefined. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();
function bail(): never {
  throw NOT_PLAIN;
}

/** Printable ASCII, newline, and BMP text without C1 controls, surrogates, U+2028/2029, BOM or U+FFFE/F. */
const ALLOWED_TEXT = /^[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;
/** Keys: a name that the core schema reads as a string. */
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const FLOW_KEY = /([A-Za-z_][A-Za-z0-9_-]*): +/y;
const BLOCK_KEY = /([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)/y;
const NON_STRING_WORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
/**
 * Anything the core schema reads as a number (its int, octal, hex, float and exp rules), widened
 * to digit strings with '_', ':' or a base prefix that YAML 1.1 readers take for numbers.
 */
const NUMBER_LIKE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$|^[-+]?[0-9][0-9_.:]*$|^0[bBoOxX]/;
const SAFE_INT = /^(?:0|[1-9][0-9]{0,14})$/;
const MAX_INDENT = 512;
/** YAML indicator characters a plain scalar may not start with (we accept none of them). */
const INDICATORS = '-?:,[]{}#&*!|>\'"%@`~';

/** The data of `text` when it lies in the plain subset, else undefined. */
export function parsePlainYaml(text: string): { [k: string]: Value } | undefined {
  if (!ALLOWED_TEXT.test(text)) return undefined;
  // Significant lines (not blank, not comment-only), each with trailing spaces removed, and their indents.
  const all = text.split('\n');
  const lines: string[] = [];
  const indents: number[] = [];
  for (const raw of all) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length || raw.charCodeAt(indent) === 35 /* # */) continue;
    if (indent === 0 && (raw.startsWith('---') || raw.startsWith('...') || raw.startsWith('%'))) return undefined;
    lines.push(raw.charCodeAt(raw.length - 1) === 32 ? trimEnd(raw) : raw);
    indents.push(indent);
  }
  if (lines.length === 0 || indents[0] !== 0) return undefined;
  try {
    const reader = new Reader(lines, indents);
    const doc = reader.blockMapping(0, 1);
    if (reader.i !== lines.length) return undefined;
    return doc;
  } catch (e) {
    if (e === NOT_PLAIN) return undefined;
    throw e;
  }
}

class Reader {
  i = 0;
  constructor(private readonly lines: readonly string[], private readonly indents: readonly number[]) {}

  /** The block mapping at `indent`, the `depth`th collection from the top. */
  blockMapping(indent: number, depth: number): { [k: string]: Value } {
    if (indent > MAX_INDENT || depth > MAX_NESTING) bail();
    const map = emptyMap();
    const { lines, indents } = this;
    while (this.i < lines.length) {
      const lineIndent = indents[this.i]!;
      if (lineIndent < indent) break;
      if (lineIndent > indent) bail();
      const line = lines[this.i]!;
      BLOCK_KEY.lastIndex = indent;
      const m = BLOCK_KEY.exec(line);
      if (!m) bail();
      const key = m[1]!;
      checkKey(key);
      if (map[key] !== undefined) bail();
      const rest = skipSpaces(line, BLOCK_KEY.lastIndex);
      this.i++;
      if (rest === line.length || line.charCodeAt(rest) === 35 /* # */) {
        const nextIndent = indents[this.i];
        if (nextIndent !== undefined && nextIndent > indent) {
          map[key] = isSeqItem(lines[this.i]!, nextIndent) ? this.blockSequence(nextIndent, depth + 1) : this.blockMapping(nextIndent, depth + 1);
        } else if (nextIndent === indent && isSeqItem(lines[this.i]!, nextIndent)) {
          bail();
        } else {
          map[key] = null;
        }
      } else {
        map[key] = inlineValue(line, rest, false, depth + 1);
        this.noContinuation(indent);
      }
    }
    return map;
  }

  blockSequence(indent: number, depth: number): Value[] {
    if (depth > MAX_NESTING) bail();
    const seq: Value[] = [];
    const { lines, indents } = this;
    while (this.i < lines.length) {
      const lineIndent = indents[this.i]!;
      if (lineIndent < indent) break;
      const line = lines[this.i]!;
      if (lineIndent > indent || !isSeqItem(line, indent)) bail();
      const rest = skipSpaces(line, indent + 1);
      if (rest === line.length || line.charCodeAt(rest) === 35 /* # */) bail();
      this.i++;
      seq.push(inlineValue(line, rest, true, depth + 1));
      this.noContinuation(indent);
    }
    return seq;
  }

  /** A deeper line after a one-line value would continue a multi-line scalar (or be an error). */
  private noContinuation(indent: number): void {
    const next = this.indents[this.i];
    if (next !== undefined && next > indent) bail();
  }
}

/** The one-line value starting at `pos` and running to the end of `s` (bar a comment); a collection there is the `depth`th. */
function inlineValue(s: string, pos: number, inSeq: boolean, depth: number): Value {
  const c = s[pos]!;
  let value: Value;
  let end: number;
  if (c === '[' || c === '{') {
    const flow = new FlowReader(s, pos, depth - 1);
    value = flow.collection();
    end = flow.pos;
  } else if (c === '"' || c === "'") {
    [value, end] = quoted(s, pos);
  } else {
    const hash = s.indexOf(' #', pos);
    const text = hash < 0 ? s.slice(pos) : trimEnd(s.slice(pos, hash));
    if (text.includes(': ') || text.endsWith(':') || /[[\]{}]/.test(text)) bail();
    if (inSeq && text.startsWith('- ')) bail();
    return plainScalar(text);
  }
  endOfLine(s, end);
  return value;
}

/** After a value: only spaces, then optionally a comment that follows a space. */
function endOfLine(s: string, pos: number): void {
  const p = skipSpaces(s, pos);
  if (p === s.length) return;
  if (s.charCodeAt(p) === 35 /* # */ && p > pos) return;
  bail();
}

/** A one-line quoted scalar without escapes: [value, position after the closing quote]. */
function quoted(s: string, pos: number): [string, number] {
  const q = s[pos]!;
  if (q === '"') {
    const close = s.indexOf('"', pos + 1);
    if (close < 0) bail();
    const body = s.slice(pos + 1, close);
    if (body.includes('\\')) bail();
    return [body, close + 1];
  }
  let out = '';
  let p = pos + 1;
  for (;;) {
    const close = s.indexOf("'", p);
    if (close < 0) bail();
    out += s.slice(p, close);
    if (s[close + 1] === "'") { out += "'"; p = close + 2; continue; }
    return [out, close + 1];
  }
}

class FlowReader {
  /** `depth`: the collections around the one at `pos`. */
  constructor(private readonly s: string, public pos: number, private depth: number) {}

  collection(): Value {
    if (++this.depth > MAX_NESTING) bail();
    const value = this.s[this.pos] === '[' ? this.sequence() : this.mapping();
    this.depth--;
    return value;
  }

  private sequence(): Value[] {
    const seq: Value[] = [];
    this.pos = skipSpaces(this.s, this.pos + 1);
    if (this.s[this.pos] === ']') { this.pos++; return seq; }
    for (;;) {
      seq.push(this.item(']'));
      if (this.s[this.pos] === ']') { this.pos++; return seq; }
      this.pos = skipSpaces(this.s, this.pos + 1); // past ','
      if (this.s[this.pos] === ']' || this.s[this.pos] === ',') bail();
    }
  }

  private mapping(): { [k: string]: Value } {
    const map = emptyMap();
    this.pos = skipSpaces(this.s, this.pos + 1);
    if (this.s[this.pos] === '}') { this.pos++; return map; }
    for (;;) {
      FLOW_KEY.lastIndex = this.pos;
      const m = FLOW_KEY.exec(this.s);
      if (!m) bail();
      const key = m[1]!;
      checkKey(key);
      if (map[key] !== undefined) bail();
      this.pos += m[0].length;
      map[key] = this.item('}');
      if (this.s[this.pos] === '}') { this.pos++; return map; }
      this.pos = skipSpaces(this.s, this.pos + 1); // past ','
      if (this.s[this.pos] === '}' || this.s[this.pos] === ',') bail();
    }
  }

  /** One flow item, leaving pos on the ',' or closing bracket that follows it. */
  private item(close: string): Value {
    const s = this.s;
    const c = s[this.pos];
    let value: Value;
    if (c === '[' || c === '{') {
      value = this.collection();
    } else if (c === '"' || c === "'") {
      [value, this.pos] = quoted(s, this.pos);
    } else {
      const start = this.pos;
      let p = start;
      for (; p < s.length; p++) {
        const ch = s[p]!;
        if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
        // ':' is part of a plain scalar only when a "safe" character follows (ssh://...).
        if (ch === ':' && (p + 1 === s.length || ' ,[]{}'.includes(s[p + 1]!))) bail();
        if (ch === '#' && s[p - 1] === ' ') bail();
      }
      value = plainScalar(trimEnd(s.slice(start, p)));
      this.pos = p;
    }
    this.pos = skipSpaces(s, this.pos);
    const next = s[this.pos];
    if (next !== ',' && next !== close) bail();
    return value;
  }
}

/** A plain scalar resolved by the YAML 1.2 core schema, or bail when it is anything but a string, bool, null or small integer. */
function plainScalar(text: string): Value {
  if (text.length === 0 || INDICATORS.includes(text[0]!)) bail();
  switch (text) {
    case 'null': case 'Null': case 'NULL': return null;
    case 'true': case 'True': case 'TRUE': return true;
    case 'false': case 'False': case 'FALSE': return false;
  }
  if (NUMBER_LIKE.test(text)) {
    if (SAFE_INT.test(text)) return Number(text);
    bail();
  }
  return text;
}

function checkKey(key: string): void {
  if (key.length > 1000 || !KEY.test(key) || NON_STRING_WORDS.has(key)) bail();
}

/** A mapping without a prototype: `__proto__` and `constructor` are keys like any other. */
function emptyMap(): { [k: string]: Value } {
  return Object.create(null) as { [k: string]: Value };
}

function isSeqItem(line: string, indent: number): boolean {
  return line.charCodeAt(indent) === 45 /* - */ && (line.length === indent + 1 || line.charCodeAt(indent + 1) === 32);
}

function skipSpaces(s: string, pos: number): number {
  while (s.charCodeAt(pos) === 32) pos++;
  return pos;
}

function trimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}
