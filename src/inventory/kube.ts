import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { hasPlaceholder, maskTemplate, placeholderIndices, type MaskedTemplate } from './template';
import { lineColAt } from './text';
import type { Location, Unreadable, VsoSpec } from './types';

/**
 * The Kubernetes objects of one YAML file, as written (before any kustomization applies): every
 * document that has an apiVersion and a kind. A templated file (under a chart's `templates/`, or
 * one that only parses once its `{{ }}` are masked) is read through template.ts.
 */

export const VSO_GROUP = 'secrets.hashicorp.com';
const VSO_WITH_DESTINATION = new Set(['VaultStaticSecret', 'VaultDynamicSecret', 'VaultPKISecret', 'HCPVaultSecretsApp']);
export const VSO_KINDS = new Set([...VSO_WITH_DESTINATION, 'VaultAuth', 'VaultConnection', 'VaultAuthGlobal']);

/** A document's object before kustomize: its namespace is what the file says. */
export interface ManifestObject {
  readonly at: Location;
  readonly docIndex: number;
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  /** Absent, a literal, or Helm's `{{ .Release.Namespace }}` (= the applier's). */
  readonly namespace?: string;
  readonly namespaceIsRelease: boolean;
  readonly conditions: readonly string[];
  readonly unknown: readonly string[];
  readonly vso?: VsoSpec;
}

export interface ManifestRead {
  readonly objects: readonly ManifestObject[];
  /** Documents that are YAML but no Kubernetes object (values files, Chart.yaml, lists of patches). */
  readonly other: readonly { readonly docIndex: number; readonly at: Location }[];
  readonly unreadable: readonly Unreadable[];
}

export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** A file Helm renders: under a chart's templates/ dir (partials `_*` and NOTES.txt excepted, they render no objects). */
export function isHelmTemplatePath(path: string): boolean {
  const segments = path.split('/');
  return segments.slice(0, -1).includes('templates');
}

export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/.test(path);
}

type FieldState = { readonly state: 'absent' } | { readonly state: 'unknown' } | { readonly state: 'known'; readonly value: unknown; readonly node: Node };

export function readManifest(repo: string, path: string, content: string): ManifestRead {
  const templated = isHelmTemplatePath(path);
  if (!templated) {
    const plain = readYaml(repo, path, content, undefined);
    // Outside templates/ "{{" is data (Vault SQL has {{name}}); masking is tried only when the file is no YAML as it stands.
    if (!plain.unreadable.length || !content.includes('{{')) return plain;
  }
  const masked = maskTemplate(content);
  if (masked.problem) {
    const lc = lineColAt(content, masked.problem.offset);
    return { objects: [], other: [], unreadable: [{ at: { repo, path, ...lc }, reason: `Go template: ${masked.problem.reason}` }] };
  }
  const read = readYaml(repo, path, masked.text, masked, content);
  if (!read.unreadable.some((u) => u.reason.startsWith(NOT_YAML_MASKED))) return read;
  // an output action that renders list items is no mapping key: blank those lines and read conservatively
  const blanked = maskTemplate(content, 'blank');
  const retry = readYaml(repo, path, blanked.text, blanked, content);
  return retry.unreadable.some((u) => u.reason.startsWith(NOT_YAML_MASKED)) ? read : retry;
}

const NOT_YAML_MASKED = 'is not YAML once its template actions are masked';

