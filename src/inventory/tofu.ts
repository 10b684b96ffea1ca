import { posix } from 'node:path';
import { startsWithMarker } from '../ownership';
import { evaluate, forEachKeys, hclErrorPosition, type EvalScope, type HclParser } from './hcl';
import { lineColAt } from './text';
import { withTypeDefaults } from './type-defaults';
import type {
  Location,
  TofuBackend,
  TofuBlock,
  TofuModule,
  TofuModuleCall,
  TofuProvider,
  TofuRefactor,
  TofuResource,
  Unreadable,
  VariableSetting,
} from './types';

/**
 * OpenTofu per module directory (every directory with .tf files). Values come from the real
 * parser; positions come from a search for each block header the parser reported, accepted only
 * when the search finds exactly as many headers as the parser found blocks in that file
 * (`exact`), else the block is placed at line 1. Variable values follow tofu's load order:
 * the variable's default, terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars and
 * *.auto.tfvars.json in lexical order; a later file replaces the whole value.
 */

type Body = Record<string, unknown>;
const isBody = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const bodies = (v: unknown): Body[] => (Array.isArray(v) ? v.filter(isBody) : isBody(v) ? [v] : []);

/** tofu's load order of the variable files of one directory. */
export function tfvarsOrder(names: Iterable<string>): string[] {
  const all = [...names];
  const auto = all.filter((n) => n.endsWith('.auto.tfvars') || n.endsWith('.auto.tfvars.json')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...['terraform.tfvars', 'terraform.tfvars.json'].filter((n) => all.includes(n)), ...auto];
}

const isTfvars = (name: string): boolean => tfvarsOrder([name]).length === 1;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Offsets of `keyword "l1" "l2" {` at the start of a line (labels quoted or bare). */
function headerOffsets(text: string, keyword: string, labels: readonly string[]): number[] {
  const label = (l: string) => `[ \\t]+(?:"${escapeRe(l)}"|${escapeRe(l)})`;
  const re = new RegExp(`^[ \\t]*${escapeRe(keyword)}${labels.map(label).join('')}[ \\t]*\\{`, 'gm');
  return [...text.matchAll(re)].map((m) => m.index + (m[0].length - m[0].trimStart().length));
}

/** Offset of a top-level `name =` in a tfvars file: the one least indented, when it is the only one there. */
function attributeOffset(text: string, name: string, json: boolean): number | undefined {
  const re = json
    ? new RegExp(`^([ \\t]*)"${escapeRe(name)}"[ \\t]*:`, 'gm')
    : new RegExp(`^([ \\t]*)(?:"${escapeRe(name)}"|${escapeRe(name)})[ \\t]*=(?!=)`, 'gm');
  const hits = [...text.matchAll(re)].map((m) => ({ offset: m.index + m[1]!.length, indent: m[1]!.length }));
  if (!hits.length) return undefined;
  const min = Math.min(...hits.map((h) => h.indent));
  const top = hits.filter((h) => h.indent === min);
  return top.length === 1 ? top[0]!.offset : undefined;
}

const stripRef = (v: unknown): string | undefined => (typeof v === 'string' ? v.replace(/^\$\{([\s\S]*)\}$/, '$1') : undefined);

interface ParsedFile {
  readonly path: string;
  readonly text: string;
  readonly doc: Body;
  readonly generated: boolean;
}

export interface RepoTofu {
  readonly modules: TofuModule[];
  readonly unreadable: Unreadable[];
}

export async function inventoryRepoTofu(repo: string, files: ReadonlyMap<string, string>, parser: HclParser): Promise<RepoTofu> {
  const byDir = new Map<string, string[]>();
  for (const path of files.keys()) {
    const base = posix.basename(path);
    if (!base.endsWith('.tf') && !base.endsWith('.tf.json') && !isTfvars(base)) continue;
    const dir = posix.dirname(path);
    const list = byDir.get(dir) ?? [];
    list.push(path);
    byDir.set(dir, list);
  }
  const out: RepoTofu = { modules: [], unreadable: [] };
  const dirs = [...byDir.keys()].sort().filter((d) => byDir.get(d)!.some((p) => p.endsWith('.tf')));
  // one batch of parser calls for the repo: .tf and HCL tfvars files of every module
  const toParse = dirs.flatMap((d) => byDir.get(d)!.filter((p) => p.endsWith('.tf') || p.endsWith('.tfvars')));
  const results = await parser.parseAll(toParse.map((p) => ({ file: posix.basename(p), content: files.get(p)! })));
  const parsedFiles = new Map(toParse.map((p, i) => [p, results[i]!]));
  const localSources = new Set<string>();
  for (const dir of dirs) {
    const paths = byDir.get(dir)!.sort();
    const m = inventoryModuleFiles(repo, dir, paths, files, parsedFiles, out.unreadable);
    for (const call of m.modules)
      if (call.source?.startsWith('./') || call.source?.startsWith('../')) localSources.add(posix.normalize(posix.join(dir, call.source)));
    out.modules.push(await withForEachKeys(m, parser));
  }
  for (let i = 0; i < out.modules.length; i++) {
    const m = out.modules[i]!;
    if (!m.child && (localSources.has(m.dir) || m.dir.split('/').includes('modules'))) out.modules[i] = { ...m, child: true };
  }
  return out;
}

