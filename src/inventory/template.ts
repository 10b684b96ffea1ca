/**
 * Go/Helm templates read as YAML as far as they go, never guessed. Every `{{ ... }}` action is
 * replaced, keeping every line where it was:
 * - an action inside a line's text becomes a placeholder scalar (`_jk3_`), so the field it sits in
 *   is known to be templated;
 * - a line holding only control actions (`if`, `range`, `end`, comments, ...) is blanked;
 * - a line holding only an output action (`{{ include "x" . | nindent 4 }}`) becomes a placeholder
 *   key at the indentation it renders at, so its mapping is known to get unknown keys.
 * If the result is not YAML, the caller lists the file as unreadable. Control blocks are kept as
 * byte spans of the original text, so an object inside `if` is conditional, one inside `range`
 * is repeated (unreadable), and a field inside a block is unknown.
 */

export interface TemplateAction {
  readonly start: number;
  readonly end: number;
  /** The action's text between the delimiters, trim markers and spaces removed. */
  readonly body: string;
}

export interface ControlBlock {
  readonly keyword: 'if' | 'with' | 'range' | 'define' | 'block';
  /** The opening action's text, e.g. `if .Values.cloudflared.enabled`. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface MaskedTemplate {
  /** Same number of lines as the source; actions replaced as described above. */
  readonly text: string;
  readonly actions: readonly TemplateAction[];
  readonly blocks: readonly ControlBlock[];
  /** Why the actions could not be delimited (an unclosed `{{` or an unbalanced `end`). */
  readonly problem?: { readonly offset: number; readonly reason: string };
  /** Lines (1-based) blanked in 'blank' mode that held an output action, and the indentation it renders at. */
  readonly injections: readonly { readonly line: number; readonly indent: number }[];
}

/**
 * How a line holding only an output action is masked: as a placeholder key (precise: its mapping
 * gets an unknown key), or, where that is no YAML (the action renders list items), blanked and
 * listed in `injections` for the reader to treat conservatively.
 */
export type OutputLines = 'placeholder-key' | 'blank';

const PLACEHOLDER = /_jk(\d+)_/;
const OPENERS = new Set(['if', 'with', 'range', 'define', 'block']);
const CONTROL = new Set([...OPENERS, 'else', 'end', 'break', 'continue']);

export function hasPlaceholder(s: string): boolean {
  return PLACEHOLDER.test(s);
}

/** The indices of the actions whose placeholders a string holds. */
export function placeholderIndices(s: string): number[] {
  return [...s.matchAll(new RegExp(PLACEHOLDER.source, 'g'))].map((m) => Number(m[1]));
}

/** Finds the end of an action that starts at `{{`, skipping Go string, raw string and char literals and comments. */
function actionEnd(text: string, from: number): number {
  let i = from + 2;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return -1;
      i = close + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) return -1;
      i = close + 1;
      continue;
    }
    if (c === '}' && text[i + 1] === '}') return i + 2;
    i++;
  }
  return -1;
}

function actionBody(raw: string): string {
  let body = raw.slice(2, -2);
  if (/^-\s/.test(body)) body = body.slice(1);
  if (/\s-$/.test(body)) body = body.slice(0, -1);
  return body.trim();
}

function keywordOf(body: string): string {
  if (body.startsWith('/*')) return 'comment';
  return /^[a-z]+/.exec(body)?.[0] ?? '';
}

export function maskTemplate(source: string, outputLines: OutputLines = 'placeholder-key'): MaskedTemplate {
  const injections: { line: number; indent: number }[] = [];
  const actions: TemplateAction[] = [];
  for (let i = source.indexOf('{{'); i >= 0; i = source.indexOf('{{', i)) {
    const end = actionEnd(source, i);
    if (end < 0) return { text: source, actions, blocks: [], injections, problem: { offset: i, reason: 'a "{{" is never closed by "}}"' } };
    actions.push({ start: i, end, body: actionBody(source.slice(i, end)) });
    i = end;
  }

  // control blocks
  const blocks: ControlBlock[] = [];
  const open: { keyword: ControlBlock['keyword']; text: string; start: number }[] = [];
  for (const a of actions) {
    const kw = keywordOf(a.body);
    if (OPENERS.has(kw)) open.push({ keyword: kw as ControlBlock['keyword'], text: a.body, start: a.start });
    else if (kw === 'end') {
      const o = open.pop();
      if (!o) return { text: source, actions, blocks, injections, problem: { offset: a.start, reason: 'an "{{ end }}" closes no block' } };
      blocks.push({ ...o, end: a.end });
    }
  }
  if (open.length)
    return {
      text: source,
      actions,
      blocks,
      injections,
      problem: { offset: open[open.length - 1]!.start, reason: `"{{ ${open[open.length - 1]!.text} }}" has no "{{ end }}"` },
    };

  // rewrite, line by line, keeping newlines where they are
  let out = '';
  let pos = 0;
  let idx = 0;
  while (pos < source.length) {
    const nl = source.indexOf('\n', pos);
    const lineEnd = nl < 0 ? source.length : nl;
    // actions that start on this line (an action may run over several lines)
    const first = idx;
    while (idx < actions.length && actions[idx]!.start < lineEnd) idx++;
    const onLine = actions.slice(first, idx);
    if (!onLine.length) {
      out += source.slice(pos, nl < 0 ? lineEnd : lineEnd + 1);
      pos = nl < 0 ? lineEnd : lineEnd + 1;
      continue;
    }
    const last = onLine[onLine.length - 1]!;
    const restEnd = source.indexOf('\n', last.end);
    const spanEnd = restEnd < 0 ? source.length : restEnd;
    // the text of the line(s) outside the actions
    let outside = source.slice(pos, onLine[0]!.start);
    for (let k = 0; k < onLine.length; k++) outside += source.slice(onLine[k]!.end, k + 1 < onLine.length ? onLine[k + 1]!.start : spanEnd);
    const newlines = (s: string) => s.replace(/[^\n]/g, '');
    if (outside.trim() === '') {
      const outputs = onLine.filter((a) => !CONTROL.has(keywordOf(a.body)) && keywordOf(a.body) !== 'comment');
      const region = source.slice(pos, spanEnd);
      if (outputs.length) {
        const a = outputs[0]!;
        const indentArg = /\b(?:n?indent)\s+(\d+)\s*$/.exec(a.body);
        const indent = indentArg ? Number(indentArg[1]) : a.start - pos;
        if (outputLines === 'blank') {
          injections.push({ line: out.split('\n').length, indent });
          out += newlines(region);
        } else out += `${' '.repeat(indent)}_jk${actions.indexOf(a)}_: ~${newlines(region)}`;
      } else {
        out += newlines(region);
      }
    } else {
      let line = source.slice(pos, onLine[0]!.start);
      onLine.forEach((a, k) => {
        const raw = source.slice(a.start, a.end);
        const ph = `_jk${first + k}_`;
        line += ph.padEnd(raw.length - newlines(raw).length, '_') + newlines(raw);
        line += source.slice(a.end, k + 1 < onLine.length ? onLine[k + 1]!.start : spanEnd);
      });
      out += line;
    }
    pos = spanEnd < source.length ? spanEnd + 1 : spanEnd;
    if (spanEnd < source.length) out += '\n';
  }
  return { text: out, actions, blocks, injections };
}
