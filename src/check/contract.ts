import type { PathSegment } from '../config/source';
import type { AppModel, Model } from '../model/model';
import { DOCS_REPO, hasMarker, type FileTree } from '../render/files';
import { finding, type Finding } from './finding';
import { parseHclType, typeMismatches, typeText, type HclType, type TypeMismatch } from './hcl-types';
import { editDistance } from '../util/edit-distance';
import { inlineParser, parseHcl, type HclParse, type HclParser } from '../validate/hcl-parse';
import type { ParsedTree } from '../validate/parsed-tree';

/**
 * The contract with the target repos (`--repos-dir`): their hand-written variables.tf must declare
 * every attribute joinkey emits, with a compatible type, and every required variable must be set;
 * no hand-written file may sit where joinkey writes. Pure apart from the injected reader; async
 * because the real HCL parser (hcl2json, a WASM build of HashiCorp's hcl) is.
 */

/** Reads a file of a target repo checkout; undefined when it does not exist. */
export type RepoReader = (repo: string, path: string) => string | undefined;

/** Where the app_roles module lives when vault.appRolesModule does not point into a declared repo. */
export const APP_ROLES_MODULE = { repo: 'tools', dir: 'hashicorp-vault/iac/modules/app_roles' } as const;

/** The apps.yaml key behind each attribute joinkey emits for an app. */
const ATTRIBUTE_KEYS: Readonly<Record<string, string>> = {
  service_account_names: 'serviceAccounts',
  service_account_namespaces: 'namespaces',
  policies: 'opsPolicies',
  ops_policies: 'opsPolicies',
  database: 'database',
  disable_database: 'database',
  role: 'database',
};

const MODULE_META = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);

interface Variable { readonly type: HclType; readonly required: boolean }

/** How check/index.ts shares its parsing: the rendered files parsed already, and its HCL parser for the target repos' files. */
export interface ContractParsing {
  readonly parsed?: ParsedTree;
  readonly parser?: HclParser;
}

