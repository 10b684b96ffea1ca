import { treeFromFiles, type FileTree, type RenderedFile } from '../render/files';
import { HCL_BATCH, inlineParser, parseHclBatch, type HclParse, type HclParser, type HclSource } from './hcl-parse';
import { parseYamlDocs, type YamlDoc } from './yaml-docs';

/**
 * Every HCL and YAML file of a render, parsed once, for all the checks that read the output back
 * (check/rendered.ts, the schema validators): YAML through parseYamlDocs, at once; HCL through
 * hcl2json in batches, as promises, so that the YAML checks can run while the HCL is still being
 * parsed on another thread. Files are named `<repo>:<path>` in parser messages.
 */
export class ParsedTree {
  constructor(
    private readonly hclFiles: ReadonlyMap<string, Promise<HclParse>>,
    private readonly yamlFiles: ReadonlyMap<string, readonly YamlDoc[]>,
  ) {}

  /** Parses the files of a tree. */
  static of(tree: FileTree, parser: HclParser = inlineParser): ParsedTree {
    return parseRender(filesOf(tree), parser).parsed;
  }

  /** The parse of an HCL file (`.tf`, `.tfvars`) of the tree, when it is done; undefined for any other file. */
  hcl(repo: string, path: string): Promise<HclParse> | undefined {
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
export function parseRender(files: Iterable<RenderedFile>, parser: HclParser = inlineParser): { tree: FileTree; parsed: ParsedTree } {
  const all: RenderedFile[] = [];
  const yaml = new Map<string, readonly YamlDoc[]>();
  const hcl = new Map<string, Promise<HclParse>>();
  let batch: HclSource[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const parsed = parseHclBatch(batch, parser);
    batch.forEach((s, i) => {
      const one = parsed.then((ps) => ps[i]!);
      one.catch(() => undefined); // a failed thread is reported by whoever awaits the file, never as an unhandled rejection
      hcl.set(s.name, one);
    });
    batch = [];
  };
  for (const f of files) {
    all.push(f);
    const key = `${f.repo}:${f.path}`;
    if (isHclPath(f.path)) {
      batch.push({ name: key, content: f.content });
      if (batch.length >= HCL_BATCH) flush();
    } else if (isYamlPath(f.path)) {
      yaml.set(key, parseYamlDocs(f.content));
    }
  }
  flush();
  return { tree: treeFromFiles(all), parsed: new ParsedTree(hcl, yaml) };
}

function* filesOf(tree: FileTree): Iterable<RenderedFile> {
  for (const [repo, files] of tree) for (const [path, content] of files) yield { repo, path, content };
}

export const isHclPath = (path: string): boolean => path.endsWith('.tf') || path.endsWith('.tfvars');
export const isYamlPath = (path: string): boolean => /\.ya?ml$/.test(path);
