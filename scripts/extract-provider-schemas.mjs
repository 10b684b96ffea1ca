#!/usr/bin/env node
// Extracts what HCL validation needs from ../shared/tofu/provider-schemas.json into the committed
// schemas/tofu-providers.json: per resource, data source and provider block, the argument names
// with their required flag and the nested blocks (required, min/max items, arguments, blocks),
// recursively. Provider sub-blocks ("vault.auth_login_jwt") are nested under their provider.
// Deterministic: sorted keys, 2-space JSON, trailing newline.
// Usage: node scripts/extract-provider-schemas.mjs [--check]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, serialize, sortKeys, writeOrCheck } from './extract-lib.mjs';

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

export function render(file = sourceFile) {
  return serialize(extractProviderSchemas(JSON.parse(readFileSync(file, 'utf8'))));
}

if (isMain(import.meta.url)) writeOrCheck(outFile, render(), 'scripts/extract-provider-schemas.mjs');
