import { getExpressionAst, parse } from '@cdktn/hcl2json';

/**
 * The real HCL parser (HashiCorp's hcl, as WebAssembly in @cdktn/hcl2json) behind a small
 * interface, and an evaluator for the few expression forms whose value is known without a plan:
 * literals, templates of known parts, `var.x`, `each.key`, `each.value.x`, `local`-free
 * references to a literal attribute of another resource, `toset`/`tolist` of a known list,
 * `concat` of known lists.
 * Everything else is UNKNOWN, never guessed.
 */

export interface HclParser {
  /** hcl2json's JSON form of a file; throws with hcl's message (`file:line,col-col: summary; detail`). */
  parse(file: string, content: string): Promise<Record<string, unknown>>;
  /** parse() of many files, in order; a file that does not parse gives its Error. */
  parseAll(files: readonly { readonly file: string; readonly content: string }[]): Promise<(Record<string, unknown> | Error)[]>;
  /** The syntax tree of one expression as hcl2json gives it (`${...}` form), or null. */
  expression(expr: string): Promise<ExprNode | null>;
}

export interface ExprNode {
  readonly type: string;
  readonly children: readonly ExprNode[];
  readonly meta: Readonly<Record<string, unknown>>;
}

/** One parser per run: hcl2json starts its WebAssembly once; expression trees are cached by text. */
export function hcl2jsonParser(): HclParser {
  const trees = new Map<string, Promise<ExprNode | null>>();
  return {
    parse: (file, content) => parse(file, content),
    parseAll: (files) => parseBatched(files),
    expression: (expr) => {
      let t = trees.get(expr);
      if (!t) {
        // hcl2json gives expressions in template form; quoted, they parse as that template again
        t = (getExpressionAst('expression.tf', `"${expr}"`) as Promise<ExprNode | null>).catch(() => null);
        trees.set(expr, t);
      }
      return t;
    },
  };
}

/** Files per hcl2json call: each call costs about a millisecond and a half whatever its size. */
const BATCH = 100;
const BATCH_BLOCK = 'jk_inventory_file';

/**
 * Many files in few calls: each file's text becomes the body of a block `jk_inventory_file_<i> { ... }`
 * of one document (a block body is the same grammar as a file body), and its JSON is that block's
 * body. A batch with any error is parsed again file by file, so every error is the file's own.
 * test/inventory-tofu.test.ts checks that both ways give the same JSON.
 */
async function parseBatched(files: readonly { readonly file: string; readonly content: string }[]): Promise<(Record<string, unknown> | Error)[]> {
  const out: (Record<string, unknown> | Error)[] = [];
  const one = (f: { file: string; content: string }) => parse(f.file, f.content).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  for (let start = 0; start < files.length; start += BATCH) {
    const batch = files.slice(start, start + BATCH);
    let merged: Record<string, unknown> | undefined;
    if (batch.length > 1) {
      const text = batch.map((f, i) => `${BATCH_BLOCK}_${i} {\n${f.content}\n}\n`).join('');
      merged = await parse('batch.tf', text).catch(() => undefined);
      // a file that is not HCL on its own could still balance with its neighbours: then each is parsed alone
      const keys = merged ? Object.keys(merged) : [];
      if (
        keys.length !== batch.length ||
        !batch.every((_, i) => Array.isArray(merged![`${BATCH_BLOCK}_${i}`]) && (merged![`${BATCH_BLOCK}_${i}`] as unknown[]).length === 1)
      )
        merged = undefined;
    }
    for (const [i, f] of batch.entries()) {
      const body = merged?.[`${BATCH_BLOCK}_${i}`];
      out.push(Array.isArray(body) && body.length === 1 && typeof body[0] === 'object' ? (body[0] as Record<string, unknown>) : await one(f));
    }
  }
  return out;
}

export const UNKNOWN: unique symbol = Symbol('unknown');
export type Value = string | number | boolean | null | readonly Value[] | { readonly [k: string]: Value } | typeof UNKNOWN;

export interface EvalScope {
  readonly vars: ReadonlyMap<string, unknown>;
  readonly each?: { readonly key: string; readonly value: unknown };
  /** `type.name` -> the resource's hcl2json body, for references to its literal attributes. */
  readonly resources?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

/** Attributes a provider computes from another one when unset. */
const COMPUTED_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  vault_auth_backend: { path: 'type' },
};

