import type { Path } from '../config/source';
import { OWNERSHIP_FILE, ownershipContent } from '../ownership';

/** One generated file: `OUT/<repo>/<path>` on disk, `<path>` in the target repo. */
export interface RenderedFile {
  readonly repo: string;
  readonly path: string;
  readonly content: string;
  /** Provenance, filled by every producer: whose file it is, where apps.yaml asks for it, what it declares. */
  readonly owner?: FileOwner;
  /**
   * The apps.yaml keys the file comes from: the first is where a finding about the whole file
   * points, the others the keys that shape its content (e.g. ['apps', 'plausible', 'secrets', 'config']).
   */
  readonly origins?: readonly Path[];
  /** The objects the file declares, in file order, each with the app or consumer it belongs to. */
  readonly objects?: readonly DeclaredObject[];
}

/**
 * Whose file it is: one app's; `central`, a map or list over every app or consumer; `docs`,
 * documentation about every app; `joinkey`, joinkey's own bookkeeping (the ownership list).
 */
export type FileOwner = { readonly kind: 'app'; readonly app: string } | { readonly kind: 'central' | 'docs' | 'joinkey' };

/** Who an object is for: an app, a consumer (a cross-repo reader, not an app), or every app (a central map itself). */
export type ObjectOwner = { readonly kind: 'app' | 'consumer'; readonly name: string } | { readonly kind: 'central' };

/** One object a generated file declares. */
export type DeclaredObject =
  /** A Kubernetes object of a manifest. */
  | {
      readonly kind: 'kubernetes';
      readonly apiVersion: string;
      readonly type: string;
      readonly namespace: string;
      readonly name: string;
      readonly owner: ObjectOwner;
      readonly origin: Path;
    }
  /** An OpenTofu block by address: `vault_policy.geoip-reader`, `data.vault_policy_document.x`, `module.app_roles`, `terraform`, `provider.vault`. */
  | { readonly kind: 'tofu'; readonly address: string; readonly owner: ObjectOwner; readonly origin: Path }
  /** A tfvars variable (no key, owner central), or one key of its map: `applications["plausible"]`. */
  | { readonly kind: 'tfvars'; readonly variable: string; readonly key?: string; readonly owner: ObjectOwner; readonly origin: Path }
  /** One row of a generated document (the secret-paths inventory), by the Vault path it documents. */
  | { readonly kind: 'doc'; readonly path: string; readonly owner: ObjectOwner; readonly origin: Path };

/** The whole render result in memory: repo id -> repo-relative path -> content, both sorted. */
export type FileTree = ReadonlyMap<string, ReadonlyMap<string, string>>;

export { DOCS_REPO } from '../model/names';

export { MARKER, MARKER_HINT, markerLine, OWNERSHIP_FILE } from '../ownership';

export function treeFromFiles(files: Iterable<RenderedFile>): FileTree {
  const repos = new Map<string, Map<string, string>>();
  for (const f of files) {
    let repo = repos.get(f.repo);
    if (!repo) repos.set(f.repo, (repo = new Map<string, string>()));
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

/** `.joinkey/files.json` for a repo (at `at` below a repo dir): every file joinkey writes there, with its content hash (contentHash). */
export function ownershipFile(
  repo: string,
  files: Iterable<{ readonly path: string; readonly hash: string; readonly app?: string }>,
  at: string = OWNERSHIP_FILE,
): RenderedFile {
  return { repo, path: at, content: ownershipContent(files) };
}
