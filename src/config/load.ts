import { z } from './zod';
import { compareDiagnostics, InputError, type Diagnostic } from '../errors';
import {
  AppsFileSchema,
  EnvironmentAppSchema,
  EnvironmentRepoSchema,
  EnvironmentSchema,
  GiteaSchema,
  shown,
  StateSchema,
  VaultSchema,
  type AppsFile,
} from './schema';
import { parsePlainYaml } from './plain-yaml';
import { collectionKeyMessage, documentData, formatPath, yamlLib, YamlSource, type Path, type Problem } from './source';
import { editDistance } from '../util/edit-distance';
import { GENERATE_OPTIONS } from '../model/random-password';

export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** apps.yaml read as YAML: the data, its positions, and what the schema says of its shape. */
export interface ReadConfig {
  readonly raw: unknown;
  readonly source: YamlSource;
  /** The shape problems (zod's issues); none when the data is an AppsFile. */
  readonly issues: readonly z.core.$ZodIssue[];
}

/** The error for a file over MAX_INPUT_BYTES. */
export function inputTooLarge(file: string): InputError {
  return new InputError([
    {
      file,
      line: 1,
      col: 1,
      severity: 'error',
      message: `the file is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it or check that it is the right file`,
    },
  ]);
}

/**
 * The text of apps.yaml bytes: UTF-8, a leading byte order mark dropped. Anything else (UTF-16,
 * Latin-1, a binary file) is an error at the first byte that is not UTF-8, instead of text with
 * U+FFFD in it.
 */
export function decodeAppsYaml(file: string, bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError([
      { file, line: 1, col: 1, severity: 'error', message: 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8' },
    ]);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad === undefined) return new TextDecoder('utf-8').decode(bytes);
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad)).replace(/^\ufeff/, '');
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = (before.match(/\n/g)?.length ?? 0) + 1;
  const lineEnd = bytes.indexOf(0x0a, bad);
  const shownLine = before.slice(lineStart) + new TextDecoder('utf-8').decode(bytes.subarray(bad, lineEnd < 0 ? bytes.length : lineEnd)).replace(/\r$/, '');
  const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
  return fail({
    file,
    line,
    col: before.length - lineStart + 1,
    severity: 'error',
    sourceLine: shownLine,
    message: `the file is not UTF-8: byte 0x${byte} here starts no UTF-8 character; save the file as UTF-8 (it may be Latin-1 or UTF-16, or not a text file)`,
  });
}

function fail(d: Diagnostic): never {
  throw new InputError([d]);
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629), or undefined. */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (no overlongs, surrogates or > U+10FFFF).
    const [n, lo, hi] =
      b >= 0xc2 && b <= 0xdf
        ? [2, 0x80, 0xbf]
        : b === 0xe0
          ? [3, 0xa0, 0xbf]
          : b === 0xed
            ? [3, 0x80, 0x9f]
            : b >= 0xe1 && b <= 0xef
              ? [3, 0x80, 0xbf]
              : b === 0xf0
                ? [4, 0x90, 0xbf]
                : b >= 0xf1 && b <= 0xf3
                  ? [4, 0x80, 0xbf]
                  : b === 0xf4
                    ? [4, 0x80, 0x8f]
                    : [0, 0, 0];
    if (n === 0) return i;
    const second = bytes[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k < n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < 0x80 || c > 0xbf) return i;
    }
    i += n;
  }
  return undefined;
}

/**
 * Parses apps.yaml text and checks its shape. Pure: the caller reads the file. Text that is not
 * one readable YAML document throws one InputError, each problem at its line and column; shape
 * problems are returned (`issues`, positioned by shapeProblems), so that the caller can run the
 * rules on what can be salvaged and report everything at once. Files that are fine as YAML are
 * read by the fast path (js-yaml, plain-yaml.ts); `yaml` parses the rest, and positions every problem.
 */