/** True when hcl2json left an expression (or template) in the string: `${` or `%{` not escaped as `$${` / `%%{`. */
export function isExpressionString(s: string): boolean {
  return /(^|[^$])\$\{|(^|[^%])%\{/.test(s);
}

const unescape = (s: string): string => s.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');

/** The value of something hcl2json produced: JSON as is, strings with expressions through the evaluator. */
export async function evaluate(parser: HclParser, value: unknown, scope: EvalScope): Promise<Value> {
  if (typeof value === 'string') {
    if (!isExpressionString(value)) return unescape(value);
    const tree = await parser.expression(value);
    return tree ? evalNode(parser, tree, scope) : UNKNOWN;
  }
  if (Array.isArray(value)) {
    const items: Value[] = [];
    for (const v of value) items.push(await evaluate(parser, v, scope));
    return items.includes(UNKNOWN) ? UNKNOWN : items;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = await evaluate(parser, v, scope);
      if (e === UNKNOWN) return UNKNOWN;
      out[k] = e;
    }
    return out;
  }
  return (value ?? null) as Value;
}

async function evalNode(parser: HclParser, node: ExprNode, scope: EvalScope): Promise<Value> {
  switch (node.type) {
    case 'templateWrap':
      return node.children.length === 1 ? evalNode(parser, node.children[0]!, scope) : UNKNOWN;
    case 'template': {
      let s = '';
      for (const c of node.children) {
        const v = await evalNode(parser, c, scope);
        if (v === UNKNOWN || (typeof v === 'object' && v !== null)) return UNKNOWN;
        s += v === null ? '' : String(v);
      }
      return s;
    }
    case 'literalValue': {
      const v = node.meta.value;
      if (node.meta.type === 'number') return Number(v);
      if (node.meta.type === 'bool') return v === true || v === 'true';
      return typeof v === 'string' ? v : UNKNOWN;
    }
    case 'tuple': {
      const items: Value[] = [];
      for (const c of node.children) items.push(await evalNode(parser, c, scope));
      return items.includes(UNKNOWN) ? UNKNOWN : items;
    }
    case 'function': {
      const name = node.meta.name;
      if ((name === 'toset' || name === 'tolist') && node.children.length === 1) {
        const v = await evalNode(parser, node.children[0]!, scope);
        return Array.isArray(v) ? (name === 'toset' ? [...new Set(v)] : v) : UNKNOWN;
      }
      if (name === 'concat') {
        const items: Value[] = [];
        for (const c of node.children) {
          const v = await evalNode(parser, c, scope);
          if (!Array.isArray(v)) return UNKNOWN;
          items.push(...(v as readonly Value[]));
        }
        return items;
      }
      return UNKNOWN;
    }
    case 'scopeTraversal':
      return traverse(parser, (node.meta.traversal ?? []) as readonly { type: string; segment: string }[], scope);
    default:
      return UNKNOWN;
  }
}

async function traverse(parser: HclParser, steps: readonly { type: string; segment: string }[], scope: EvalScope): Promise<Value> {
  const names = steps.map((s) => (s.type === 'indexTraversal' ? indexKey(s.segment) : s.segment));
  if (names.some((n) => n === undefined)) return UNKNOWN;
  const [root, ...rest] = names as string[];
  let value: unknown;
  if (root === 'var' && rest.length && scope.vars.has(rest[0]!)) {
    value = scope.vars.get(rest.shift()!);
  } else if (root === 'each' && scope.each && rest[0] === 'key') {
    rest.shift();
    value = scope.each.key;
  } else if (root === 'each' && scope.each && rest[0] === 'value') {
    rest.shift();
    value = scope.each.value;
  } else if (root && rest.length >= 2 && scope.resources?.has(`${root}.${rest[0]}`)) {
    const body = scope.resources.get(`${root}.${rest.shift()}`)!;
    const attr = rest.shift()!;
    const from = Object.hasOwn(body, attr) ? attr : COMPUTED_DEFAULTS[root]?.[attr];
    if (from === undefined || !Object.hasOwn(body, from)) return UNKNOWN;
    value = await evaluate(parser, body[from], { vars: scope.vars, resources: scope.resources });
  } else {
    return UNKNOWN;
  }
  for (const k of rest) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, k)) return UNKNOWN;
    value = (value as Record<string, unknown>)[k];
  }
  return value === undefined ? UNKNOWN : (value as Value);
}

function indexKey(segment: string): string | undefined {
  if (/^"([^"\\]*)"$/.test(segment)) return segment.slice(1, -1);
  if (/^\d+$/.test(segment)) return segment;
  return undefined;
}

/** The keys of a for_each value: a map's keys or a set's strings. */
export function forEachKeys(v: Value): readonly string[] | undefined {
  if (v === UNKNOWN || v === null) return undefined;
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? [...v].sort() : undefined;
  if (typeof v === 'object') return Object.keys(v).sort();
  return undefined;
}

/** The line and column hcl puts first in its message (`file:12,3-8: ...`). */
export function hclErrorPosition(message: string): { line: number; col: number; summary: string } {
  const m = /:(\d+),(\d+)(?:-[\d,]+)?: ([^\]]*)/.exec(message);
  if (!m) return { line: 1, col: 1, summary: message.replace(/^parse config: /, '') };
  return { line: Number(m[1]), col: Number(m[2]), summary: m[3]!.replace(/\.?\s*$/, '') };
}