type Parsed = ReadonlyMap<string, Record<string, unknown> | Error>;

function inventoryModuleFiles(
  repo: string,
  dir: string,
  paths: readonly string[],
  files: ReadonlyMap<string, string>,
  parsedFiles: Parsed,
  unreadable: Unreadable[],
): TofuModule {
  const parsed: ParsedFile[] = [];
  for (const path of paths.filter((p) => p.endsWith('.tf'))) {
    const text = files.get(path)!;
    const doc = parsedFiles.get(path)!;
    if (doc instanceof Error) {
      const p = hclErrorPosition(doc.message);
      unreadable.push({ at: { repo, path, line: p.line, col: p.col }, reason: `not valid HCL: ${p.summary}` });
    } else parsed.push({ path, text, doc, generated: startsWithMarker(path, text) });
  }
  for (const path of paths.filter((p) => p.endsWith('.tf.json')))
    unreadable.push({ at: { repo, path, line: 1, col: 1 }, reason: 'JSON-syntax configuration is not read' });

  const backends: TofuBackend[] = [];
  const requiredProviders: TofuBlock[] = [];
  const providers: TofuProvider[] = [];
  const calls: TofuModuleCall[] = [];
  const resources: TofuResource[] = [];
  const refactors: TofuRefactor[] = [];
  const variables = new Map<string, { at: Location; default?: unknown; type?: string }>();

  for (const f of parsed) {
    /** Positions for the n bodies of one header, in source order. */
    const place = (keyword: string, labels: readonly string[], n: number): { at: Location; exact: boolean }[] => {
      const hits = headerOffsets(f.text, keyword, labels);
      return Array.from({ length: n }, (_, i) =>
        hits.length === n
          ? { at: { repo, path: f.path, ...lineColAt(f.text, hits[i]!) }, exact: true }
          : { at: { repo, path: f.path, line: 1, col: 1 }, exact: false },
      );
    };
    const base = { generated: f.generated };
    const backendCounts = new Map<string, number>();
    const required = bodies(f.doc.terraform).reduce((n, t) => n + bodies(t.required_providers).length, 0);
    for (const spot of place('required_providers', [], required)) requiredProviders.push({ ...base, ...spot });
    for (const t of bodies(f.doc.terraform)) {
      if (isBody(t.backend))
        for (const type of Object.keys(t.backend)) backendCounts.set(type, (backendCounts.get(type) ?? 0) + bodies(t.backend[type]).length);
      if (t.cloud !== undefined) backendCounts.set('cloud', (backendCounts.get('cloud') ?? 0) + bodies(t.cloud).length);
    }
    for (const [type, n] of backendCounts) {
      for (const spot of type === 'cloud' ? place('cloud', [], n) : place('backend', [type], n)) backends.push({ ...base, type, ...spot });
    }
    if (isBody(f.doc.provider)) {
      for (const name of Object.keys(f.doc.provider)) {
        const bs = bodies(f.doc.provider[name]);
        const spots = place('provider', [name], bs.length);
        bs.forEach((b, i) => providers.push({ ...base, name, alias: typeof b.alias === 'string' ? b.alias : undefined, ...spots[i]! }));
      }
    }
    if (isBody(f.doc.module)) {
      for (const label of Object.keys(f.doc.module)) {
        const bs = bodies(f.doc.module[label]);
        const spots = place('module', [label], bs.length);
        bs.forEach((b, i) => {
          const { source, for_each, ...args } = b;
          calls.push({
            ...base,
            label,
            source: typeof source === 'string' ? source : undefined,
            forEach: for_each !== undefined,
            args: { ...args, ...(for_each !== undefined ? { for_each } : {}) },
            ...spots[i]!,
          });
        });
      }
    }
    for (const mode of ['resource', 'data'] as const) {
      const section = f.doc[mode];
      if (!isBody(section)) continue;
      for (const type of Object.keys(section)) {
        const byName = section[type];
        if (!isBody(byName)) continue;
        for (const name of Object.keys(byName)) {
          const bs = bodies(byName[name]);
          const spots = place(mode, [type, name], bs.length);
          bs.forEach((b, i) => {
            const address = `${mode === 'data' ? 'data.' : ''}${type}.${name}`;
            resources.push({
              ...base,
              address,
              mode: mode === 'data' ? 'data' : 'managed',
              type,
              name,
              forEach: b.for_each !== undefined,
              count: b.count !== undefined,
              body: b,
              ...spots[i]!,
            });
          });
        }
      }
    }
    for (const kind of ['moved', 'import', 'removed'] as const) {
      const bs = bodies(f.doc[kind]);
      const spots = place(kind, [], bs.length);
      bs.forEach((b, i) =>
        refactors.push({ ...base, kind, from: stripRef(b.from), to: stripRef(b.to), id: typeof b.id === 'string' ? b.id : undefined, ...spots[i]! }),
      );
    }
    if (isBody(f.doc.variable)) {
      for (const name of Object.keys(f.doc.variable)) {
        const [b] = bodies(f.doc.variable[name]);
        const [spot] = place('variable', [name], 1);
        variables.set(name, {
          at: spot!.at,
          ...(b && Object.hasOwn(b, 'default') ? { default: b.default } : {}),
          ...(typeof b?.type === 'string' ? { type: b.type } : {}),
        });
      }
    }
  }

  // variable values in load order
  const settings = new Map<string, VariableSetting[]>();
  for (const name of tfvarsOrder(paths.map((p) => posix.basename(p)))) {
    const path = dir === '.' ? name : `${dir}/${name}`;
    const text = files.get(path)!;
    const json = name.endsWith('.json');
    let values: Body;
    try {
      const v: unknown = json ? JSON.parse(text) : parsedFiles.get(path);
      if (v instanceof Error) throw v;
      if (!isBody(v)) throw new Error('not an object of variable values');
      values = v;
    } catch (e) {
      const p = json ? { line: 1, col: 1, summary: (e as Error).message } : hclErrorPosition((e as Error).message);
      unreadable.push({ at: { repo, path, line: p.line, col: p.col }, reason: `variable values not readable: ${p.summary}` });
      continue;
    }
    for (const [varName, value] of Object.entries(values)) {
      const offset = attributeOffset(text, varName, json);
      const list = settings.get(varName) ?? [];
      list.push({
        name: varName,
        value,
        generated: startsWithMarker(path, text),
        exact: offset !== undefined,
        at: { repo, path, ...(offset !== undefined ? lineColAt(text, offset) : { line: 1, col: 1 }) },
      });
      settings.set(varName, list);
    }
  }

  const bySource = <T extends TofuBlock>(list: T[]) =>
    list.sort((a, b) => (a.at.path < b.at.path ? -1 : a.at.path > b.at.path ? 1 : a.at.line - b.at.line || a.at.col - b.at.col));
  [backends, requiredProviders, providers, calls, resources, refactors].forEach((l) => bySource(l));
  return {
    repo,
    dir,
    child: false,
    files: paths,
    backends,
    requiredProviders,
    providers,
    modules: calls,
    resources,
    refactors,
    variables,
    settings,
  };
}

