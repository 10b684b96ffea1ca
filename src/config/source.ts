import type { CST, Document, LineCounter, Node } from 'yaml';
import type * as YamlLib from 'yaml';
import { InputError, type Diagnostic } from '../errors';
import { shown } from './schema';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Where a problem points: the value at the path, or the key that names it. */
export type Anchor = 'value' | 'key';

export interface Problem {
  readonly path: Path;
  readonly message: string;
  readonly at?: Anchor;
  readonly rule?: string;
  readonly severity?: 'error' | 'warning';
}

/**
 * The `yaml` library, loaded on first use: a valid apps.yaml is read by the fast path
 * (plain-yaml.ts) and never needs it, and loading it is a tenth of a small synth's start-up.
 */
export const yamlLib = (() => {
  let lib: typeof YamlLib | undefined;
  // Loaded on first use: the fast path never needs `yaml`, and it is slow to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (): typeof YamlLib => (lib ??= require('yaml') as typeof YamlLib);
})();

/**
 * The deepest nesting of collections apps.yaml may have (it needs 6). Both readers refuse deeper
 * input, so no recursion, theirs or `yaml`'s, can run out of stack.
 */
export const MAX_NESTING = 64;

/**
 * The options `yaml` composes apps.yaml with: YAML 1.2 core schema, strict, unique keys. Only
 * string keys can be duplicates: `007:` and `7:` are each reported as not a name (documentData).
 */
export const YAML_OPTIONS = {
  prettyErrors: false,
  strict: true,
  version: '1.2',
  uniqueKeys: (a: unknown, b: unknown) => {
    const { isScalar } = yamlLib();
    return isScalar(a) && isScalar(b) && typeof a.value === 'string' && a.value === b.value;
  },
} as const;

interface Parsed {
  readonly lineCounter: LineCounter;
  /** Undefined when the text nests too deeply to compose. */
  readonly doc?: Document.Parsed;
  /** Problems found before composing: nesting deeper than MAX_NESTING, a second document. */
  readonly structure: readonly { offset: number; message: string }[];
}

/** A parsed YAML file that can map a data path back to a line and column. */
export class YamlSource {
  private parsed?: Parsed;
  private lineTexts?: string[];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /**
   * The `yaml` document with node ranges, parsed on first use: a valid file read by the fast path
   * (plain-yaml.ts) never needs it; positions for problems do. Throws the structure problems when
   * the text nests too deeply to compose.
   */
  get doc(): Document.Parsed {
    const { doc } = this.parse();
    if (!doc) throw new InputError(this.structureProblems());
    return doc;
  }

  get lineCounter(): LineCounter {
    return this.parse().lineCounter;
  }

  /** Nesting deeper than MAX_NESTING, a second document: each positioned. */
  structureProblems(): Diagnostic[] {
    return this.parse().structure.map((p) => this.diagnostic(p.offset, p.message));
  }

  private parse(): Parsed {
    if (!this.parsed) {
      const { Composer, LineCounter, Parser } = yamlLib();
      const lineCounter = new LineCounter();
      // parseDocument in two steps, so the nesting is checked before the recursive composer runs.
      const tokens = [...new Parser(lineCounter.addNewLine).parse(this.text)];
      const deep = tooDeepOffset(tokens);
      if (deep !== undefined) {
        this.parsed = { lineCounter, structure: [{ offset: deep, message: NESTED_TOO_DEEPLY }] };
      } else {
        const [doc, ...more] = new Composer(YAML_OPTIONS).compose(tokens, true, this.text.length);
        const structure = more.slice(0, 1).map((d) => ({
          offset: d.range[0],
          message:
            'apps.yaml must be one YAML document, but a second one starts here; remove this "---" and everything after it, or merge it into the first document',
        }));
        this.parsed = { lineCounter, doc: doc!, structure };
      }
    }
    return this.parsed;
  }

  private get lines(): string[] {
    return (this.lineTexts ??= this.text.split(/\r\n|\r|\n/));
  }

