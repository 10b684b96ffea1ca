import type * as z from 'zod';
import { compareDiagnostics, InputError, type Diagnostic } from '../errors';
import { AppsFileSchema, shown, type AppsFile } from './schema';
import { parsePlainYaml } from './plain-yaml';
import { crossFieldProblems } from './rules';
import { formatPath, yamlLib, YamlSource, type Path, type Problem } from './source';
import { editDistance } from '../util/edit-distance';
import { GENERATE_OPTIONS } from '../model/generated';

export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export interface LoadedConfig {
  readonly config: AppsFile;
  readonly source: YamlSource;
}

/**
 * Parses and validates apps.yaml text. Pure: the caller reads the file. Throws one InputError that
 * holds every problem, each at its line and column. Files in the plain subset of YAML that people
 * write are read by the fast reader; `yaml` parses the rest, and positions every problem.
 */
export function loadAppsYaml(file: string, text: string): LoadedConfig {
  if (text.length > MAX_INPUT_BYTES) {
    throw new InputError([{ file, line: 1, col: 1, severity: 'error', message: `the file is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; split it or check that it is the right file` }]);
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const source = new YamlSource(file, text.slice(0, nul));
    throw new InputError([source.diagnostic(nul, 'the file holds a NUL byte, so it is not a YAML text file; check that it is the right file')]);
  }
  const source = new YamlSource(file, text);
  const raw = parsePlainYaml(text) ?? readWithYaml(source);
  const parsed = AppsFileSchema.safeParse(raw);
  const problems: Problem[] = [...(parsed.success ? [] : parsed.error.issues.flatMap((i) => zodProblems(i, raw))), ...crossFieldProblems(raw)];
  if (problems.length) throw new InputError(dedupe(problems.map((p) => source.at(p))));
  return { config: parsed.data as AppsFile, source };
}

/**
 * The data of a file outside the fast reader's plain subset, through `yaml`: every syntax error
 * and warning, positioned.
 */
function readWithYaml(source: YamlSource): unknown {
  const diagnostics: Diagnostic[] = [];
  for (const e of [...source.doc.errors, ...source.doc.warnings]) {
    diagnostics.push(source.diagnostic(e.pos[0], yamlErrorMessage(e.code, e.message)));
  }
  if (diagnostics.length) throw new InputError(dedupe(diagnostics));

  if (source.doc.contents === null) {
    throw new InputError([source.diagnostic(0, 'the file is empty; start with "version: 1", then repos and apps (see the README)')]);
  }
  if (!yamlLib().isMap(source.doc.contents)) {
    throw new InputError([source.diagnostic(source.doc.contents.range?.[0] ?? 0, 'apps.yaml must be a mapping with version, repos and apps, e.g. "version: 1"')]);
  }

  try {
    return source.doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new InputError([source.diagnostic(0, `the YAML cannot be read as data (${(e as Error).message}); remove excessive or circular aliases`)]);
  }
}

function yamlErrorMessage(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
  switch (code) {
    case 'DUPLICATE_KEY': return `${first}: a key appears twice in the same mapping; remove or merge one of them`;
    case 'TAB_AS_INDENT': return `${first}: YAML indents with spaces only; replace the tab with spaces`;
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN': return `YAML syntax error: ${first}; check the indentation and punctuation on this line`;
    case 'TAG_RESOLVE_FAILED': return `${first}; apps.yaml uses plain YAML values only, remove the tag`;
    default: return `YAML error: ${first}`;
  }
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
      if (branch) return branch.flatMap((inner) => zodProblems({ ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue, raw));
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
  return hints[key] ?? `add ${key}: to ${formatPath(path.slice(0, -1)).replace(/: $/, '') || 'the top level'}`;
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
  [/^$/, ['version', 'vault', 'repos', 'central', 'postgres', 'state', 'gitea', 'apps', 'consumers']],
  [/^vault$/, ['connection', 'address', 'mounts', 'audience', 'tokenTtl', 'refreshAfter', 'appRolesModule']],
  [/^vault\.mounts$/, ['kubernetes', 'jwt', 'kv', 'database']],
  [/^repos\.[^.]+$/, ['url', 'branch', 'gitea']],
  [/^central$/, ['vault', 'postgres']],
  [/^central\.(vault|postgres)$/, ['repo', 'dir']],
  [/^postgres$/, ['host', 'port']],
  [/^state$/, ['bucket']],
  [/^gitea$/, ['url', 'labels']],
  [/^apps\.[^.]+$/, ['repo', 'manifests', 'iac', 'namespace', 'namespaces', 'serviceAccounts', 'opsPolicies', 'database', 'secrets', 'writes']],
  [/^apps\.[^.]+\.database$/, ['name', 'restart', 'urlEnv', 'urlContainer']],
  [/^apps\.[^.]+\.secrets\.[^.]+$/, ['serviceAccount', 'namespace', 'keys', 'generate', 'length']],
  [/^apps\.[^.]+\.secrets\.[^.]+\.generate\.\d+\..+$/, GENERATE_OPTIONS],
  [/^consumers\.[^.]+$/, ['serviceAccount', 'namespace', 'reads']],
];

function allowedKeysAt(path: Path): readonly string[] {
  const dotted = path.map(String).join('.');
  return ALLOWED_KEYS.find(([re]) => re.test(dotted))?.[1] ?? [];
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const best = allowed
    .map((k) => ({ k, d: editDistance(k.toLowerCase(), key.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  const suggestion = best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean "${best.k}"?` : '';
  return `unknown key ${shown(key)}.${suggestion} Allowed here: ${allowed.join(', ') || '(none)'}`;
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort(compareDiagnostics);
}
