import { posix } from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { evaluate, forEachKeys, UNKNOWN, type EvalScope, type HclParser, type Value } from '../inventory/hcl';
import { moduleResources, moduleScope } from '../inventory/tofu';
import { readEmitted } from '../validate/yaml-docs';
import { firstStringKey } from './address';
import type { Inventory, KubeObject as InventoryObject, RepoTrees, TofuModule, TofuResource } from '../inventory/types';
import type { Model } from '../model/model';
import type { Import, KubeObject, LiveResource, Moved, Removed } from './types';
import { withTypeDefaults } from '../inventory/type-defaults';

/**
 * The change plan's inputs from an inventory: every managed resource instance of every root
 * module, and every data source instance for the access review (src/access/state.ts), with
 * for_each and count expanded where the keys are known, module calls expanded into
 * `module.<label>[<key>].<address>` where the inventory holds the called module; the
 * Kubernetes objects with their whole document as body, the refactoring blocks, and the apps
 * each object belongs to. What cannot be expanded is planned as one object at its unkeyed
 * address and said in `notes`, never guessed.
 */

/** A directory (or one file) of a repo whose objects belong to one apps.yaml app. */
export interface AppPlace {
  readonly app: string;
  readonly repo: string;
  /** A repo-relative directory (everything under it) or file. */
  readonly path: string;
}

/** Which app each object belongs to: by where it is declared, or by its instance key in a central module. */
export interface AppDirectory {
  readonly apps: readonly string[];
  readonly places: readonly AppPlace[];
  /** Root modules whose first instance key is an app name (the central Vault and PostgreSQL projects). */
  readonly keyedByApp: readonly { readonly repo: string; readonly dir: string }[];
}

/** The places of every app of the given models (pass the before and after models to cover both sides). */
export function appDirectory(...models: readonly Model[]): AppDirectory {
  const apps = new Set<string>();
  const places = new Map<string, AppPlace>();
  const keyed = new Map<string, { repo: string; dir: string }>();
  const place = (p: AppPlace) => places.set(`${p.repo}\u0000${p.path}`, p);
  for (const model of models) {
    for (const c of [model.central.vault, model.central.postgres]) keyed.set(`${c.repo}\u0000${c.dir}`, { repo: c.repo, dir: c.dir });
    for (const app of model.apps) {
      apps.add(app.name);
      const t = app.target;
      if (!t) continue;
      place({ app: app.name, repo: t.repo, path: t.iacDir });
      place({ app: app.name, repo: t.repo, path: t.manifestsDir });
      for (const f of Object.values(t.files)) if (f !== undefined) place({ app: app.name, repo: t.repo, path: f });
    }
  }
  return { apps: [...apps].sort(), places: [...places.values()], keyedByApp: [...keyed.values()] };
}

export interface LiveInputs {
  readonly resources: readonly LiveResource[];
  /** The data sources, expanded and resolved like the resources (`data.<type>.<name>` addresses); not planned, read by the access review. */
  readonly data: readonly LiveResource[];
  readonly objects: readonly KubeObject[];
  readonly moved: readonly Moved[];
  readonly removed: readonly Removed[];
  readonly imports: readonly Import[];
  /** Every app some object of this side belongs to. */
  readonly apps: readonly string[];
  /** What could not be expanded or read, one sentence each. */
  readonly notes: readonly string[];
}

export interface LiveInputOptions {
  readonly parser: HclParser;
  readonly apps?: AppDirectory;
}

/** How deep module calls are followed (a module calling itself would never end). */
const MAX_MODULE_DEPTH = 8;

type Body = Readonly<Record<string, unknown>>;

/**
 * `trees` are the files the inventory was built from: the Kubernetes bodies and the `removed`
 * blocks' lifecycle are read from them.
 */
