import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { isDns1123Label, isDns1123Subdomain } from '../model/names';
import type { RenderedFile } from '../render/files';
import { packageRoot } from '../util/package-root';

/**
 * Validates rendered Kubernetes manifests: each VSO object against its CRD's openAPIV3Schema
 * (extracted to schemas/vso with additionalProperties: false, so typos fail), and every object,
 * Secret and ServiceAccount name against the Kubernetes API's own name rules.
 * Slow to start (ajv compiles the schemas), so it runs in `check` and tests, not in synth.
 */

export interface ManifestProblem {
  readonly file: string;
  readonly object: string;
  readonly message: string;
}

const VSO_GROUP = 'secrets.hashicorp.com';

export class ManifestValidator {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

  constructor(private readonly schemaDir: string = defaultSchemaDir()) {}

  validateFiles(files: Iterable<RenderedFile>): ManifestProblem[] {
    const problems: ManifestProblem[] = [];
    for (const f of files) {
      if (!/\.ya?ml$/.test(f.path)) continue;
      problems.push(...this.validateText(`${f.repo}/${f.path}`, f.content));
    }
    return problems;
  }

  validateText(file: string, text: string): ManifestProblem[] {
    const problems: ManifestProblem[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) { problems.push({ file, object: '(document)', message: `YAML does not parse: ${doc.errors[0]!.message}` }); continue; }
      const obj = doc.toJS() as Record<string, unknown> | null;
      if (obj === null) continue;
      problems.push(...this.validateObject(file, obj));
    }
    return problems;
  }

  validateObject(file: string, obj: Record<string, unknown>): ManifestProblem[] {
    const kind = String(obj.kind ?? '');
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const object = `${kind}/${String(meta.name ?? '?')}`;
    const problems: ManifestProblem[] = [];
    const bad = (message: string) => problems.push({ file, object, message });
    nameProblems(meta, obj).forEach(bad);
    const apiVersion = String(obj.apiVersion ?? '');
    if (apiVersion.startsWith(`${VSO_GROUP}/`)) {
      const validate = this.validator(kind);
      if (!validate) bad(`no CRD schema for kind ${kind}`);
      else if (!validate(obj)) {
        for (const e of validate.errors ?? []) {
          const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
          bad(`${e.instancePath || '/'} ${e.message}${extra}`);
        }
      } else if (apiVersion !== `${VSO_GROUP}/${this.versionOf(kind)}`) bad(`apiVersion ${apiVersion} is not served; use ${VSO_GROUP}/${this.versionOf(kind)}`);
    }
    return problems;
  }

  private versionOf(kind: string): string {
    return this.entry(kind)?.version ?? '?';
  }

  private entry(kind: string): { version: string; schema: object } | undefined {
    const file = path.join(this.schemaDir, `${kind}.json`);
    if (!/^[A-Za-z]+$/.test(kind) || !fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; schema: object };
  }

  private validator(kind: string): ValidateFunction | undefined {
    let v = this.validators.get(kind);
    if (!v) {
      const entry = this.entry(kind);
      if (!entry) return undefined;
      v = this.ajv.compile(entry.schema);
      this.validators.set(kind, v);
    }
    return v;
  }
}

function nameProblems(meta: Record<string, unknown>, obj: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const name = meta.name;
  if (typeof name !== 'string' || !isDns1123Subdomain(name)) problems.push(`metadata.name ${JSON.stringify(name)} is not a valid Kubernetes object name (RFC 1123 subdomain)`);
  const ns = meta.namespace;
  if (typeof ns !== 'string' || !isDns1123Label(ns)) problems.push(`metadata.namespace ${JSON.stringify(ns)} is not a valid namespace (RFC 1123 label)`);
  for (const [key, value] of Object.entries((meta.labels ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string' || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) problems.push(`label ${key} has an invalid value ${JSON.stringify(value)}`);
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

function defaultSchemaDir(): string {
  return path.join(packageRoot(), 'schemas', 'vso');
}
