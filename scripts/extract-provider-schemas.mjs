#!/usr/bin/env node
// Extracts what HCL validation needs from ../shared/tofu/provider-schemas.json into the committed
// schemas/tofu-providers.json: per resource, data source and provider block, the argument names
// with their required flag and the nested blocks (required, min/max items, arguments, blocks),
// recursively. Provider sub-blocks ("vault.auth_login_jwt") are nested under their provider.
// Deterministic: sorted keys, 2-space JSON, trailing newline.
// Usage: node scripts/extract-provider-schemas.mjs [--check]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const sourceFile = resolve(root, '..', 'shared', 'tofu', 'provider-schemas.json');
export const outFile = join(root, 'schemas', 'tofu-providers.json');

function extractArguments(args = {}) {
  const out = {};
  for (const name of Object.keys(args)) out[name] = { required: args[name].required === true };
  return out;
}

function extractBody(node) {
  const blocks = {};
  for (const [name, block] of Object.entries(node.blocks ?? {})) blocks[name] = extractBlock(block);
  return { arguments: extractArguments(node.arguments), blocks };
}

function extractBlock(block) {
  const minItems = block.min_items ?? (block.required ? 1 : 0);
  return {
    ...extractBody(block),
    ...(block.config_mode_attr ? { config_mode_attr: true } : {}),
    ...(block.max_items !== undefined ? { max_items: block.max_items } : {}),
    min_items: minItems,
    required: block.required === true || minItems > 0,
  };
}

/** The validation extract of the full provider-schemas.json object. */
export function extractProviderSchemas(full) {
  const resources = {};
  for (const [type, schema] of Object.entries(full.resources ?? {})) resources[type] = extractBody(schema);
  const dataSources = {};
  for (const [type, schema] of Object.entries(full.data_sources ?? {})) dataSources[type] = extractBody(schema);
  const providers = {};
  const entries = Object.entries(full.provider_blocks ?? {});
  for (const [name, schema] of entries) if (!name.includes('.')) providers[name] = extractBody(schema);
  for (const [name, schema] of entries.filter(([n]) => n.includes('.')).sort(([a], [b]) => a.split('.').length - b.split('.').length)) {
    const [provider, ...path] = name.split('.');
    let body = providers[provider];
    if (!body) throw new Error(`provider block ${name} has no provider ${provider}`);
    for (const part of path.slice(0, -1)) {
      body = body.blocks[part];
      if (!body) throw new Error(`provider block ${name}: no block ${part}`);
    }
    body.blocks[path.at(-1)] = extractBlock(schema);
  }
  return sortKeys({
    '//': 'Extracted by scripts/extract-provider-schemas.mjs from ../shared/tofu/provider-schemas.json (see its SOURCE.md); do not edit.',
    source: full.source ?? {},
    resources,
    data_sources: dataSources,
    providers,
  });
}

export function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

/** The committed file's exact text. */
export function serialize(extract) {
  return `${JSON.stringify(extract, null, 2)}\n`;
}

export function render(file = sourceFile) {
  return serialize(extractProviderSchemas(JSON.parse(readFileSync(file, 'utf8'))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const text = render();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(outFile, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      process.stderr.write(`${outFile} is stale; run node scripts/extract-provider-schemas.mjs\n`);
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, text);
    process.stdout.write(`wrote ${outFile}\n`);
  }
}