export async function liveInputs(inventory: Inventory, trees: RepoTrees, options: LiveInputOptions): Promise<LiveInputs> {
  const { parser } = options;
  const apps = options.apps ?? { apps: [], places: [], keyedByApp: [] };
  const appAt = appLocator(apps);
  const notes: string[] = [];
  const resources: LiveResource[] = [];
  const data: LiveResource[] = [];
  const moved: Moved[] = [];
  const removed: Removed[] = [];
  const imports: Import[] = [];
  const byDir = new Map(inventory.modules.map((m) => [`${m.repo}\u0000${m.dir}`, m]));
  const repos = new Set(inventory.modules.map((m) => m.repo));

  /** `site`: the file of the root module's call that reaches `m` (where the objects belong), undefined in the root module itself. */
  const expand = async (
    root: TofuModule,
    m: TofuModule,
    prefix: string,
    vars: ReadonlyMap<string, unknown>,
    depth: number,
    site?: string,
    unexpanded = false,
  ): Promise<void> => {
    const where = `${root.repo}/${root.dir}`;
    const scope: EvalScope = { vars, resources: moduleResources(m) };
    const at = { repo: root.repo, module: root.dir };
    const managed = m.resources.filter((r) => r.mode === 'managed');
    const instances = new Map<TofuResource, Instance[]>();
    for (const r of m.resources) instances.set(r, await instancesOf(parser, r.body, scope, `${prefix}${r.address}`, where, notes));
    /** `type.name` -> its instance keys: an expression over a resource's instances reads them. */
    const keysOf = new Map(managed.filter((r) => r.forEach || r.count).map((r) => [r.address, instances.get(r)!.map((i) => i.key)]));
    for (const r of m.resources) {
      for (const instance of instances.get(r)!) {
        const address = `${prefix}${r.address}${instance.key}`;
        const args = (await resolved(parser, r.body, instance.scope, keysOf)) as Body;
        const app = appAt(root, site ?? r.at.path, address);
        (r.mode === 'managed' ? resources : data).push({
          ...at,
          address,
          type: r.type,
          args,
          ...(app !== undefined ? { app } : {}),
          ...(unexpanded || instance.unexpanded ? { unexpanded: true } : {}),
        });
      }
    }
    for (const f of m.refactors) {
      if (f.kind === 'moved' && f.from && f.to) moved.push({ ...at, from: `${prefix}${f.from}`, to: `${prefix}${f.to}` });
      // import and removed blocks are root-module only (refactor.ts)
      if (f.kind === 'import' && f.to && prefix === '') imports.push({ ...at, to: f.to });
    }
    if (prefix === '') removed.push(...(await removedBlocks(parser, root, trees, notes)));
    for (const call of m.modules) {
      const callAddress = `${prefix}module.${call.label}`;
      const child = call.source === undefined ? undefined : byDir.get(moduleDirOf(m, call.source, repos));
      if (!child) {
        notes.push(
          `${where}: ${callAddress} calls ${call.source ?? 'a module without source'}, which is not in the repos read: the objects it manages are not planned`,
        );
        continue;
      }
      if (depth >= MAX_MODULE_DEPTH) {
        notes.push(`${where}: ${callAddress} nests modules deeper than ${MAX_MODULE_DEPTH}: not followed`);
        continue;
      }
      for (const instance of await instancesOf(parser, call.args, scope, callAddress, where, notes)) {
        const inputs = new Map<string, unknown>();
        for (const [name, v] of child.variables) if (Object.hasOwn(v, 'default')) inputs.set(name, withTypeDefaults(v.default, v.type));
        for (const [name, expr] of Object.entries(call.args)) {
          if (name === 'for_each' || name === 'count' || name === 'depends_on' || name === 'providers') continue;
          inputs.set(name, withTypeDefaults(await evaluate(parser, expr, instance.scope), child.variables.get(name)?.type));
        }
        await expand(root, child, `${callAddress}${instance.key}.`, inputs, depth + 1, site ?? call.at.path, unexpanded || instance.unexpanded === true);
      }
    }
  };
  for (const m of inventory.modules) if (!m.child) await expand(m, m, '', moduleScope(m).vars, 0);

  const objects = kubeObjects(inventory, trees, (o) => appAt(undefined, o.at.path, '', o.at.repo), notes);
  const appSet = new Set([...resources, ...objects].flatMap((x) => (x.app === undefined ? [] : [x.app])));
  return { resources, data, objects, moved, removed, imports, apps: [...appSet].sort(), notes };
}