  /** The 1-based line and column of an absolute offset. */
  position(offset: number): { line: number; col: number } {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, col };
  }

  diagnostic(offset: number, message: string, extra: { rule?: string; severity?: 'error' | 'warning' } = {}): Diagnostic {
    const { line, col } = this.position(offset);
    return {
      file: this.file,
      line,
      col,
      message,
      severity: extra.severity ?? 'error',
      ...(extra.rule ? { rule: extra.rule } : {}),
      sourceLine: this.lines[line - 1] ?? '',
    };
  }

  /** Diagnostic for a problem found at a data path. */
  at(problem: Problem): Diagnostic {
    return this.diagnostic(this.offsetOf(problem.path, problem.at ?? 'value'), `${formatPath(problem.path)}${problem.message}`, problem);
  }

  /**
   * Offset of the node at `path`. When the path runs past what the file holds (a missing key), the
   * deepest key that exists is used, so the user lands on the mapping to add it to.
   */
  offsetOf(path: Path, anchor: Anchor): number {
    const { isMap, isSeq, isPair } = yamlLib();
    let node: unknown = this.doc.contents;
    let best = nodeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return best;
        const keyStart = nodeStart(pair.key);
        if (last && anchor === 'key' && keyStart !== undefined) return keyStart;
        best = keyStart ?? best;
        node = pair.value;
        if (last) return nodeStart(node) ?? best;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return best;
        node = item;
        best = nodeStart(node) ?? best;
      } else {
        return best;
      }
    }
    return nodeStart(node) ?? best;
  }
}

const NESTED_TOO_DEEPLY = `nested too deeply: collections here lie more than ${MAX_NESTING} levels deep, and apps.yaml needs about 6; check for an unclosed "[" or "{", or indentation that keeps growing`;

/** The offset of the first collection nested deeper than MAX_NESTING, walking the CST without recursion. */
function tooDeepOffset(tokens: readonly CST.Token[]): number | undefined {
  const stack: Array<[CST.Token, number]> = [];
  for (const t of [...tokens].reverse()) if (t.type === 'document' && t.value) stack.push([t.value, 1]);
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth > MAX_NESTING) return token.offset;
    for (let i = token.items.length - 1; i >= 0; i--) {
      const item: { key?: CST.Token | null; value?: CST.Token } = token.items[i]!;
      if (item.value) stack.push([item.value, depth + 1]);
      if (item.key) stack.push([item.key, depth + 1]);
    }
  }
  return undefined;
}

/** More values than this reached through aliases is an alias bomb, not an apps.yaml. */
const MAX_ALIASED_VALUES = 100_000;

type Data = string | number | boolean | null | object;

/**
 * The data of a composed document, for the loader: every mapping without a prototype (so
 * `__proto__`, `constructor` ... are names like any other), every key a string of the core schema
 * (a number, boolean, null, tagged or collection key is an error at the key, with a hint to quote
 * it), aliases expanded within MAX_NESTING and MAX_ALIASED_VALUES. Throws one InputError.
 */