export function readAppsYaml(file: string, text: string): ReadConfig {
  if (text.length > MAX_INPUT_BYTES) throw inputTooLarge(file);
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const source = new YamlSource(file, text.slice(0, nul));
    throw new InputError([source.diagnostic(nul, 'the file holds a NUL byte, so it is not a YAML text file; check that it is the right file')]);
  }
  const cr = /\r(?!\n)/.exec(text);
  if (cr) {
    const source = new YamlSource(file, text.slice(0, cr.index));
    throw new InputError([source.diagnostic(cr.index, 'a carriage return (CR) ends a line here without a line feed; save the file with LF or CRLF line ends')]);
  }
  const source = new YamlSource(file, text);
  const raw = parsePlainYaml(text) ?? readWithYaml(source);
  const parsed = AppsFileSchema.safeParse(raw);
  // The validated input itself is what the resolver gets, not zod's copy: zod builds records as
  // plain objects and drops a `__proto__` entry, where the readers' mappings have no prototype. The
  // schema has no defaults or transforms (test/config-schema.test.ts), so the two are otherwise deep-equal.
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...ownProtoKeyIssues(AppsFileSchema, raw, [])];
  return { raw, source, issues };
}

/** The data of a ReadConfig without issues, as the schema's type. */
export function appsFileOf(read: ReadConfig): AppsFile {
  if (read.issues.length) throw new Error('internal: appsFileOf on a config with shape issues');
  return read.raw as AppsFile;
}

/** The shape problems of a ReadConfig, each with what it applies to, for `source.at`. */
export function shapeProblems(read: ReadConfig, tag: (issue: z.core.$ZodIssue) => Partial<Problem> = () => ({})): Problem[] {
  return read.issues.flatMap((i) => zodProblems(i, read.raw).map((p) => ({ ...p, ...tag(i) })));
}

/**
 * The issues of every `__proto__` entry of a record, which zod's z.record skips without a word:
 * its key and value are checked like any other entry's, with the same schemas.
 */
function ownProtoKeyIssues(schema: z.core.$ZodType, value: unknown, path: PropertyKey[]): z.core.$ZodIssue[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  if (typeof value !== 'object' || value === null) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return ownProtoKeyIssues(def.innerType as z.core.$ZodType, value, path);
    case 'union':
      return (def.options as z.core.$ZodType[]).flatMap((option) => (option._zod.def.type === 'object' ? ownProtoKeyIssues(option, value, path) : []));
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => ownProtoKeyIssues(def.element as z.core.$ZodType, item, [...path, i])) : [];
    case 'object':
      return Object.entries(def.shape as Record<string, z.core.$ZodType>).flatMap(([k, s]) =>
        Object.hasOwn(value, k) ? ownProtoKeyIssues(s, (value as Record<string, unknown>)[k], [...path, k]) : [],
      );
    case 'record': {
      const keyType = def.keyType as z.core.$ZodType;
      const valueType = def.valueType as z.core.$ZodType;
      const own: z.core.$ZodIssue[] = [];
      if (Object.hasOwn(value, '__proto__')) {
        const at = [...path, '__proto__'];
        const key = z.safeParse(keyType, '__proto__');
        if (!key.success)
          own.push({
            code: 'invalid_key',
            origin: 'record',
            issues: key.error.issues,
            input: '__proto__',
            path: at,
            message: key.error.issues[0]?.message ?? '',
          });
        const entry = z.safeParse(valueType, (value as Record<string, unknown>).__proto__);
        if (!entry.success) own.push(...entry.error.issues.map((i) => ({ ...i, path: [...at, ...i.path] })));
      }
      return [...own, ...Object.entries(value).flatMap(([k, v]) => ownProtoKeyIssues(valueType, v, [...path, k]))];
    }
    default:
      return [];
  }
}

/**
 * The data of a file the fast path left alone, through `yaml`: every syntax error and warning,
 * nesting too deep, a second document, keys that are not strings, aliases, each positioned.
 */
