import { OWNERSHIP_FILE, ownershipContent } from '../ownership';

/** One generated file: `OUT/<repo>/<path>` on disk, `<path>` in the target repo. */
export interface RenderedFile {
  readonly repo: string;
  readonly path: string;
  readonly content: string;
}

/** The whole render result in memory: repo id -> repo-relative path -> content, both sorted. */
export type FileTree = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** The pseudo-repo that holds dist/docs; it is never published. */
export const DOCS_REPO = 'docs';

export { MARKER, MARKER_HINT, markerLine, OWNERSHIP_FILE } from '../ownership';

export function treeFromFiles(files: Iterable<RenderedFile>): FileTree {
  const repos = new Map<string, Map<string, string>>();
  for (const f of files) {
    let repo = repos.get(f.repo);
    if (!repo) repos.set(f.repo, (repo = new Map()));
    if (repo.has(f.path)) throw new Error(`internal: ${f.repo}/${f.path} rendered twice`);
    repo.set(f.path, f.content);
  }
  const sortedTree = new Map<string, Map<string, string>>();
  for (const id of [...repos.keys()].sort()) {
    const files = repos.get(id)!;
    sortedTree.set(id, new Map([...files.keys()].sort().map((p) => [p, files.get(p)!])));
  }
  return sortedTree;
}

/** `.joinkey/files.json` for a repo: every file joinkey writes there, with its content hash (contentHash). */
export function ownershipFile(repo: string, files: Iterable<{ readonly path: string; readonly hash: string }>): RenderedFile {
  return { repo, path: OWNERSHIP_FILE, content: ownershipContent(files) };
}