export function documentData(source: YamlSource): unknown {
  const { isAlias, isMap, isScalar, isSeq } = yamlLib();
  const problems: Diagnostic[] = [];
  const problem = (node: Node | null | undefined, fallback: number, message: string) => problems.push(source.diagnostic(nodeStart(node) ?? fallback, message));
  const anchors = new Map<string, Node>();
  const expanding = new Set<Node>();
  let aliased = 0;
  let aliasDepth = 0;
  /** The outermost alias being expanded: where a problem inside the expansion is reported. */
  let aliasAt = 0;
  let tooDeep = false;

  const keyOf = (pair: { key: unknown }, at: number): string | undefined => {
    const written = pair.key as Node | null;
    const node = isAlias(written) ? anchors.get(written.source) : written;
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    const empty = !written || written.range?.[0] === written.range?.[1];
    const offset = empty ? source.text.indexOf(':', nodeStart(written) ?? at) : keyStart(source.text, written);
    problems.push(source.diagnostic(offset, nonStringKeyMessage(source.text, written, offset, node)));
    return undefined;
  };

  const data = (node: Node | null, depth: number, at: number): Data => {
    if (node === null) return null;
    if (aliasDepth > 0 && ++aliased > MAX_ALIASED_VALUES) {
      if (aliased === MAX_ALIASED_VALUES + 1)
        problem(
          null,
          aliasAt,
          `aliases expand to more than ${MAX_ALIASED_VALUES} values, far more than an apps.yaml holds; write the values out instead of nesting aliases`,
        );
      return null;
    }
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        problem(node, at, `alias *${node.source} has no anchor &${node.source} before it; define the anchor first or write the value out`);
        return null;
      }
      if (expanding.has(target)) {
        problem(node, at, `alias *${node.source} refers to a value that contains it, so it never ends; remove the alias`);
        return null;
      }
      if (aliasDepth++ === 0) aliasAt = nodeStart(node) ?? at;
      const value = data(target, depth, aliasAt);
      aliasDepth--;
      return value;
    }
    if (aliasDepth === 0 && node.anchor) anchors.set(node.anchor, node);
    if (isScalar(node)) return node.value as Data;
    if (depth > MAX_NESTING) {
      if (!tooDeep)
        problems.push(
          source.diagnostic(
            aliasDepth > 0 ? aliasAt : (nodeStart(node) ?? at),
            aliasDepth > 0 ? `${NESTED_TOO_DEEPLY} (here through aliases)` : NESTED_TOO_DEEPLY,
          ),
        );
      tooDeep = true;
      return null;
    }
    const start = nodeStart(node) ?? at;
    expanding.add(node);
    let value: Data;
    if (isMap(node)) {
      const map = Object.create(null) as Record<string, Data>;
      for (const pair of node.items) {
        const key = keyOf(pair, start);
        // Alias keys were resolved by keyOf; a plain key's anchor is recorded here.
        if (!isAlias(pair.key) && aliasDepth === 0 && (pair.key as Node | null)?.anchor) anchors.set((pair.key as Node).anchor!, pair.key as Node);
        const v = data(pair.value as Node | null, depth + 1, nodeStart(pair.key) ?? start);
        if (key !== undefined) map[key] = v;
      }
      value = map;
    } else if (isSeq(node)) {
      value = node.items.map((item) => data(item as Node | null, depth + 1, start));
    } else {
      value = null;
    }
    expanding.delete(node);
    return value;
  };

  const value = data(source.doc.contents, 1, 0);
  if (problems.length) throw new InputError(problems);
  return value;
}

/** The message for a key written as a flow collection, opened by `bracket`. */
export function collectionKeyMessage(bracket: '[' | '{'): string {
  return `the key here is a ${bracket === '[' ? 'list' : 'mapping'}, not a name; keys in apps.yaml are names, e.g. web:`;
}

/** Where a key starts, including its tag (`!!binary x:` starts at the "!"). */
function keyStart(text: string, key: Node): number {
  const start = nodeStart(key) ?? 0;
  if (!key.tag) return start;
  const before = text.slice(text.lastIndexOf('\n', start - 1) + 1, start);
  const tag = /!\S*\s+$/.exec(before);
  return tag ? start - tag[0].length : start;
}

/** Why a mapping key is not a name, and how to write it as one. */
function nonStringKeyMessage(text: string, written: Node | null, offset: number, resolved: Node | null | undefined): string {
  const { isAlias, isMap, isScalar, isSeq } = yamlLib();
  if (!written || written.range?.[0] === written.range?.[1]) return 'this mapping entry has no key; write the name before the ":"';
  const source = text.slice(offset, written.range![1]).split(/\r?\n/)[0]!;
  if (isAlias(written) && !resolved) return `the key ${shown(source)} is an alias without an anchor &${written.source} before it; write the name out`;
  if (isSeq(resolved) || isMap(resolved)) return collectionKeyMessage(isSeq(resolved) ? '[' : '{');
  const v = isScalar(resolved) ? resolved.value : undefined;
  const name = JSON.stringify(source.replace(/^!\S*\s+/, '').replace(/^(["'])(.*)\1$/, '$2'));
  if (v !== null && typeof v !== 'number' && typeof v !== 'boolean')
    return `the key ${shown(source)} has a tag that makes it something other than a string; remove the tag and quote the name, e.g. ${name}:`;
  const what = v === null ? 'null' : `the ${typeof v} ${String(v)}`;
  return `the key ${shown(source)} is ${what} in YAML, not a name; quote it to use it as a name, e.g. ${name}:`;
}

function keyText(key: unknown): string | undefined {
  if (yamlLib().isScalar(key)) return String(key.value);
  return undefined;
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

/** `apps.cms.secrets.cloudflared: ` for a path, quoting segments that are not plain names. */
export function formatPath(path: Path): string {
  if (path.length === 0) return '';
  const text = path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      const plain = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg);
      return i === 0 ? plain : `.${plain}`;
    })
    .join('');
  return `${text}: `;
}
