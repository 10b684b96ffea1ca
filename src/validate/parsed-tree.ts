import { treeFromFiles, type FileTree, type RenderedFile } from '../render/files';
import { HCL_BATCH, inlineParser, parseHclBatch, type HclParse, type HclParser, type HclSource } from './hcl-parse';
import { parseYamlDocs, type YamlDoc } from './yaml-docs';

/**
 * Every HCL and YAML file of a render, parsed once, for all the checks that read the output back
 * (check/rendered.ts, the schema validators): HCL through hcl2json in batches, YAML through
 * parseYamlDocs. Files are named `<repo>:<path>` in parser messages.
 */
export class ParsedTree {
  constructor(
    private readonly hclFiles: ReadonlyMap<string, HclParse>,
    private readonly yamlFiles: ReadonlyMap<string, readonly YamlDoc[]>,
  ) {}

  /** Parses the files of a tree. */
  static async of(tree: FileTree, parser: HclParser = inlineParser): Promise<ParsedTree> {
    return (await parseRender(filesOf(tree), parser)).parsed;
  }

  /** The parse of an HCL file (`.tf`, `.tfvars`) of the tree; undefined for any other file. */
  hcl(repo: string, path: string): HclParse | undefined {
    return this.hclFiles.get(`${repo}:${path}`);
  }

  /** The documents of a YAML file of the tree; undefined for any other file. */
  yaml(repo: string, path: string): readonly YamlDoc[] | undefined {
    return this.yamlFiles.get(`${repo}:${path}`);
  }
}

/**
 * Collects rendered files into their tree while parsing them. Each full batch of HCL files goes to
 * `parser` at once, so with a parser on another thread (HclThread) the parsing overlaps the
 * rendering that produces the next files.
 */
export async function parseRender(files: Iterable<RenderedFile>, parser: HclParser = inlineParser): Promise<{ tree: FileTree; parsed: ParsedTree }> {
  const all: RenderedFile[] = [];
  const yaml = new Map<string, readonly YamlDoc[]>();
  const batches: Promise<HclParse[]>[] = [];
  const keys: string[] = [];
  let batch: HclSource[] = [];
  const flush = () => {
    if (batch.length) batches.push(parseHclBatch(batch, parser));
    batch = [];
  };
  for (const f of files) {
    all.push(f);
    const key = `${f.repo}:${f.path}`;
    if (isHclPath(f.path)) {
      keys.push(key);
      batch.push({ name: key, content: f.content });
      if (batch.length >= HCL_BATCH) flush();
    } else if (isYamlPath(f.path)) {
      yaml.set(key, parseYamlDocs(f.content));
    }
  }
  flush();
  const tree = treeFromFiles(all);
  const parsed = (await Promise.all(batches)).flat();
  return { tree, parsed: new ParsedTree(new Map(keys.map((k, i) => [k, parsed[i]!])), yaml) };
}

function* filesOf(tree: FileTree): Iterable<RenderedFile> {
  for (const [repo, files] of tree) for (const [path, content] of files) yield { repo, path, content };
}

export const isHclPath = (path: string): boolean => path.endsWith('.tf') || path.endsWith('.tfvars');
export const isYamlPath = (path: string): boolean => /\.ya?ml$/.test(path);
