import type { Document, LineCounter, Node } from 'yaml';
import type * as YamlLib from 'yaml';
import type { Diagnostic } from '../errors';

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
  return (): typeof YamlLib => (lib ??= require('yaml') as typeof YamlLib);
})();

/** A parsed YAML file that can map a data path back to a line and column. */
export class YamlSource {
  private parsed?: { readonly doc: Document.Parsed; readonly lineCounter: LineCounter };
  private lineTexts?: string[];

  constructor(readonly file: string, readonly text: string) {}

  /**
   * The `yaml` document with node ranges, parsed on first use: a valid file read by the fast path
   * (plain-yaml.ts) never needs it; positions for problems do.
   */
  get doc(): Document.Parsed {
    return this.parse().doc;
  }

  get lineCounter(): LineCounter {
    return this.parse().lineCounter;
  }

  private parse(): { readonly doc: Document.Parsed; readonly lineCounter: LineCounter } {
    if (!this.parsed) {
      const { LineCounter, parseDocument } = yamlLib();
      const lineCounter = new LineCounter();
      const doc = parseDocument(this.text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true, version: '1.2' });
      this.parsed = { doc, lineCounter };
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
    return { file: this.file, line, col, message, severity: extra.severity ?? 'error', ...(extra.rule ? { rule: extra.rule } : {}), sourceLine: this.lines[line - 1] ?? '' };
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
  const text = path.map((seg, i) => {
    if (typeof seg === 'number') return `[${seg}]`;
    const plain = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg);
    return i === 0 ? plain : `.${plain}`;
  }).join('');
  return `${text}: `;
}