export async function checkContract(model: Model, tree: FileTree, read: RepoReader, parsing: ContractParsing = {}): Promise<Finding[]> {
  const out: Finding[] = [];
  const origins = fileOrigins(model);
  const parser = parsing.parser ?? inlineParser;
  /** A file of the target repos, or a rendered one (`repo` given: taken from `parsing.parsed` when there). */
  const parseOrFinding = async (where: string, text: string, origin: PathSegment[], sink: Finding[], rendered?: { repo: string; path: string }): Promise<Record<string, unknown> | undefined> => {
    const known = rendered && parsing.parsed?.hcl(rendered.repo, rendered.path);
    const result: HclParse = known ? await known : await parseHcl({ name: where.replace(/[^A-Za-z0-9_.-]/g, '_'), content: text }, parser);
    if (result.body) return result.body;
    sink.push(finding('contract-unreadable', origin, `${where} does not parse as HCL (${result.error.split('\n')[0]}); fix the file in the target repo`, { at: 'key' }));
    return undefined;
  };

  // hand-written files where joinkey writes
  for (const [repo, files] of tree) {
    if (repo === DOCS_REPO) continue;
    for (const path of files.keys()) {
      const existing = read(repo, path);
      if (existing !== undefined && !hasMarker(existing)) {
        out.push(finding('contract-hand-written', origins.get(`${repo}:${path}`) ?? [], `${repo}:${path} exists in the target repo without joinkey's marker, so it is hand-written and synth would overwrite it; move what it holds into apps.yaml and delete it from the repo, or point joinkey at another dir`, { at: 'key' }));
      }
    }
  }

  // central maps: tools' applications (app_policy for_each) and factory's databases
  const centrals = [
    { repo: model.central.vault.repo, dir: model.central.vault.dir, file: model.central.vault.applicationsFile, origin: ['central', 'vault'] },
    { repo: model.central.postgres.repo, dir: model.central.postgres.dir, file: model.central.postgres.databasesFile, origin: ['central', 'postgres'] },
  ];
  for (const c of centrals) {
    const rendered = tree.get(c.repo)?.get(c.file);
    if (rendered === undefined) continue;
    const varsPath = `${c.dir}/variables.tf`;
    const vars = await readVariables(read, c.repo, varsPath, c.origin, out, parseOrFinding);
    if (!vars) continue;
    const values = await parseOrFinding(`${c.repo}:${c.file}`, rendered, c.origin, out, { repo: c.repo, path: c.file });
    if (!values) continue;
    for (const [name, value] of Object.entries(values)) {
      const v = vars.get(name);
      const where = `${c.repo}:${c.file}`;
      if (!v) {
        out.push(finding('contract-undeclared', c.origin, `${where} sets variable "${name}", which ${c.repo}:${varsPath} does not declare; add variable "${name}" there (its for_each reads it) or fix central.${c.origin[1]}.dir`, { at: 'key' }));
        continue;
      }
      for (const m of typeMismatches(v.type, value)) out.push(mismatchFinding(model, m, { kind: 'variable', name, where, declaredIn: `${c.repo}:${varsPath}` }));
    }
  }

  // the app_roles module every app's IaC calls
  const mod = appRolesModuleLocation(model);
  const appsWithIac = model.apps.filter((a) => a.target && tree.get(a.target.repo)?.has(a.target.files.appRoles));
  if (appsWithIac.length) {
    const varsPath = `${mod.dir}/variables.tf`;
    const vars = await readVariables(read, mod.repo, varsPath, ['vault', 'appRolesModule'], out, parseOrFinding);
    if (vars) {
      for (const app of appsWithIac) {
        const file = app.target!.files.appRoles;
        const where = `${app.target!.repo}:${file}`;
        const parsed = await parseOrFinding(where, tree.get(app.target!.repo)!.get(file)!, [...app.origin], out, { repo: app.target!.repo, path: file });
        const blocks = (parsed?.module ?? {}) as Record<string, Record<string, unknown>[]>;
        for (const [label, list] of Object.entries(blocks)) {
          for (const block of list) {
            for (const [arg, value] of Object.entries(block)) {
              if (MODULE_META.has(arg)) continue;
              const v = vars.get(arg);
              if (!v) {
                out.push(finding('contract-undeclared', appPath(app, arg), `module "${label}" in ${where} passes "${arg}", which the app_roles module (${mod.repo}:${varsPath}) does not declare, so tofu plan fails with "Unsupported argument"${suggest(arg, [...vars.keys()])}; declare variable "${arg}" in the module or pin vault.appRolesModule to a ref that has it`, { at: 'key' }));
                continue;
              }
              for (const m of typeMismatches(v.type, value)) out.push(mismatchFinding(model, m, { kind: 'argument', name: arg, where, declaredIn: `${mod.repo}:${varsPath}`, app }));
            }
            for (const [name, v] of vars) {
              if (v.required && !(name in block)) {
                out.push(finding('contract-required', [...app.origin], `module "${label}" in ${where} does not set "${name}", which the app_roles module (${mod.repo}:${varsPath}) requires (no default); give it a default in the module, or tell joinkey's maintainers to emit it`, { at: 'key' }));
              }
            }
          }
        }
      }
    }
    // pitfall 15: the module's revocation statements must drop the ephemeral role
    const mainPath = `${mod.dir}/main.tf`;
    const main = read(mod.repo, mainPath);
    if (main !== undefined && model.apps.some((a) => a.database)) {
      const statements = collect(await parseOrFinding(`${mod.repo}:${mainPath}`, main, ['vault', 'appRolesModule'], out), 'revocation_statements');
      if (statements.length && !statements.some((s) => /\bDROP\s+(ROLE|USER)\b/i.test(s))) {
        out.push(finding('pg-revocation-drop-role', ['vault', 'appRolesModule'], `the app_roles module's revocation_statements (${mod.repo}:${mainPath}) never DROP ROLE, so every expired lease leaves its ephemeral Postgres role behind; append DROP ROLE IF EXISTS "{{name}}"; after REVOKE ALL ON DATABASE`, { severity: 'warning', at: 'key' }));
      }
    }
  }
  return out;
}

/** The repo and dir of the app_roles module, from vault.appRolesModule when it names a declared repo. */
export function appRolesModuleLocation(model: Model): { repo: string; dir: string } {
  const src = model.vault.appRolesModule.replace(/^git::/, '').replace(/\?.*$/, '');
  const scheme = src.indexOf('://');
  const split = src.indexOf('//', scheme >= 0 ? scheme + 3 : 0);
  if (split > 0) {
    const url = src.slice(0, split);
    const dir = src.slice(split + 2).replace(/\/+$/, '');
    const repo = model.repos.find((r) => r.url.replace(/^git::/, '') === url);
    if (repo && dir) return { repo: repo.id, dir };
  }
  return APP_ROLES_MODULE;
}

type ParseOrFinding = (where: string, text: string, origin: PathSegment[], out: Finding[]) => Promise<Record<string, unknown> | undefined>;

