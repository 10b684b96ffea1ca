import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { isDns1123Label, isDns1123Subdomain } from '../model/names';
import type { RenderedFile } from '../render/files';
import { packageRoot } from '../util/package-root';
import { isYamlPath } from './parsed-tree';
import { parseYamlDocs, type YamlDoc } from './yaml-docs';

/**
 * Validates rendered Kubernetes manifests: each VSO object against its CRD's openAPIV3Schema
 * (extracted to schemas/vso with additionalProperties: false, so typos fail), and every object,
 * Secret and ServiceAccount name against the Kubernetes API's own name rules.
 * Slow to start (ajv compiles the schemas), so it runs in `check` and tests, not in synth. Each
 * CRD schema is read and compiled once per validator, on first use: make one per run.
 */

export interface ManifestProblem {
  readonly file: string;
  readonly object: string;
  readonly message: string;
}

const VSO_GROUP = 'secrets.hashicorp.com';

interface CrdEntry {
  readonly version: string;
  readonly validate: ValidateFunction;
}

export class ManifestValidator {
  /** Per kind: its served version and compiled schema, or null when there is no CRD for it. */
  private readonly crds = new Map<string, CrdEntry | null>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

  constructor(private readonly schemaDir: string = path.join(packageRoot(), 'schemas', 'vso')) {}

  validateFiles(files: Iterable<RenderedFile>): ManifestProblem[] {
    const problems: ManifestProblem[] = [];
    for (const f of files) {
      if (!isYamlPath(f.path)) continue;
      problems.push(...this.validateText(`${f.repo}/${f.path}`, f.content));
    }
    return problems;
  }

  validateText(file: string, text: string): ManifestProblem[] {
    return this.validateDocuments(file, parseYamlDocs(text));
  }

  /** The documents of one file, parsed (parseYamlDocs). */
  validateDocuments(file: string, docs: readonly YamlDoc[]): ManifestProblem[] {
    const problems: ManifestProblem[] = [];
    for (const doc of docs) {
      if (doc.error !== undefined) {
        problems.push({ file, object: '(document)', message: `YAML does not parse: ${doc.error}` });
        continue;
      }
      if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
        problems.push({ file, object: '(document)', message: `is not a Kubernetes object (a mapping), but ${JSON.stringify(doc.value)}` });
        continue;
      }
      problems.push(...this.validateObject(file, doc.value as Record<string, unknown>));
    }
    return problems;
  }

  validateObject(file: string, obj: Record<string, unknown>): ManifestProblem[] {
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const object = `${kind}/${typeof meta.name === 'string' ? meta.name : '?'}`;
    const problems: ManifestProblem[] = [];
    const bad = (message: string) => problems.push({ file, object, message });
    nameProblems(meta, obj).forEach(bad);
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    if (apiVersion.startsWith(`${VSO_GROUP}/`)) {
      const crd = this.crd(kind);
      if (!crd) bad(`no CRD schema for kind ${kind}`);
      else if (!crd.validate(obj)) {
        for (const e of crd.validate.errors ?? []) {
          const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
          bad(`${e.instancePath || '/'} ${e.message}${extra}`);
        }
      } else if (apiVersion !== `${VSO_GROUP}/${crd.version}`) bad(`apiVersion ${apiVersion} is not served; use ${VSO_GROUP}/${crd.version}`);
    }
    return problems;
  }

  private crd(kind: string): CrdEntry | undefined {
    let entry = this.crds.get(kind);
    if (entry === undefined) {
      const file = path.join(this.schemaDir, `${kind}.json`);
      if (!/^[A-Za-z]+$/.test(kind) || !fs.existsSync(file)) entry = null;
      else {
        const { version, schema } = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; schema: object };
        entry = { version, validate: this.ajv.compile(schema) };
      }
      this.crds.set(kind, entry);
    }
    return entry ?? undefined;
  }
}

function nameProblems(meta: Record<string, unknown>, obj: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const name = meta.name;
  if (typeof name !== 'string' || !isDns1123Subdomain(name))
    problems.push(`metadata.name ${JSON.stringify(name)} is not a valid Kubernetes object name (RFC 1123 subdomain)`);
  const ns = meta.namespace;
  if (typeof ns !== 'string' || !isDns1123Label(ns)) problems.push(`metadata.namespace ${JSON.stringify(ns)} is not a valid namespace (RFC 1123 label)`);
  for (const [key, value] of Object.entries((meta.labels ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string' || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value))
      problems.push(`label ${key} has an invalid value ${JSON.stringify(value)}`);
  }
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const destination = spec.destination as Record<string, unknown> | undefined;
  if (destination && (typeof destination.name !== 'string' || !isDns1123Subdomain(destination.name))) {
    problems.push(`destination Secret name ${JSON.stringify(destination.name)} is not a valid Secret name (RFC 1123 subdomain)`);
  }
  const sa = (spec.kubernetes as Record<string, unknown> | undefined)?.serviceAccount;
  if (sa !== undefined && (typeof sa !== 'string' || !isDns1123Subdomain(sa))) {
    problems.push(`serviceAccount ${JSON.stringify(sa)} is not a valid ServiceAccount name (RFC 1123 subdomain)`);
  }
  return problems;
}
