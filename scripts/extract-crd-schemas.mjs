#!/usr/bin/env node
// Extracts each VSO CRD's openAPIV3Schema from ../shared/crds/vso into schemas/vso/<Kind>.json,
// with additionalProperties: false added to every object that lists its properties, so that a
// misspelt field fails validation. Usage: node scripts/extract-crd-schemas.mjs [--check]
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const crdDir = resolve(root, '..', 'shared', 'crds', 'vso');
const outDir = join(root, 'schemas', 'vso');

export function closeObjects(schema) {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const key of Object.keys(schema).sort()) out[key] = closeObjects(schema[key]);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

export function extract(dir = crdDir) {
  const result = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const schema = closeObjects(version.schema.openAPIV3Schema);
        result[crd.spec.names.kind] = { group: crd.spec.group, version: version.name, source: file, schema };
      }
    }
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const schemas = extract();
  mkdirSync(outDir, { recursive: true });
  for (const [kind, entry] of Object.entries(schemas)) {
    writeFileSync(join(outDir, `${kind}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  }
  console.log(`wrote ${Object.keys(schemas).length} schemas to schemas/vso/`);
}
