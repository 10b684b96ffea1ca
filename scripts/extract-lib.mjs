// What the scripts/extract-*.mjs share: deterministic JSON text and the write-or---check step.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A copy of `value` with every object's keys sorted (arrays keep their order). */
export function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

/** The committed file's exact text: 2-space JSON and a trailing newline. */
export function serialize(extract) {
  return `${JSON.stringify(extract, null, 2)}\n`;
}

/** True when the module at `importMetaUrl` is the script node was started with. */
export function isMain(importMetaUrl) {
  return Boolean(process.argv[1]) && importMetaUrl === pathToFileURL(resolve(process.argv[1])).href;
}

/** Writes `text` to `outFile`, or with --check exits 1 when the file differs (missing counts as stale). */
export function writeOrCheck(outFile, text, script) {
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(outFile, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      process.stderr.write(`${outFile} is stale; run node ${script}\n`);
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, text);
    process.stdout.write(`wrote ${outFile}\n`);
  }
}