function readWithYaml(source: YamlSource): unknown {
  const diagnostics = source.structureProblems();
  if (diagnostics.length) throw new InputError(diagnostics);
  for (const e of [...source.doc.errors, ...source.doc.warnings]) {
    diagnostics.push(source.diagnostic(e.pos[0], yamlErrorMessage(e.code, e.message, source.text[e.pos[0]])));
  }
  if (diagnostics.length) throw new InputError(dedupeDiagnostics(diagnostics));

  if (source.doc.contents === null) {
    throw new InputError([source.diagnostic(0, 'the file is empty; start with "version: 1", then repos and apps (see the README)')]);
  }
  if (!yamlLib().isMap(source.doc.contents)) {
    throw new InputError([
      source.diagnostic(source.doc.contents.range?.[0] ?? 0, 'apps.yaml must be a mapping with version, repos and apps, e.g. "version: 1"'),
    ]);
  }

  return documentData(source);
}

function yamlErrorMessage(code: string, message: string, at: string | undefined): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
  switch (code) {
    // `yaml` cannot read a bracketed key after the first key of a block mapping.
    case 'IMPOSSIBLE':
      if (at === '[' || at === '{') return collectionKeyMessage(at);
      break;
    case 'DUPLICATE_KEY':
      return `${first}: a key appears twice in the same mapping; remove or merge one of them`;
    case 'TAB_AS_INDENT':
      return `${first}: YAML indents with spaces only; replace the tab with spaces`;
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return `YAML syntax error: ${first}; check the indentation and punctuation on this line`;
    case 'TAG_RESOLVE_FAILED':
    case 'BAD_COLLECTION_TYPE':
    case 'MULTIPLE_TAGS':
      return `${first}; apps.yaml uses plain YAML values only, remove the tag`;
    case 'BAD_ALIAS':
    case 'ALIAS_PROPS':
    case 'MULTIPLE_ANCHORS':
    case 'BAD_PROP_ORDER':
      return `YAML error: ${first}; apps.yaml needs no anchors or aliases: write the value out, or quote it if "&", "*" or "!" is part of the text`;
    case 'BAD_DQ_ESCAPE':
      return `YAML error: ${first}; in double quotes write \\n, \\t, \\", \\\\ or \\uXXXX, or use single quotes`;
    case 'BAD_SCALAR_START':
      return `YAML error: ${first}; quote the value, e.g. "${at ?? ''}..."`;
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'KEY_OVER_1024_CHARS':
      return `YAML error: ${first}; a key is a name on one line followed by ": ", so check for a missing ":" or a line break inside a value`;
    case 'BLOCK_IN_FLOW':
      return `YAML error: ${first}; inside [ ] and { } write plain values, or use block style with "- " and "key: " lines`;
    case 'BAD_DIRECTIVE':
      return `YAML error: ${first}; remove the "%" line, apps.yaml needs no directives`;
  }
  return `YAML error: ${first}; check the syntax on this line`;
}

function zodProblems(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], at: 'key' as const, message: unknownKeyMessage(key, allowedKeysAt(path)) }));
    case 'invalid_key':
      return issue.issues.map((inner) => ({ path, at: 'key' as const, message: inner.message }));
    case 'invalid_union': {
      // `database: { ... }` with a mistake inside: report the mapping branch's own problems.
      const value = valueAt(raw, path);
      const branch = isPlainObject(value) ? issue.errors.find((errs) => errs.some((e) => e.path.length > 0 || e.code !== 'invalid_type')) : undefined;
      if (branch) return branch.flatMap((inner) => zodProblems({ ...inner, path: [...path, ...inner.path] }, raw));
      return [{ path, message: issue.message }];
    }
    default:
      if (path.length > 0 && valueAt(raw, path) === undefined) {
        const parent = path.slice(0, -1);
        return [{ path: parent, at: 'key', message: `missing required key "${String(path[path.length - 1])}"; ${requiredHint(path)}` }];
      }
      return [{ path, message: issue.message }];
  }
}

