import type { Path } from '../config/source';
import type { DeclaredObject, FileOwner, RenderedFile } from './files';

/**
 * Reading the provenance of a file set: whose each file is, where apps.yaml asks for it, what it
 * declares. Pure; explain, check, publish's summary and a live inventory read the generated side
 * through these instead of re-deriving file names or re-parsing joinkey's own output.
 */

/** What a file is without its content: enough for explain, an index or an inventory. */
export type FileProvenance = Omit<RenderedFile, 'content'>;

/** A file with its provenance filled: the primary origin first, then each object's origin once. */
export function withProvenance(file: RenderedFile, owner: FileOwner, origin: Path, objects: readonly DeclaredObject[]): RenderedFile {
  // Objects often share one origin array; only a new array is keyed (a central map declares one object per app).
  const seenArrays = new Set<Path>();
  const seen = new Set<string>();
  const origins: Path[] = [];
  const add = (o: Path) => {
    if (seenArrays.has(o)) return;
    seenArrays.add(o);
    const key = JSON.stringify(o);
    if (!seen.has(key)) {
      seen.add(key);
      origins.push(o);
    }
  };
  add(origin);
  for (const x of objects) add(x.origin);
  return { ...file, owner, origins, objects };
}

/** A declared object with the file that declares it. */
export interface FileObject {
  readonly repo: string;
  readonly path: string;
  readonly object: DeclaredObject;
}

/** Every object of the file set, grouped by the app it belongs to (consumers' objects are not an app's); apps sorted, file order kept. */
export function objectsByApp(files: Iterable<FileProvenance>): ReadonlyMap<string, readonly FileObject[]> {
  const byApp = new Map<string, FileObject[]>();
  for (const f of files) {
    for (const object of f.objects ?? []) {
      if (object.owner.kind !== 'app') continue;
      const list = byApp.get(object.owner.name) ?? [];
      list.push({ repo: f.repo, path: f.path, object });
      byApp.set(object.owner.name, list);
    }
  }
  return new Map([...byApp].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A file by its place: `<repo>:<path>` is `OUT/<repo>/<path>`. */
export interface FileRef {
  readonly repo: string;
  readonly path: string;
}

/**
 * The files that carry something of each app: its own files, the shared files declaring one of
 * its objects (the central maps), and the docs about every app. Built in one pass over the set.
 */
export interface AppFileIndex {
  /** Sorted by repo, then path. */
  filesOf(app: string): readonly FileRef[];
}

export function appFileIndex(files: Iterable<FileProvenance>): AppFileIndexBuilder {
  const index = new AppFileIndexBuilder();
  for (const f of files) index.add(f);
  return index;
}

/**
 * appFileIndex built file by file, so that a producer streaming its files (renderFiles) keeps
 * only each app's file keys, not the files' provenance.
 */
export class AppFileIndexBuilder implements AppFileIndex {
  /** app -> `<repo>:<path>` keys, in the order added (a key may repeat, never twice in a row). */
  private readonly byApp = new Map<string, string[]>();
  private readonly everyApp: string[] = [];

  add(f: FileProvenance): void {
    const key = `${f.repo}:${f.path}`;
    if (f.owner?.kind === 'docs') this.everyApp.push(key);
    if (f.owner?.kind === 'app') this.addKey(f.owner.app, key);
    for (const o of f.objects ?? []) if (o.owner.kind === 'app') this.addKey(o.owner.name, key);
  }

  filesOf(app: string): readonly FileRef[] {
    return [...new Set([...(this.byApp.get(app) ?? []), ...this.everyApp])].sort().map(toRef);
  }

  private addKey(app: string, key: string): void {
    const keys = this.byApp.get(app);
    if (!keys) this.byApp.set(app, [key]);
    else if (keys[keys.length - 1] !== key) keys.push(key);
  }
}

function toRef(key: string): FileRef {
  const i = key.indexOf(':');
  return { repo: key.slice(0, i), path: key.slice(i + 1) };
}

/** `<repo>:<path>` -> the apps.yaml key a finding about the whole file points at. */
export function primaryOrigins(files: Iterable<FileProvenance>): ReadonlyMap<string, Path> {
  const m = new Map<string, Path>();
  for (const f of files) if (f.origins?.length) m.set(`${f.repo}:${f.path}`, f.origins[0]!);
  return m;
}

/**
 * The kind of an object as a reviewer reads it: the Kubernetes kind, the OpenTofu resource type
 * (`data.<type>`, `module.<label>`, `terraform`, `provider` for the other blocks), `var.<name>`
 * for a tfvars entry, `doc` for a document row.
 */
export function objectKind(o: DeclaredObject): string {
  switch (o.kind) {
    case 'kubernetes':
      return o.type;
    case 'tfvars':
      return `var.${o.variable}`;
    case 'doc':
      return 'doc';
    case 'tofu': {
      const parts = o.address.split('.');
      if (parts[0] === 'data' || parts[0] === 'module') return `${parts[0]}.${parts[1]}`;
      return parts[0]!;
    }
  }
}

/** The sorted kinds a file declares; a file that declares nothing is described by its owner or type. */
export function fileKinds(f: FileProvenance): string[] {
  if (f.owner?.kind === 'joinkey') return ['ownership list'];
  const kinds = new Set((f.objects ?? []).map(objectKind));
  if (!kinds.size) kinds.add(f.path.endsWith('.md') ? 'doc' : f.path.includes('.') ? f.path.slice(f.path.lastIndexOf('.') + 1) : 'file');
  return [...kinds].sort();
}
