import { chartDocuments, InitContainerPatchChart, VsoChart } from '../charts/vso-chart';
import { renderDocs } from '../docs';
import { environmentMatrixDoc } from '../docs/environments';
import type { EnvironmentModel } from '../model/environments';
import { emitYamlStream, type YamlValue } from '../emit/yaml';
import type { Path } from '../config/source';
import type { AppModel, Model } from '../model/model';
import { contentHash, ownershipFileIn } from '../ownership';
import { renderAppTofu, renderCentralTofu } from '../tofu-gen';
import { DOCS_REPO, markerLine, ownershipFile, treeFromFiles, type DeclaredObject, type FileTree, type RenderedFile } from './files';
import { withProvenance, type FileProvenance } from './provenance';

/**
 * Every generated file, app by app: each app's charts are built, serialized and released before
 * the next app, so memory stays bounded by one app's constructs plus the output text.
 * The central files, the docs and each repo's ownership list come last (docs/ gets one too, so
 * that synth can tell its own output dir from a foreign one without reading every file).
 */
export function* renderFiles(model: Model): Generator<RenderedFile> {
  type Owned = { path: string; hash: string; app?: string }[];
  const owned = new Map<string, Owned>([...model.repos.map((r): [string, Owned] => [r.id, []]), [DOCS_REPO, []]]);
  /** Provenance of what is rendered so far, without the content: the docs read it. */
  const rendered: FileProvenance[] = [];
  const own = (f: RenderedFile): RenderedFile => {
    owned.get(f.repo)?.push({ path: f.path, hash: contentHash(f.content), ...(f.owner?.kind === 'app' ? { app: f.owner.app } : {}) });
    const { content: _content, ...provenance } = f;
    rendered.push(provenance);
    return f;
  };
  for (const app of model.apps) {
    for (const f of renderAppManifests(model, app)) yield own(f);
    for (const f of renderAppTofu(model, app)) yield own(f);
  }
  for (const f of renderCentralTofu(model)) yield own(f);
  for (const f of renderDocs(model, rendered)) yield own(f);
  for (const [repo, paths] of owned) {
    const at = ownershipFileIn(model.repos.find((r) => r.id === repo)?.path);
    yield withProvenance(ownershipFile(repo, paths, at), { kind: 'joinkey' }, repo === DOCS_REPO ? [] : ['repos', repo], []);
  }
}

/**
 * What synth writes for a loaded apps.yaml: without environments, renderFiles of its model,
 * byte for byte as before; with them, each environment's render below `<env>/` (so
 * `OUT/<env>/<repo>/<path>`), an ownership list per environment dir that lists everything in
 * it, and the environments matrix in OUT/docs.
 */
export function* renderOutput(loaded: { readonly model: Model; readonly environments: readonly EnvironmentModel[] }): Generator<RenderedFile> {
  if (loaded.environments.length === 0) {
    yield* renderFiles(loaded.model);
    return;
  }
  for (const { name, model } of loaded.environments) {
    const owned: { path: string; hash: string }[] = [];
    for (const f of renderFiles(model)) {
      const placed = { ...f, repo: name, path: `${f.repo}/${f.path}` };
      owned.push({ path: placed.path, hash: contentHash(f.content) });
      yield placed;
    }
    yield withProvenance(ownershipFile(name, owned), { kind: 'joinkey' }, ['environments', name], []);
  }
  const matrix = environmentMatrixDoc(loaded.environments);
  yield matrix;
  yield withProvenance(ownershipFile(DOCS_REPO, [{ path: matrix.path, hash: contentHash(matrix.content) }]), { kind: 'joinkey' }, [], []);
}

/** The whole render in memory, repo by repo, paths sorted. */
export function renderTree(model: Model): FileTree {
  return treeFromFiles(renderFiles(model));
}

export function renderAppManifests(model: Model, app: AppModel): RenderedFile[] {
  const target = app.target;
  if (!target) return [];
  const files: RenderedFile[] = [];
  if (target.files.vso) {
    // Each chart has an App of its own, so its id is a constant: an app name such as "constructor" would collide with the construct tree's own keys.
    const docs = chartDocuments((scope) => new VsoChart(scope, 'vso', model, app));
    files.push(manifestFile(app, target.repo, target.files.vso, [...app.origin, 'manifests'], docs));
  }
  if (target.files.initContainerPatch) {
    const docs = chartDocuments((scope) => new InitContainerPatchChart(scope, 'init-container-patch', model, app));
    files.push(manifestFile(app, target.repo, target.files.initContainerPatch, [...app.origin, 'manifests'], docs));
  }
  return files;
}

interface ManifestDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
}

function manifestFile(app: AppModel, repo: string, path: string, origin: Path, docs: unknown[]): RenderedFile {
  const body = emitYamlStream(docs as YamlValue[]);
  if (path.split('/').includes('templates') && body.includes('{{')) {
    throw new Error(`internal: ${repo}/${path} would feed "{{" to Helm's template engine`);
  }
  // The objects are read from the documents themselves, so the provenance lists what the file holds.
  const objects = (docs as ManifestDoc[]).map((d): DeclaredObject => ({
    kind: 'kubernetes',
    apiVersion: d.apiVersion,
    type: d.kind,
    namespace: d.metadata.namespace,
    name: d.metadata.name,
    owner: { kind: 'app', name: app.name },
    origin: manifestOrigin(app, d),
  }));
  return withProvenance({ repo, path, content: `${markerLine(path)}\n${body}` }, { kind: 'app', app: app.name }, origin, objects);
}

/** The apps.yaml key behind one manifest: the secret, the database, or the app (a VaultAuth). */
function manifestOrigin(app: AppModel, d: ManifestDoc): Path {
  const ns = d.metadata.namespace;
  if (d.kind === 'VaultStaticSecret') {
    const s = app.secrets.find((x) => x.staticSecretName === d.metadata.name && x.namespace === ns);
    if (s) return s.origin;
  }
  if (d.kind === 'VaultDynamicSecret') return [...app.origin, 'database'];
  if (d.kind === 'VaultAuth') {
    const users = app.secrets.filter((x) => x.vaultAuth === d.metadata.name && x.namespace === ns);
    return users.length === 1 ? users[0]!.origin : app.origin;
  }
  const restart = app.database?.restart.findIndex((r) => r.kind === d.kind && r.name === d.metadata.name) ?? -1;
  return restart >= 0 ? [...app.origin, 'database', 'restart'] : app.origin;
}