interface Instance {
  /** `["k"]`, `[0]` or '' */
  readonly key: string;
  readonly scope: EvalScope;
  /** The keys are not known: this one instance stands for all of them. */
  readonly unexpanded?: boolean;
}

/** One scope per instance of a resource or module call: per for_each key, per count index, or one. */
async function instancesOf(parser: HclParser, body: Body, scope: EvalScope, address: string, where: string, notes: string[]): Promise<Instance[]> {
  if (body.for_each !== undefined) {
    const each = await evaluate(parser, body.for_each, scope);
    const keys = forEachKeys(each);
    if (!keys) {
      notes.push(`${where}: the for_each keys of ${address} are not known from the files: planned as one object at ${address}`);
      return [{ key: '', scope, unexpanded: true }];
    }
    const values = typeof each === 'object' && each !== null && !Array.isArray(each) ? (each as Record<string, unknown>) : undefined;
    return keys.map((key) => ({ key: `[${JSON.stringify(key)}]`, scope: { ...scope, each: { key, value: values ? values[key] : key } } }));
  }
  if (body.count !== undefined) {
    const n = await evaluate(parser, body.count, scope);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      notes.push(`${where}: the count of ${address} is not known from the files: planned as one object at ${address}`);
      return [{ key: '', scope, unexpanded: true }];
    }
    // count.index is not in the evaluator's scope: arguments reading it stay expressions
    return Array.from({ length: n }, (_, i) => ({ key: `[${i}]`, scope }));
  }
  return [{ key: '', scope }];
}

/**
 * An argument with every expression whose value is known replaced by that value. The rest stays
 * as written, with the values of the variables and `each` it reads (`{ expression, reads }`): the
 * same text in a module instance, or under another tfvars value, is another argument.
 */
async function resolved(parser: HclParser, value: unknown, scope: EvalScope, keysOf: ReadonlyMap<string, readonly string[]>): Promise<unknown> {
  if (typeof value === 'string') {
    const v: Value = await evaluate(parser, value, scope);
    return v === UNKNOWN ? withReads(value, scope, keysOf) : v;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await resolved(parser, v, scope, keysOf));
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'for_each' || k === 'count' ? v : await resolved(parser, v, scope, keysOf);
    return out;
  }
  return value;
}

