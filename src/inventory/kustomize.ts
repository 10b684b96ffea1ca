import { posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { startsWithMarker } from '../ownership';
import { isHelmTemplatePath, isYamlPath, readManifest, type ManifestObject, type ManifestRead } from './kube';
import type { KubeObject, KubePatch, Location, Unreadable } from './types';

/**
 * The Kubernetes objects of one repo, with kustomize's semantics (checked against
 * `kubectl kustomize` v5.5.0 in test/inventory-kustomize.test.ts):
 * - a kustomization's `namespace:` is set on every namespaced object it lists, directly or
 *   through nested kustomizations, replacing the namespace the file declares; the outermost
 *   kustomization wins;
 * - `patchesStrategicMerge`, `patches[].path` and `patchesJson6902` files are patches of their
 *   target, not objects; they match their target by the namespace it has before the
 *   kustomization's own namespace applies;
 * - a YAML file no kustomization lists is read as it stands (`kubectl apply -f`, a Helm chart).
 * What kustomize renders from elsewhere (helmCharts, generators, remote resources) is listed as
 * unreadable.
 */

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Kinds Kubernetes keeps outside namespaces: kustomize never sets a namespace on them. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ClusterIssuer',
  'PodSecurityPolicy',
  'ComponentStatus',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
]);

const isKustomizationPath = (p: string): boolean => (KUSTOMIZATION_FILES as readonly string[]).includes(posix.basename(p));
const isRemote = (r: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(r) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(r) || r.startsWith('git@');

interface Entry {
  readonly value: string;
  readonly at: Location;
}
interface PatchEntry {
  readonly path?: string;
  readonly inline?: unknown;
  readonly type: KubePatch['type'];
  readonly target?: KubePatch['target'];
  readonly at: Location;
}

interface Kustomization {
  readonly path: string;
  readonly dir: string;
  readonly namespace?: string;
  readonly resources: readonly Entry[];
  readonly patches: readonly PatchEntry[];
  readonly unreadable: readonly Unreadable[];
}

function readKustomization(repo: string, path: string, content: string): Kustomization | Unreadable {
  const counter = new LineCounter();
  const doc = parseDocument(content, { lineCounter: counter, prettyErrors: false });
  const at = (node: Node | null | undefined): Location => ({ repo, path, ...counter.linePos(node?.range?.[0] ?? 0) });
  if (doc.errors.length)
    return {
      at: { repo, path, ...counter.linePos(doc.errors[0]!.pos[0]) },
      reason: `kustomization is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
    };
  const root = doc.contents;
  const dir = posix.dirname(path);
  if (!isMap(root)) return { at: at(root), reason: 'kustomization is not a mapping' };
  const get = (key: string): unknown => root.items.find((p) => isScalar(p.key) && p.key.value === key)?.value;
  const list = (key: string): { node: Node; value: unknown }[] => {
    const v = get(key);
    return isSeq(v) ? v.items.map((n) => ({ node: n as Node, value: (n as Node).toJSON() as unknown })) : [];
  };
  const unreadable: Unreadable[] = [];
  const resources: Entry[] = [];
  for (const key of ['resources', 'bases', 'components']) {
    for (const { node, value } of list(key)) {
      if (typeof value === 'string') resources.push({ value, at: at(node) });
      else unreadable.push({ at: at(node), reason: `${key} entry is not a path` });
    }
  }
  const patches: PatchEntry[] = [];
  for (const { node, value } of list('patchesStrategicMerge')) {
    if (typeof value !== 'string') continue;
    // an entry is a path or, when it holds a newline or starts like a document, an inline patch
    if (/\n/.test(value) || /^\s*(apiVersion|kind):/m.test(value)) patches.push({ inline: value, type: 'strategic-merge', at: at(node) });
    else patches.push({ path: value, type: 'strategic-merge', at: at(node) });
  }
  for (const key of ['patches', 'patchesJson6902']) {
    for (const { node, value } of list(key)) {
      if (typeof value !== 'object' || value === null) continue;
      const v = value as { path?: unknown; patch?: unknown; target?: Record<string, unknown> };
      const target = v.target
        ? { group: str(v.target.group), kind: str(v.target.kind), name: str(v.target.name), namespace: str(v.target.namespace) }
        : undefined;
      const type: KubePatch['type'] = key === 'patchesJson6902' ? 'json6902' : 'strategic-merge';
      if (typeof v.path === 'string') patches.push({ path: v.path, type, target, at: at(node) });
      else if (typeof v.patch === 'string') patches.push({ inline: v.patch, type, target, at: at(node) });
    }
  }
  for (const key of ['helmCharts', 'helmChartInflationGenerator']) {
    if (get(key) !== undefined)
      unreadable.push({
        at: at(root.items.find((p) => isScalar(p.key) && p.key.value === key)?.key),
        reason: `${key}: the chart's objects are rendered by Helm at build time (kustomize --enable-helm); they are not read`,
      });
  }
  for (const key of ['configMapGenerator', 'secretGenerator', 'generators', 'transformers']) {
    if (get(key) !== undefined)
      unreadable.push({
        at: at(root.items.find((p) => isScalar(p.key) && p.key.value === key)?.key),
        reason: `${key}: what it generates or changes is not read`,
      });
  }
  const ns = get('namespace');
  return { path, dir, namespace: isScalar(ns) && typeof ns.value === 'string' ? ns.value : undefined, resources, patches, unreadable };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface RepoKube {
  readonly objects: KubeObject[];
  readonly patches: KubePatch[];
  readonly unreadable: Unreadable[];
}

