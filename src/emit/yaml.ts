/**
 * A small deterministic YAML emitter for generated Kubernetes documents: block style, sorted keys
 * with apiVersion, kind and metadata first (as cdk8s does), lines never folded. Strings are plain
 * only when no YAML 1.1 or 1.2 reader could take them for anything else; otherwise they are
 * double-quoted with JSON escapes, which YAML reads back verbatim. Round-trip property:
 * yaml.parse(emitYaml(x)) deep-equals x.
 */

const TOP_KEYS = ['apiVersion', 'kind', 'metadata'];

/** Plain-safe: starts with a letter or '/', holds only letters, digits and '_' '-' '.' '/'. */
const PLAIN_SAFE = /^[A-Za-z/][A-Za-z0-9_./-]*$/;
/** Words YAML 1.1 (Kubernetes' go-yaml) or 1.2 reads as booleans, nulls or special floats. */
const RESERVED_WORDS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [k: string]: YamlValue | undefined };

export function emitYaml(doc: YamlValue): string {
  const out: string[] = [];
  emitValue(doc, 0, out, true);
  return out.join('');
}

/** Documents separated by `---`, each ending in a newline. */
export function emitYamlStream(docs: readonly YamlValue[]): string {
  return docs.map(emitYaml).join('---\n');
}

export function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`internal: cannot emit ${value} as YAML`);
    return String(value);
  }
  if (PLAIN_SAFE.test(value) && !RESERVED_WORDS.test(value)) return value;
  return quote(value);
}

function quote(s: string): string {
  // JSON escapes are valid YAML double-quoted escapes; also escape what YAML treats as breaks or BOMs.
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function orderedKeys(obj: { readonly [k: string]: unknown }, top: boolean): string[] {
  const keys: string[] = [];
  for (const k of Object.keys(obj)) if (obj[k] !== undefined) keys.push(k);
  keys.sort();
  if (!top) return keys;
  const first = TOP_KEYS.filter((k) => keys.includes(k));
  return first.length ? [...first, ...keys.filter((k) => !TOP_KEYS.includes(k))] : keys;
}

function isEmptyContainer(v: YamlValue): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v !== 'object' || v === null) return false;
  return Object.values(v as Record<string, unknown>).every((x) => x === undefined);
}

function inline(v: YamlValue): string {
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object' && v !== null) return '{}';
  return scalar(v);
}

/** Indentation strings, by width. */
const PADS: string[] = [];
function pad(n: number): string {
  return (PADS[n] ??= ' '.repeat(n));
}

/**
 * Appends `v` at `indent`. `lead` replaces the indentation of the first line: a sequence item's
 * mapping starts on the "- " line ("- key: value"), its other keys under the first one.
 */
function emitValue(v: YamlValue, indent: number, out: string[], top: boolean, lead: string = pad(indent)): void {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(lead, '[]\n');
      return;
    }
    let first = lead;
    for (const item of v as YamlValue[]) {
      if (typeof item === 'object' && item !== null && !isEmptyContainer(item)) {
        if (Array.isArray(item)) {
          out.push(first, '-\n');
          emitValue(item, indent + 2, out, false);
        } else {
          emitValue(item, indent + 2, out, false, `${first}- `);
        }
      } else {
        out.push(first, '- ', inline(item), '\n');
      }
      first = pad(indent);
    }
    return;
  }
  if (typeof v === 'object' && v !== null) {
    const obj = v as { readonly [k: string]: YamlValue | undefined };
    const keys = orderedKeys(obj, top);
    if (keys.length === 0) {
      out.push(lead, '{}\n');
      return;
    }
    let first = lead;
    for (const k of keys) {
      const child = obj[k] as YamlValue;
      out.push(first, scalar(k), ':');
      if (typeof child === 'object' && child !== null && !isEmptyContainer(child)) {
        out.push('\n');
        emitValue(child, indent + 2, out, false);
      } else {
        out.push(' ', inline(child), '\n');
      }
      first = pad(indent);
    }
    return;
  }
  out.push(lead, scalar(v), '\n');
}
