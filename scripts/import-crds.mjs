#!/usr/bin/env node
// Regenerates imports/secrets.hashicorp.com.ts from the VSO CRDs in ../shared/crds/vso.
// `cdk8s import` takes one source, so the CRD files are concatenated into one multi-document YAML.
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');
const crdDir = resolve(root, '..', 'shared', 'crds', 'vso');
const files = readdirSync(crdDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), 'joinkey-crds-'));
const bundle = join(tmp, 'vso-crds.yaml');
writeFileSync(bundle, files.map((f) => readFileSync(join(crdDir, f), 'utf8')).join('\n---\n'));
try {
  execFileSync('npx', ['--no-install', 'cdk8s', 'import', bundle, '--language', 'typescript', '--output', join(root, 'imports')], {
    stdio: 'inherit',
    cwd: root,
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