function readYaml(repo: string, path: string, text: string, masked: MaskedTemplate | undefined, source = text): ManifestRead {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  const objects: ManifestObject[] = [];
  const other: ManifestRead['other'][number][] = [];
  const unreadable: Unreadable[] = [];
  const where = (offset: number): Location => ({ repo, path, ...counter.linePos(offset) });
  const blockLines = (masked?.blocks ?? []).map((b) => ({ ...b, first: lineColAt(source, b.start).line, last: lineColAt(source, b.end).line }));
  const docList: Document.Parsed[] = Array.isArray(docs) ? docs : [docs];

  docList.forEach((doc, docIndex) => {
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      const what = masked ? NOT_YAML_MASKED : 'is not valid YAML';
      unreadable.push({ at: where(e.pos[0]), reason: `${what}: ${e.message.split('\n')[0]}` });
      return;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) return; // an empty document
    const start = contents.range?.[0] ?? 0;
    const end = contents.range?.[1] ?? start;
    const firstLine = counter.linePos(start).line;
    const lastLine = counter.linePos(Math.max(start, end - 1)).line;
    const enclosing = blockLines.filter((b) => b.first < firstLine && b.last >= lastLine);
    const inner = blockLines.filter((b) => !enclosing.includes(b) && b.first <= lastLine && b.last >= firstLine);
    if (enclosing.some((b) => b.keyword === 'define' || b.keyword === 'block')) return; // a named template, not an object
    const ranged = enclosing.find((b) => b.keyword === 'range');
    if (ranged) {
      unreadable.push({ at: where(start), reason: `repeated by "{{ ${ranged.text} }}": how many objects, and their names, depend on values` });
      return;
    }
    const insideInner = (node: Node): boolean => {
      const l = counter.linePos(node.range?.[0] ?? 0).line;
      return inner.some((b) => b.first < l && l < b.last);
    };
    // blanked output lines of this document: they may add keys at their indentation, or below an empty key
    const injected = (masked?.injections ?? []).filter((i) => i.line >= firstLine - 1 && i.line <= lastLine + 1);
    const field = (...keys: string[]): FieldState => {
      let node: unknown = contents;
      let indent = 0;
      const absent: FieldState = injected.length ? { state: 'unknown' } : { state: 'absent' };
      for (const key of keys) {
        if (!isMap(node)) return absent;
        if (node.items.some((p) => isScalar(p.key) && typeof p.key.value === 'string' && hasPlaceholder(p.key.value))) return { state: 'unknown' };
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        if (!pair) {
          // an injection at this mapping's key indentation (or less) could add the key
          const first = node.items[0]?.key as Node | undefined;
          const keyIndent = first ? counter.linePos(first.range?.[0] ?? 0).col - 1 : 0;
          return injected.some((i) => i.indent <= keyIndent) ? { state: 'unknown' } : { state: 'absent' };
        }
        indent = counter.linePos((pair.key as Node).range?.[0] ?? 0).col - 1;
        node = pair.value;
        if (node && insideInner(node as Node)) return { state: 'unknown' };
      }
      if (injected.some((i) => i.indent <= indent)) return { state: 'unknown' };
      if (isScalar(node)) {
        if (typeof node.value === 'string' && hasPlaceholder(node.value)) return { state: 'unknown' };
        if (node.value === null) return absent;
        return { state: 'known', value: node.value, node };
      }
      if (node === null || node === undefined) return absent;
      return { state: 'known', value: (node as Node).toJSON(), node: node as Node };
    };
    const unknown: string[] = [];
    const str = (...keys: string[]): string | undefined => {
      const f = field(...keys);
      if (f.state === 'unknown') unknown.push(keys.join('.'));
      return f.state === 'known' && (typeof f.value === 'string' || typeof f.value === 'number') ? String(f.value) : undefined;
    };
    const bool = (...keys: string[]): boolean | undefined => {
      const f = field(...keys);
      if (f.state === 'unknown') unknown.push(keys.join('.'));
      return f.state === 'known' && typeof f.value === 'boolean' ? f.value : undefined;
    };

    const apiVersionF = field('apiVersion');
    const kindF = field('kind');
    if (apiVersionF.state === 'unknown' || kindF.state === 'unknown') {
      unreadable.push({ at: where(start), reason: 'its apiVersion or kind is set by a template action, so what object it is depends on values' });
      return;
    }
    if (apiVersionF.state !== 'known' || kindF.state !== 'known' || typeof apiVersionF.value !== 'string' || typeof kindF.value !== 'string') {
      other.push({ docIndex, at: where(start) });
      return;
    }
    const apiVersion = apiVersionF.value;
    const kind = kindF.value;
    const name = str('metadata', 'name');
    const nameF = field('metadata', 'name');
    const nsF = field('metadata', 'namespace');
    let namespace: string | undefined;
    let namespaceIsRelease = false;
    if (nsF.state === 'known' && typeof nsF.value === 'string') namespace = nsF.value;
    else if (nsF.state === 'unknown') {
      const raw = releaseNamespaceOnly(nsPair(contents), masked);
      if (raw) namespaceIsRelease = true;
      else unknown.push('metadata.namespace');
    }
    const group = groupOf(apiVersion);
    let vso: VsoSpec | undefined;
    if (group === VSO_GROUP && VSO_KINDS.has(kind)) {
      const destination = VSO_WITH_DESTINATION.has(kind)
        ? { name: str('spec', 'destination', 'name'), create: bool('spec', 'destination', 'create'), overwrite: bool('spec', 'destination', 'overwrite') }
        : undefined;
      vso = {
        destination,
        vaultAuthRef: str('spec', 'vaultAuthRef'),
        mount: str('spec', 'mount'),
        path: str('spec', 'path'),
        role: str('spec', 'role'),
        type: str('spec', 'type'),
        method: str('spec', 'method'),
        kubernetesRole: str('spec', 'kubernetes', 'role'),
        serviceAccount: str('spec', 'kubernetes', 'serviceAccount'),
        vaultConnectionRef: str('spec', 'vaultConnectionRef'),
        address: str('spec', 'address'),
      };
    }
    const atNode = nameF.state === 'known' ? nameF.node : contents;
    objects.push({
      at: where(atNode.range?.[0] ?? start),
      docIndex,
      apiVersion,
      group,
      kind,
      name,
      namespace,
      namespaceIsRelease,
      conditions: enclosing.map((b) => b.text),
      unknown: [...new Set(unknown)],
      vso,
    });
  });
  return { objects, other, unreadable };
}

function nsPair(contents: unknown): string | undefined {
  if (!isMap(contents)) return undefined;
  const meta = contents.items.find((p) => isScalar(p.key) && p.key.value === 'metadata')?.value;
  if (!isMap(meta)) return undefined;
  const ns = meta.items.find((p) => isScalar(p.key) && p.key.value === 'namespace')?.value;
  return isScalar(ns) && typeof ns.value === 'string' ? ns.value : undefined;
}

/** True when the scalar is exactly one action `.Release.Namespace` (the namespace Helm installs into). */
function releaseNamespaceOnly(value: string | undefined, masked: MaskedTemplate | undefined): boolean {
  if (!value || !masked) return false;
  const ids = placeholderIndices(value);
  if (ids.length !== 1 || value.replace(/_jk\d+_+/, '') !== '') return false;
  return masked.actions[ids[0]!]?.body === '.Release.Namespace';
}
