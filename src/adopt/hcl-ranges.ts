import { Language, Parser } from 'web-tree-sitter';

/**
 * Exact byte ranges of the top-level items (blocks and attributes) of an HCL file, from
 * tree-sitter's HCL grammar (@tree-sitter-grammars/tree-sitter-hcl, compiled to wasm): hcl2json
 * gives values, not positions. A range runs from the start of the item's first line to the end of
 * its last line, newline included, so cutting it leaves the other lines as they were. Comments
 * are no items. A file the grammar cannot parse gives undefined: nothing of it is cut.
 */

export interface ItemRange {
  readonly start: number;
  readonly end: number;
  /** 1-based line of the item's first character. */
  readonly line: number;
}

let parser: Promise<Parser> | undefined;

/** One parser per process: the grammar's wasm is loaded on first use only (adopt's hand-over). */
function hclParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const hcl = await Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm'));
    const p = new Parser();
    p.setLanguage(hcl);
    return p;
  })();
  return parser;
}

export async function topLevelRanges(text: string): Promise<ItemRange[] | undefined> {
  const tree = (await hclParser()).parse(text);
  if (!tree) return undefined;
  try {
    if (tree.rootNode.hasError) return undefined;
    const body = tree.rootNode.namedChildren.find((n) => n?.type === 'body');
    if (!body) return [];
    const ranges: ItemRange[] = [];
    for (const item of body.namedChildren) {
      if (!item || item.type === 'comment') continue;
      // tree-sitter's indices count UTF-8 bytes of the text it was given as a JS string: the
      // string offsets are its UTF-16 offsets, which web-tree-sitter reports as startIndex.
      const start = text.lastIndexOf('\n', item.startIndex - 1) + 1;
      const nl = text.indexOf('\n', item.endIndex - 1 < start ? start : item.endIndex - 1);
      ranges.push({ start, end: nl === -1 ? text.length : nl + 1, line: item.startPosition.row + 1 });
    }
    return ranges;
  } finally {
    tree.delete();
  }
}