const READ = /(?<![\w.])(?:var\.([A-Za-z_][\w-]*)|each\.(key|value)|([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)(?![\w-]|\[))/g;

/** `var.x`, `each.key`/`each.value`, and a keyed resource read whole (`random_password.config`, not `...config[each.key]`). */
function withReads(expression: string, scope: EvalScope, keysOf: ReadonlyMap<string, readonly string[]>): unknown {
  const reads: Record<string, unknown> = {};
  const known = (v: unknown) => (v === UNKNOWN || v === undefined ? '(not known from the files)' : v);
  for (const m of expression.matchAll(READ)) {
    if (m[1] !== undefined) reads[`var.${m[1]}`] = known(scope.vars.get(m[1]));
    else if (m[2] !== undefined) {
      if (scope.each) reads[`each.${m[2]}`] = known(m[2] === 'key' ? scope.each.key : scope.each.value);
    } else if (keysOf.has(m[3]!)) reads[`${m[3]!} instances`] = keysOf.get(m[3]!);
  }
  return Object.keys(reads).length ? { expression, reads } : expression;
}

/**
 * The module directory a call's source names: a local path from the calling module, or a git
 * source `...<repo>.git//<dir>?ref=...` whose repo name is the id of a repo read (the ref is not
 * checked: the module is taken as the branch read holds it).
 */
export function moduleDirOf(caller: Pick<TofuModule, 'repo' | 'dir'>, source: string, repos: ReadonlySet<string>): string {
  if (source.startsWith('./') || source.startsWith('../')) return `${caller.repo}\u0000${posix.normalize(posix.join(caller.dir, source))}`;
  const git = /^(?:git::)?[^?#]*?\/([^/?#]+?)(?:\.git)?\/\/([^?#]+)/.exec(source);
  if (git && repos.has(git[1]!)) return `${git[1]!}\u0000${posix.normalize(git[2]!.replace(/\/+$/, ''))}`;
  return '';
}

/** The removed blocks of a root module with their lifecycle.destroy, read from the files (the inventory keeps only `from`). */
async function removedBlocks(parser: HclParser, m: TofuModule, trees: RepoTrees, notes: string[]): Promise<Removed[]> {
  const out: Removed[] = [];
  const files = [...new Set(m.refactors.filter((f) => f.kind === 'removed').map((f) => f.at.path))];
  for (const path of files) {
    const doc = await parser.parse(posix.basename(path), trees.get(m.repo)?.get(path) ?? '').catch(() => undefined);
    const blocks = doc && Array.isArray(doc.removed) ? (doc.removed as Body[]) : [];
    for (const b of blocks) {
      const from = typeof b.from === 'string' ? b.from.replace(/^\$\{([\s\S]*)\}$/, '$1') : undefined;
      if (!from) continue;
      const lifecycle = Array.isArray(b.lifecycle) ? (b.lifecycle[0] as Body | undefined) : undefined;
      const destroy = lifecycle?.destroy;
      if (destroy !== undefined && typeof destroy !== 'boolean')
        notes.push(`${m.repo}/${m.dir}: the removed block from ${from} in ${path} sets lifecycle.destroy to an expression: planned as destroy = true`);
      out.push({ repo: m.repo, module: m.dir, from, ...(destroy === undefined ? {} : { destroy: destroy !== false }) });
    }
  }
  return out;
}

/** The app of an object, from its place or, in a central module, its first instance key. */
export function appLocator(d: AppDirectory) {
  const known = new Set(d.apps);
  const keyed = new Set(d.keyedByApp.map((k) => `${k.repo}\u0000${k.dir}`));
  // `<repo>\0<path>` -> the app of the first place there: a lookup per prefix of a path, not a scan of every place.
  const byPlace = new Map<string, string>();
  for (const p of d.places) {
    const key = `${p.repo}\u0000${p.path}`;
    if (!byPlace.has(key)) byPlace.set(key, p.app);
  }
  /** The app of the place with the longest path that is `path` or a directory above it. */
  const placedApp = (repo: string, path: string): string | undefined => {
    const exact = byPlace.get(`${repo}\u0000${path}`);
    if (exact !== undefined) return exact;
    for (let i = path.lastIndexOf('/'); i >= 0; i = i === 0 ? -1 : path.lastIndexOf('/', i - 1)) {
      const app = byPlace.get(`${repo}\u0000${path.slice(0, i)}`);
      if (app !== undefined) return app;
    }
    return undefined;
  };
  return (root: Pick<TofuModule, 'repo' | 'dir'> | undefined, path: string, address: string, repo = root?.repo ?? ''): string | undefined => {
    const placed = placedApp(repo, path);
    if (placed !== undefined) return placed;
    if (root && keyed.has(`${root.repo}\u0000${root.dir}`)) {
      const key = firstStringKey(address);
      if (key !== undefined && known.has(key)) return key;
    }
    return undefined;
  };
}

const VSO_GROUP = 'secrets.hashicorp.com';

/**
 * The Kubernetes objects whose kind and name are known, each with its document (and the
 * kustomize patches that change it) as body. The applier's namespace is '' as for a
 * cluster-scoped object; a templated one is `<templated>`.
 */
function kubeObjects(inventory: Inventory, trees: RepoTrees, appOf: (o: InventoryObject) => string | undefined, notes: string[]): KubeObject[] {
  const docs = new Map<string, { counter: LineCounter; docs: Document.Parsed[]; text: string }>();
  const documentAt = (repo: string, path: string, line: number, col: number): unknown => {
    const key = `${repo}\u0000${path}`;
    const text = trees.get(repo)?.get(path) ?? '';
    const emitted = emittedDocumentAt(text, line);
    if (emitted !== undefined) return emitted;
    let file = docs.get(key);
    if (!file) {
      const counter = new LineCounter();
      file = { counter, text, docs: parseAllDocuments(text, { lineCounter: counter, prettyErrors: false }) as Document.Parsed[] };
      docs.set(key, file);
    }
    const offset = (file.counter.lineStarts[line - 1] ?? 0) + col - 1;
    const doc = file.docs.find((d) => d.range[0] <= offset && offset <= d.range[2]) ?? file.docs.at(-1);
    if (!doc) return null;
    // a template's document is compared as text: its values are only known once Helm renders it
    return doc.errors.length ? file.text.slice(doc.range[0], doc.range[2]) : doc.toJSON();
  };
  const patchesOf = new Map<string, unknown[]>();
  for (const p of inventory.patches) {
    const body = documentAt(p.at.repo, p.at.path, p.at.line, p.at.col);
    if (!p.patches) {
      const t = p.target;
      notes.push(
        `${p.at.repo}/${p.at.path}: a patch of ${t.kind ?? '?'} ${t.namespace ?? ''}/${t.name ?? '?'} whose target is not among the objects read: its changes are not planned`,
      );
      continue;
    }
    const k = `${p.patches.repo}\u0000${p.patches.path}\u0000${p.patches.line}\u0000${p.patches.col}`;
    patchesOf.set(k, [...(patchesOf.get(k) ?? []), { [p.at.path]: body }]);
  }
  const out: KubeObject[] = [];
  for (const o of inventory.objects) {
    if (o.name === undefined || o.unknown.includes('metadata.name')) {
      notes.push(`${o.at.repo}/${o.at.path}:${o.at.line}: a ${o.kind} whose name is templated: not planned`);
      continue;
    }
    const doc = documentAt(o.at.repo, o.at.path, o.at.line, o.at.col);
    const patches = patchesOf.get(`${o.at.repo}\u0000${o.at.path}\u0000${o.at.line}\u0000${o.at.col}`);
    const destination = o.group === VSO_GROUP ? o.vso?.destination : undefined;
    const app = appOf(o);
    out.push({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.namespace ?? (o.unknown.includes('metadata.namespace') ? '<templated>' : ''),
      name: o.name,
      ...(destination?.name !== undefined ? { destinationSecret: destination.name } : {}),
      ...(destination?.create !== undefined ? { destinationCreate: destination.create } : {}),
      body: { document: withoutApiVersion(doc), ...(patches ? { patches } : {}), namespaceSource: o.namespaceSource, conditions: o.conditions },
      repo: o.at.repo,
      ...(app !== undefined ? { app } : {}),
    });
  }
  return out;
}

/**
 * The value of the document on `line` (1-based) when `text` is exactly what joinkey's emitter
 * writes (src/validate/yaml-docs.ts checks that byte for byte), as `yaml` reads it; undefined for
 * any other text, or a line that is no document's (the comment, a `---`), which `yaml` then reads.
 * The documents of the last file asked are kept: a manifest's objects are asked one after another.
 */
export function emittedDocumentAt(text: string, line: number): unknown {
  if (lastEmitted?.text !== text) {
    const values = readEmitted(text);
    if (!values) return undefined;
    // Line 1 is the marker comment; a document starts on line 2 and after each `---` line.
    const lines = text.split('\n');
    const starts = [2];
    lines.forEach((l, i) => l === '---' && starts.push(i + 2));
    lastEmitted = { text, values, starts: starts.length === values.length ? starts : [], lines: lines.length - 1 };
  }
  const { values, starts, lines } = lastEmitted;
  for (let i = starts.length - 1; i >= 0; i--) {
    if (line < starts[i]!) continue;
    const separator = i + 1 < starts.length ? starts[i + 1]! - 1 : lines + 1;
    return line < separator ? values[i] : undefined;
  }
  return undefined;
}

let lastEmitted: { readonly text: string; readonly values: readonly unknown[]; readonly starts: readonly number[]; readonly lines: number } | undefined;

/** apiVersion is compared on its own (planKubeChanges): a bump is named as such, not as a spec change. */
function withoutApiVersion(doc: unknown): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const { apiVersion: _apiVersion, ...rest } = doc as Record<string, unknown>;
  return rest;
}
