import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JoinkeyError } from '../errors';
import type { RenderedFile } from '../render/files';
import { packageRoot } from '../util/package-root';
import { parseHcl, parseHclFiles, type HclParse } from './hcl-parse';
import { isHclPath } from './parsed-tree';

/**
 * Validates generated HCL against the committed extract of the provider schemas
 * (schemas/tofu-providers.json, made by scripts/extract-provider-schemas.mjs): every resource,
 * data source and provider block may only use arguments and nested blocks its provider defines,
 * and must set every required one. Parsing uses @cdktn/hcl2json (hcl-parse.ts, a WebAssembly
 * build of HCL, ~0.2 s to start), so this runs in `check` and tests, never in synth. Load the
 * schemas once per run (loadProviderSchemas) and pass them to every call.
 */

export interface ArgumentSchema {
  readonly required: boolean;
}

export interface BodySchema {
  readonly arguments: Readonly<Record<string, ArgumentSchema>>;
  readonly blocks: Readonly<Record<string, BlockSchema>>;
}

export interface BlockSchema extends BodySchema {
  readonly required: boolean;
  readonly min_items: number;
  readonly max_items?: number;
  /** The block may also be written as an attribute (SDK SchemaConfigModeAttr). */
  readonly config_mode_attr?: boolean;
}

export interface ProviderSchemas {
  readonly resources: Readonly<Record<string, BodySchema>>;
  readonly data_sources: Readonly<Record<string, BodySchema>>;
  readonly providers: Readonly<Record<string, BodySchema>>;
}

export type HclProblemKind =
  'parse-error' | 'unknown-type' | 'unknown-argument' | 'unknown-block' | 'missing-argument' | 'missing-block' | 'too-many-blocks' | 'duplicate';

export interface HclProblem {
  readonly file: string;
  readonly kind: HclProblemKind;
  /** `vault_policy.name`, `data.vault_policy_document.name`, `provider.vault`; '' for a parse error. */
  readonly address: string;
  /** The argument or block, as a path inside the block, e.g. `rule[0].path`; '' when the whole block is meant. */
  readonly argument: string;
  readonly message: string;
}

export const PROVIDER_SCHEMAS_FILE = 'schemas/tofu-providers.json';

/** `file: address argument: message`, one line. */
export function formatHclProblem(p: HclProblem): string {
  const where = [p.address, p.argument].filter(Boolean).join(' ');
  return `${p.file}: ${where ? `${where}: ` : ''}${p.message}`;
}

/** Reads the committed extract from the package root. */
export function loadProviderSchemas(root: string = packageRoot()): ProviderSchemas {
  const file = join(root, PROVIDER_SCHEMAS_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProviderSchemas;
  } catch (e) {
    throw new JoinkeyError(`cannot read the provider schemas ${file} (${(e as Error).message}); run node scripts/extract-provider-schemas.mjs`);
  }
}

/** Terraform's meta-arguments and meta-blocks, which no provider schema lists. */
const META: Record<'resource' | 'data' | 'provider', { readonly arguments: ReadonlySet<string>; readonly blocks: ReadonlySet<string> }> = {
  resource: { arguments: new Set(['count', 'for_each', 'depends_on', 'provider']), blocks: new Set(['lifecycle', 'provisioner', 'connection']) },
  data: { arguments: new Set(['count', 'for_each', 'depends_on', 'provider']), blocks: new Set(['lifecycle']) },
  provider: { arguments: new Set(['alias', 'version']), blocks: new Set() },
};

type Body = Record<string, unknown>;

const isBody = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const isBlockList = (v: unknown): v is Body[] => Array.isArray(v) && v.length > 0 && v.every(isBody);

/** Parses one file; `.tfvars` files only have to parse, `.tf` files are validated block by block. */
export async function validateHcl(file: string, content: string, schemas: ProviderSchemas): Promise<HclProblem[]> {
  return hclProblems(file, await parseHcl({ name: file, content }), schemas);
}

/** Every `.tf` and `.tfvars` file of a render, in order, parsed in batches; other files are skipped. */
export async function validateRenderedFiles(files: Iterable<RenderedFile>, schemas: ProviderSchemas): Promise<HclProblem[]> {
  const hcl = [...files].filter((f) => isHclPath(f.path)).map((f) => ({ name: `${f.repo}/${f.path}`, content: f.content }));
  const parsed = await parseHclFiles(hcl);
  return hcl.flatMap((f, i) => hclProblems(f.name, parsed[i]!, schemas));
}

/** The problems of one parsed file (see validateHcl). */
export function hclProblems(file: string, parsed: HclParse, schemas: ProviderSchemas): HclProblem[] {
  if (parsed.error !== undefined) return [{ file, kind: 'parse-error', address: '', argument: '', message: `does not parse as HCL: ${parsed.error}` }];
  if (!file.endsWith('.tf')) return [];
  return validateParsed(file, parsed.body, schemas);
}

