#!/usr/bin/env node
// Extracts what the live change plan needs from ../shared/tofu/replacement.json (which argument
// changes force replacement, what destroy does to data, read from the providers' source; see
// ../shared/tofu/SOURCE.md and ../shared/design/live-objects.md) into the committed
// schemas/tofu-replacement.json. Per resource type: replace_on, in_place, the conditional rules,
// destroy_effect, import_id and source, plus, from ../shared/tofu/provider-schemas.json, what the
// comparison of two configurations needs for each listed argument: its schema default, whether it
// is Optional+Computed (unset keeps the value in state) and whether it is a set (order is no change).
// Deterministic: sorted keys (argument lists keep the source's order), 2-space JSON, trailing newline.
// Usage: node scripts/extract-replacement.mjs [--check]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, serialize, sortKeys, writeOrCheck } from './extract-lib.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const sourceDir = resolve(root, '..', 'shared', 'tofu');
export const outFile = join(root, 'schemas', 'tofu-replacement.json');

/** The comparison facts of one argument or block, from the provider schema. */
function argumentFacts(schema, name) {
  const arg = schema.arguments?.[name];
  if (!arg) {
    if (schema.blocks?.[name]) return { block: true };
    throw new Error(`argument ${name} is listed in replacement.json but not in provider-schemas.json`);
  }
  return {
    ...(arg.default !== undefined ? { default: arg.default } : {}),
    ...(arg.computed === true ? { computed: true } : {}),
    ...(typeof arg.type === 'string' && arg.type.startsWith('set(') ? { set: true } : {}),
  };
}

/** The extract of replacement.json, with argument facts from provider-schemas.json. */
export function extractReplacement(replacement, schemas) {
  const resources = {};
  for (const [type, entry] of Object.entries(replacement)) {
    const schema = schemas.resources?.[type];
    if (!schema) throw new Error(`resource ${type} of replacement.json is missing from provider-schemas.json`);
    const args = {};
    for (const name of [...entry.replace_on, ...entry.in_place]) args[name] = argumentFacts(schema, name);
    resources[type] = {
      replace_on: [...entry.replace_on],
      in_place: [...entry.in_place],
      conditional: { ...(entry.conditional ?? {}) },
      destroy_effect: entry.destroy_effect,
      import_id: entry.import_id,
      source: entry.source,
      arguments: args,
    };
  }
  return sortKeys({
    '//': 'Extracted by scripts/extract-replacement.mjs from ../shared/tofu/replacement.json and provider-schemas.json (see SOURCE.md and ../shared/design/live-objects.md); do not edit.',
    providers: schemas.source ?? {},
    resources,
  });
}

export function render(dir = sourceDir) {
  const read = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
  return serialize(extractReplacement(read('replacement.json'), read('provider-schemas.json')));
}

if (isMain(import.meta.url)) writeOrCheck(outFile, render(), 'scripts/extract-replacement.mjs');
