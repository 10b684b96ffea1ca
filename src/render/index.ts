import { chartDocuments, InitContainerPatchChart, VsoChart } from '../charts/vso-chart';
import { renderDocs } from '../docs';
import { emitYamlStream, type YamlValue } from '../emit/yaml';
import type { AppModel, Model } from '../model/model';
import { renderAppTofu, renderCentralTofu } from '../tofu-gen';
import { DOCS_REPO, markerLine, ownershipFile, treeFromFiles, type FileTree, type RenderedFile } from './files';

/**
 * Every generated file, app by app: each app's charts are built, serialized and released before
 * the next app, so memory stays bounded by one app's constructs plus the output text.
 * The central files, the docs and each repo's ownership list come last (docs/ gets one too, so
 * that synth can tell its own output dir from a foreign one without reading every file).
 */
export function* renderFiles(model: Model): Generator<RenderedFile> {
  const owned = new Map<string, string[]>([...model.repos.map((r): [string, string[]] => [r.id, []]), [DOCS_REPO, []]]);
  const own = (f: RenderedFile): RenderedFile => {
    owned.get(f.repo)?.push(f.path);
    return f;
  };
  for (const app of model.apps) {
    for (const f of renderAppManifests(model, app)) yield own(f);
    for (const f of renderAppTofu(model, app)) yield own(f);
  }
  for (const f of renderCentralTofu(model)) yield own(f);
  for (const f of renderDocs(model)) yield own(f);
  for (const [repo, paths] of owned) yield ownershipFile(repo, paths);
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
    files.push(manifestFile(target.repo, target.files.vso, docs));
  }
  if (target.files.initContainerPatch) {
    const docs = chartDocuments((scope) => new InitContainerPatchChart(scope, 'init-container-patch', model, app));
    files.push(manifestFile(target.repo, target.files.initContainerPatch, docs));
  }
  return files;
}

function manifestFile(repo: string, path: string, docs: unknown[]): RenderedFile {
  const body = emitYamlStream(docs as YamlValue[]);
  if (path.split('/').includes('templates') && body.includes('{{')) {
    throw new Error(`internal: ${repo}/${path} would feed "{{" to Helm's template engine`);
  }
  return { repo, path, content: `${markerLine(path)}\n${body}` };
}