async function readVariables(read: RepoReader, repo: string, path: string, origin: PathSegment[], out: Finding[], parseOrFinding: ParseOrFinding): Promise<Map<string, Variable> | undefined> {
  const text = read(repo, path);
  if (text === undefined) {
    out.push(finding('contract-undeclared', origin, `${repo}:${path} does not exist in the target repo, so nothing declares the variables joinkey sets; check --repos-dir (it must hold ${repo}/) and the dir in apps.yaml`, { at: 'key' }));
    return undefined;
  }
  const json = await parseOrFinding(`${repo}:${path}`, text, origin, out);
  if (!json) return undefined;
  const vars = new Map<string, Variable>();
  for (const [name, blocks] of Object.entries((json.variable ?? {}) as Record<string, Record<string, unknown>[]>)) {
    const block = blocks[0] ?? {};
    let type: HclType = { t: 'any' };
    if (typeof block.type === 'string') {
      try {
        type = parseHclType(block.type);
      } catch (e) {
        out.push(finding('contract-unreadable', origin, `variable "${name}" in ${repo}:${path} has a type joinkey cannot read (${(e as Error).message}); simplify it or report it`, { at: 'key' }));
      }
    }
    vars.set(name, { type, required: !('default' in block) });
  }
  return vars;
}

function mismatchFinding(model: Model, m: TypeMismatch, ctx: { kind: 'variable' | 'argument'; name: string; where: string; declaredIn: string; app?: AppModel }): Finding {
  // for the central maps the first path element is the app name
  const app = ctx.app ?? model.apps.find((a) => a.name === m.path[0]);
  const attrPath = ctx.app ? m.path : m.path.slice(1);
  const attr = typeof attrPath[0] === 'string' ? attrPath[0] : undefined;
  const at = app ? appPath(app, attr) : [];
  const full = [ctx.name, ...m.path].join('.');
  const what = ctx.kind === 'variable' ? `variable "${ctx.name}" in ${ctx.declaredIn}` : `the app_roles module (${ctx.declaredIn})`;
  const leaf = String(m.path[m.path.length - 1]);
  switch (m.kind) {
    case 'undeclared':
      return finding('contract-undeclared', at, `${ctx.where} sets ${full}, but ${what} declares no attribute "${leaf}" (declared: ${(m.declared ?? []).join(', ') || 'none'}); OpenTofu drops undeclared object attributes silently, so the value never arrives${suggest(leaf, m.declared ?? [])}; make the declaration and the emitted attribute agree`, { at: 'key' });
    case 'required':
      return finding('contract-required', at, `${ctx.where} does not set ${full}, which ${what} requires (${m.expected}, not optional); make it optional() with a default in variables.tf`, { at: 'key' });
    case 'type':
      return finding('contract-type', at, `${ctx.where} sets ${full} to ${m.got}, but ${what} declares it as ${m.expected}; align the type in variables.tf`, { at: 'key' });
  }
}

function appPath(app: AppModel, attr: string | undefined): PathSegment[] {
  const key = attr === undefined ? undefined : ATTRIBUTE_KEYS[attr];
  if (key === 'namespaces' && app.namespace !== app.name) return [...app.origin, 'namespace'];
  return key ? [...app.origin, key] : [...app.origin];
}

function suggest(name: string, declared: readonly string[]): string {
  const close = declared.find((d) => d !== name && (d.endsWith(name) || name.endsWith(d) || editDistance(d, name) <= 2));
  return close ? ` (did you mean "${close}"?)` : '';
}

/** Every string found under `key` anywhere in a parsed HCL document. */
function collect(json: unknown, key: string): string[] {
  const found: string[] = [];
  const walk = (x: unknown, under: boolean) => {
    if (typeof x === 'string') { if (under) found.push(x); return; }
    if (Array.isArray(x)) { x.forEach((v) => walk(v, under)); return; }
    if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) walk(v, under || k === key);
  };
  walk(json, false);
  return found;
}

/** apps.yaml location of each generated file: the app that owns it, or the central entry. */
export function fileOrigins(model: Model): Map<string, PathSegment[]> {
  const m = new Map<string, PathSegment[]>();
  m.set(`${model.central.vault.repo}:${model.central.vault.applicationsFile}`, ['central', 'vault']);
  m.set(`${model.central.vault.repo}:${model.central.vault.consumersFile}`, ['consumers']);
  m.set(`${model.central.postgres.repo}:${model.central.postgres.databasesFile}`, ['central', 'postgres']);
  for (const app of model.apps) {
    if (!app.target) continue;
    for (const [kind, path] of Object.entries(app.target.files)) {
      if (path) m.set(`${app.target.repo}:${path}`, kind === 'vso' || kind === 'initContainerPatch' ? [...app.origin, 'manifests'] : [...app.origin, 'iac']);
    }
  }
  return m;
}

export { typeText };