/** Validates hcl2json's JSON form of a file (`resource.<type>.<name>[]`, `data...`, `provider.<name>[]`). */
export function validateParsed(file: string, doc: Body, schemas: ProviderSchemas): HclProblem[] {
  const problems: HclProblem[] = [];
  const labelled = (section: 'resource' | 'data', table: Readonly<Record<string, BodySchema>>, prefix: string) => {
    const byType = doc[section];
    if (!isBody(byType)) return;
    for (const type of Object.keys(byType).sort()) {
      const byName = byType[type];
      if (!isBody(byName)) continue;
      for (const name of Object.keys(byName).sort()) {
        const address = `${prefix}${type}.${name}`;
        const bodies = asBodies(byName[name]);
        if (bodies.length > 1) problems.push({ file, kind: 'duplicate', address, argument: '', message: `declared ${bodies.length} times` });
        const schema = table[type];
        if (!schema) {
          problems.push({
            file,
            kind: 'unknown-type',
            address,
            argument: '',
            message: `${section === 'data' ? 'data source' : 'resource'} type "${type}" is not in ${PROVIDER_SCHEMAS_FILE}`,
          });
          continue;
        }
        for (const body of bodies) checkBody(problems, file, address, '', body, schema, META[section]);
      }
    }
  };
  labelled('resource', schemas.resources, '');
  labelled('data', schemas.data_sources, 'data.');
  const providers = doc.provider;
  if (isBody(providers)) {
    for (const name of Object.keys(providers).sort()) {
      const schema = schemas.providers[name];
      for (const body of asBodies(providers[name])) {
        const address = `provider.${name}${typeof body.alias === 'string' ? `.${body.alias}` : ''}`;
        if (!schema) {
          problems.push({ file, kind: 'unknown-type', address, argument: '', message: `provider "${name}" is not in ${PROVIDER_SCHEMAS_FILE}` });
          continue;
        }
        checkBody(problems, file, address, '', body, schema, META.provider);
      }
    }
  }
  return problems;
}

function asBodies(value: unknown): Body[] {
  if (Array.isArray(value)) return value.filter(isBody);
  return isBody(value) ? [value] : [];
}

function checkBody(
  problems: HclProblem[],
  file: string,
  address: string,
  at: string,
  body: Body,
  schema: BodySchema,
  meta: { readonly arguments: ReadonlySet<string>; readonly blocks: ReadonlySet<string> } = { arguments: new Set(), blocks: new Set() },
): void {
  const path = (name: string) => (at ? `${at}.${name}` : name);
  const report = (kind: HclProblemKind, argument: string, message: string) => problems.push({ file, kind, address, argument, message });

  for (const key of Object.keys(body).sort()) {
    const value = body[key];
    if (Object.hasOwn(schema.arguments, key) || meta.arguments.has(key) || meta.blocks.has(key)) continue;
    const block = Object.hasOwn(schema.blocks, key) ? schema.blocks[key] : undefined;
    if (block) {
      const items = isBlockList(value) ? value : isBody(value) ? [value] : undefined;
      if (!items) {
        if (!block.config_mode_attr) report('unknown-argument', path(key), `"${key}" is a nested block, not an argument; write ${key} { ... }`);
        continue;
      }
      if (block.max_items !== undefined && items.length > block.max_items) {
        report('too-many-blocks', path(key), `at most ${block.max_items} "${key}" block${block.max_items === 1 ? '' : 's'} allowed, found ${items.length}`);
      }
      items.forEach((item, i) => checkBody(problems, file, address, `${path(key)}[${i}]`, item, block));
      continue;
    }
    if (key === 'dynamic' && isBody(value)) {
      for (const name of Object.keys(value).sort()) {
        const dyn = schema.blocks[name];
        if (!dyn || !Object.hasOwn(schema.blocks, name)) {
          report('unknown-block', path(`dynamic.${name}`), `unknown nested block "${name}" (in a dynamic block)`);
          continue;
        }
        asBodies(value[name]).forEach((d, i) => {
          for (const content of asBodies(d.content)) checkBody(problems, file, address, `${path(`dynamic.${name}`)}[${i}].content`, content, dyn);
        });
      }
      continue;
    }
    if (isBlockList(value)) report('unknown-block', path(key), `unknown nested block or argument "${key}"`);
    else report('unknown-argument', path(key), `unknown argument "${key}"`);
  }

  for (const [name, arg] of Object.entries(schema.arguments)) {
    if (arg.required && !Object.hasOwn(body, name)) report('missing-argument', path(name), `required argument "${name}" is missing`);
  }
  const dynamic = isBody(body.dynamic) ? body.dynamic : {};
  for (const [name, block] of Object.entries(schema.blocks)) {
    if (!block.required && block.min_items <= 0) continue;
    const value = body[name];
    const count = isBlockList(value) ? value.length : isBody(value) ? 1 : 0;
    if (Object.hasOwn(dynamic, name)) continue; // a dynamic block's count is only known at plan time
    if (count < Math.max(1, block.min_items)) {
      report('missing-block', path(name), `required block "${name}" is missing${block.min_items > 1 ? ` (at least ${block.min_items}, found ${count})` : ''}`);
    }
  }
}