function requiredHint(path: Path): string {
  const key = String(path[path.length - 1]);
  const hints: Record<string, string> = {
    version: 'add "version: 1" at the top',
    repos: 'declare the target repos, e.g. repos: { tools: { url: ..., branch: main } }',
    apps: 'add apps: with one entry per application, e.g. apps: { webapp: {} }',
    url: 'add url: <git url>',
    serviceAccount: 'add serviceAccount: <name>',
    namespace: 'add namespace: <name>',
    reads: 'add reads: [<app>/<path>/*]',
  };
  return (Object.hasOwn(hints, key) ? hints[key] : undefined) ?? `add ${key}: to ${formatPath(path.slice(0, -1)).replace(/: $/, '') || 'the top level'}`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function valueAt(raw: unknown, path: Path): unknown {
  let node = raw;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg as string];
  }
  return node;
}

/** The keys allowed at a path of the schema, for "did you mean" hints. */
const ALLOWED_KEYS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^$/, ['version', 'vault', 'repos', 'central', 'postgres', 'state', 'gitea', 'apps', 'consumers', 'environments', 'promote']],
  [/^vault$/, ['connection', 'address', 'mounts', 'audience', 'tokenTtl', 'refreshAfter', 'appRolesModule']],
  [/^vault\.mounts$/, ['kubernetes', 'jwt', 'kv', 'database']],
  [/^repos\.[^.]+$/, ['url', 'branch', 'gitea']],
  [/^central$/, ['vault', 'postgres']],
  [/^central\.(vault|postgres)$/, ['repo', 'dir']],
  [/^postgres$/, ['host', 'port']],
  [/^state$/, ['bucket', 'prefix']],
  [/^gitea$/, ['url', 'labels']],
  [/^apps\.[^.]+$/, ['repo', 'manifests', 'iac', 'namespace', 'namespaces', 'serviceAccounts', 'opsPolicies', 'database', 'secrets', 'writes', 'environments']],
  [/^apps\.[^.]+\.database$/, ['name', 'restart', 'urlEnv', 'urlContainer']],
  [/^apps\.[^.]+\.secrets\.[^.]+$/, ['serviceAccount', 'namespace', 'keys', 'generate', 'length']],
  [/^apps\.[^.]+\.secrets\.[^.]+\.generate\.\d+\..+$/, GENERATE_OPTIONS],
  [/^consumers\.[^.]+$/, ['serviceAccount', 'namespace', 'reads']],
  // an environment's keys, read from its schemas
  [/^environments\.[^.]+$/, Object.keys(EnvironmentSchema.shape)],
  [/^environments\.[^.]+\.vault$/, Object.keys(VaultSchema.shape)],
  [/^environments\.[^.]+\.vault\.mounts$/, ['kubernetes', 'jwt', 'kv', 'database']],
  [/^environments\.[^.]+\.state$/, Object.keys(StateSchema.shape)],
  [/^environments\.[^.]+\.gitea$/, Object.keys(GiteaSchema.shape)],
  [/^environments\.[^.]+\.repos\.[^.]+$/, Object.keys(EnvironmentRepoSchema.shape)],
  [/^environments\.[^.]+\.apps\.[^.]+$/, Object.keys(EnvironmentAppSchema.shape)],
  [/^environments\.[^.]+\.apps\.[^.]+\.database$/, ['restart']],
  [/^environments\.[^.]+\.apps\.[^.]+\.secrets\.[^.]+$/, ['keys']],
];

function allowedKeysAt(path: Path): readonly string[] {
  const dotted = path.map(String).join('.');
  return ALLOWED_KEYS.find(([re]) => re.test(dotted))?.[1] ?? [];
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const best = allowed.map((k) => ({ k, d: editDistance(k.toLowerCase(), key.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
  const suggestion = best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean "${best.k}"?` : '';
  return `unknown key ${shown(key)}.${suggestion} Allowed here: ${allowed.join(', ') || '(none)'}`;
}

/** Diagnostics sorted, each (line, col, message) once. */
export function dedupeDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.line}:${d.col}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(compareDiagnostics);
}