/** for_each keys where they are known: literal maps and sets, variables with a known value. */
async function withForEachKeys(m: TofuModule, parser: HclParser): Promise<TofuModule> {
  const scope = moduleScope(m);
  const resources: TofuResource[] = [];
  for (const r of m.resources) resources.push(r.forEach ? { ...r, keys: forEachKeys(await evaluate(parser, r.body.for_each, scope)) } : r);
  const modules: TofuModuleCall[] = [];
  for (const c of m.modules) modules.push(c.forEach ? { ...c, keys: forEachKeys(await evaluate(parser, c.args.for_each, scope)) } : c);
  return { ...m, resources, modules };
}

/** What expressions of a module can refer to: its variables' values and its resources' bodies (the first of a duplicate address). */
export function moduleScope(m: Pick<TofuModule, 'variables' | 'settings' | 'resources'>): EvalScope {
  return { vars: effectiveValues(m.variables, m.settings), resources: moduleResources(m) };
}

/** A module's resources' bodies by `type.name` (the first of a duplicate address): moduleScope without the variables. */
export function moduleResources(m: Pick<TofuModule, 'resources'>): ReadonlyMap<string, Readonly<Record<string, unknown>>> {
  const resources = new Map<string, Readonly<Record<string, unknown>>>();
  for (const r of m.resources) if (r.mode === 'managed' && !resources.has(`${r.type}.${r.name}`)) resources.set(`${r.type}.${r.name}`, r.body);
  return resources;
}

/** Each variable's value as tofu would take it from files: the last setting, else the default, converted to its type's optional() defaults. */
export function effectiveValues(variables: TofuModule['variables'], settings: TofuModule['settings']): Map<string, unknown> {
  const vars = new Map<string, unknown>();
  for (const [name, v] of variables) if (Object.hasOwn(v, 'default')) vars.set(name, v.default);
  for (const [name, list] of settings) vars.set(name, list[list.length - 1]!.value);
  for (const [name, value] of vars) vars.set(name, withTypeDefaults(value, variables.get(name)?.type));
  return vars;
}
