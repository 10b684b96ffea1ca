#!/usr/bin/env node
// Writes schemas/apps-yaml.schema.json, the JSON Schema of apps.yaml for editors
// (`# yaml-language-server: $schema=./schemas/apps-yaml.schema.json`), from the zod schema that
// the loader validates with (src/config/schema.ts, built into build/ by `npx tsc -p .`).
//   node scripts/gen-apps-schema.mjs          write the file
//   node scripts/gen-apps-schema.mjs --check  exit 1 when the committed file is stale
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_FILE = path.join(root, 'schemas', 'apps-yaml.schema.json');

/**
 * The JSON Schema text of `appsFileSchema` (zod 4), draft-07 for the widest editor support. The
 * schema checks shapes and per-field patterns; cross-field rules (declared repos, bound service
 * accounts, ...) stay with `joinkey check`.
 */
export function appsYamlSchemaText(z, appsFileSchema) {
  const generated = z.toJSONSchema(appsFileSchema, { target: 'draft-7', unrepresentable: 'throw' });
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    title: 'joinkey apps.yaml v1',
    description:
      'One apps.yaml for the Vault, VSO, Postgres and CI join keys of every app. Generated from src/config/schema.ts by scripts/gen-apps-schema.mjs; do not edit.',
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const require = createRequire(import.meta.url);
  const built = path.join(root, 'build', 'src', 'config', 'schema.js');
  if (!fs.existsSync(built)) {
    process.stderr.write(`gen-apps-schema: ${path.relative(root, built)} is missing; run "npx tsc -p tsconfig.json" first\n`);
    process.exit(1);
  }
  const text = appsYamlSchemaText(require('zod'), require(built).AppsFileSchema);
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`gen-apps-schema: ${path.relative(root, SCHEMA_FILE)} is stale; run "node scripts/gen-apps-schema.mjs"\n`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(SCHEMA_FILE, text);
    process.stdout.write(`wrote ${path.relative(root, SCHEMA_FILE)}\n`);
  }
}