/**
 * Reads of YAML files by repo, path and content: inventories of two states of the same repos (a
 * change plan) share the reads of the files alike. A read is a function of those three, and only read.
 */
export type ManifestReads = Map<string, ManifestRead>;

/** Every Kubernetes object and kustomize patch of one repo. */
export function inventoryRepoKube(repo: string, files: ReadonlyMap<string, string>, reads: ManifestReads = new Map()): RepoKube {
  const out: RepoKube = { objects: [], patches: [], unreadable: [] };
  const read = (path: string): ManifestRead => {
    const content = files.get(path)!;
    const key = `${repo}\u0000${path}\u0000${content}`;
    let r = reads.get(key);
    if (!r) reads.set(key, (r = readManifest(repo, path, content)));
    return r;
  };
  const reported = new Set<Unreadable>();
  const report = (list: readonly Unreadable[]) => {
    for (const u of list) {
      if (reported.has(u)) continue;
      reported.add(u);
      out.unreadable.push(u);
    }
  };
  const kustomizations = new Map<string, Kustomization>();
  const kustomizationOfDir = new Map<string, string>();
  for (const [path, content] of files) {
    if (!isKustomizationPath(path)) continue;
    const k = readKustomization(repo, path, content);
    if ('reason' in k) out.unreadable.push(k);
    else {
      kustomizations.set(path, k);
      kustomizationOfDir.set(k.dir, path);
      out.unreadable.push(...k.unreadable);
    }
  }
  const dirOf = (entry: string, from: string): string => posix.normalize(posix.join(from, entry)).replace(/\/$/, '');
  const nested = new Set<string>();
  for (const k of kustomizations.values()) {
    for (const r of k.resources) {
      const inner = kustomizationOfDir.get(dirOf(r.value, k.dir));
      if (inner) nested.add(inner);
    }
  }

  const listed = new Set<string>(); // files reached as resources or patches
  const seen = new Set<string>();
  const emit = (o: ManifestObject, path: string, chain: readonly string[], override: string | undefined) => {
    const clusterScoped = CLUSTER_SCOPED.has(o.kind);
    const namespace = clusterScoped ? undefined : (override ?? o.namespace);
    const key = `${path}#${o.docIndex}#${namespace ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    const namespaceSource: KubeObject['namespaceSource'] = clusterScoped
      ? 'declared'
      : override !== undefined
        ? 'kustomization'
        : o.namespace !== undefined
          ? 'declared'
          : 'apply';
    out.objects.push({
      at: o.at,
      apiVersion: o.apiVersion,
      group: o.group,
      kind: o.kind,
      name: o.name,
      namespace,
      namespaceSource,
      kustomizations: chain,
      conditions: o.conditions,
      unknown: override !== undefined ? o.unknown.filter((u) => u !== 'metadata.namespace') : o.unknown,
      generated: startsWithMarker(path, files.get(path)!),
      vso: o.vso,
    });
  };

  /** Builds kustomization k; returns its objects' identities before k's own namespace applies, for patch matching. */
  const build = (
    k: Kustomization,
    chain: readonly string[],
    outer: string | undefined,
    stack: ReadonlySet<string>,
  ): { o: ManifestObject; path: string; ns?: string }[] => {
    const override = outer ?? k.namespace;
    const produced: { o: ManifestObject; path: string; ns?: string }[] = [];
    for (const r of k.resources) {
      if (isRemote(r.value)) {
        out.unreadable.push({ at: r.at, reason: `remote resource ${r.value}: not read` });
        continue;
      }
      const target = dirOf(r.value, k.dir);
      const inner = kustomizationOfDir.get(target);
      if (inner) {
        if (stack.has(inner)) {
          out.unreadable.push({ at: r.at, reason: `${r.value} includes a kustomization that includes this one (a cycle)` });
          continue;
        }
        const innerK = kustomizations.get(inner)!;
        for (const p of build(innerK, [...chain, inner], override, new Set([...stack, inner]))) produced.push({ ...p, ns: innerK.namespace ?? p.ns });
        continue;
      }
      if (!files.has(target)) {
        out.unreadable.push({ at: r.at, reason: `${r.value} is listed but is neither a file nor a directory with a kustomization in this repo` });
        continue;
      }
      listed.add(target);
      const m = read(target);
      report(m.unreadable);
      for (const o of m.objects) {
        emit(o, target, chain, override);
        produced.push({ o, path: target, ns: o.namespace });
      }
    }
    for (const p of k.patches) {
      const file = p.path === undefined ? undefined : dirOf(p.path, k.dir);
      if (file !== undefined) {
        listed.add(file);
        if (!files.has(file)) {
          out.unreadable.push({ at: p.at, reason: `patch ${p.path} does not exist in this repo` });
          continue;
        }
      }
      const targets: { target: KubePatch['target']; at: Location }[] = [];
      if (p.target) targets.push({ target: p.target, at: file ? { repo, path: file, line: 1, col: 1 } : p.at });
      else if (p.type === 'strategic-merge') {
        const docs = file !== undefined ? read(file).objects : readManifest(repo, k.path, String(p.inline)).objects;
        for (const d of docs) targets.push({ target: { group: d.group, kind: d.kind, name: d.name, namespace: d.namespace }, at: file ? d.at : p.at });
      }
      for (const t of targets) {
        const match = produced.find(
          ({ o, ns }) =>
            o.kind === t.target.kind &&
            o.name === t.target.name &&
            (t.target.group === undefined || o.group === t.target.group) &&
            (t.target.namespace === undefined || ns === t.target.namespace),
        );
        out.patches.push({
          at: t.at,
          kustomization: k.path,
          type: p.type,
          // the patched object ends up in the kustomization's namespace, like everything it builds
          target: {
            ...t.target,
            namespace: t.target.kind !== undefined && CLUSTER_SCOPED.has(t.target.kind) ? undefined : (override ?? (match ? match.ns : t.target.namespace)),
          },
          patches: match?.o.at,
        });
      }
    }
    return produced;
  };
  for (const k of kustomizations.values()) if (!nested.has(k.path)) build(k, [k.path], undefined, new Set([k.path]));

  // everything no kustomization lists, as it stands
  for (const path of files.keys()) {
    if (listed.has(path) || isKustomizationPath(path)) continue;
    const base = posix.basename(path);
    if (isHelmTemplatePath(path) ? base.startsWith('_') || base === 'NOTES.txt' : !isYamlPath(path)) continue;
    const m = read(path);
    report(m.unreadable);
    const beside = kustomizationOfDir.get(posix.dirname(path));
    const before = out.objects.length;
    for (const o of m.objects) emit(o, path, [], undefined);
    if (beside) for (let i = before; i < out.objects.length; i++) out.objects[i] = { ...out.objects[i]!, unlistedBeside: beside };
  }
  return out;
}
