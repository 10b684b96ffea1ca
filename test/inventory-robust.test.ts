import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { findLiveConflicts, hcl2jsonParser, inventoryRepos } from '../src/inventory';

/**
 * Whatever the repos hold, the inventory reads what it can and lists the rest: it never throws.
 * Files are assembled from fragments of YAML, Helm, kustomize and HCL, valid and broken alike.
 */

const parser = hcl2jsonParser();

const FRAGMENTS = [
  'apiVersion: v1\n',
  'kind: Secret\n',
  'kind: VaultStaticSecret\n',
  'apiVersion: secrets.hashicorp.com/v1beta1\n',
  'metadata:\n',
  '  name: a\n',
  '  namespace: {{ .Release.Namespace }}\n',
  'spec:\n  destination: {name: x, create: true}\n',
  '---\n',
  '{{- if .Values.x }}\n',
  '{{- end }}\n',
  '{{- range .Values.y }}\n',
  '{{ include "x" . | nindent 2 }}\n',
  '{{ .Values.k }}: v\n',
  '- a\n',
  '&anchor {a: 1}\n',
  '*anchor\n',
  'resources: [a.yaml, ../up, sub, "https://x/y"]\n',
  'patches:\n  - path: p.yaml\n',
  'patchesStrategicMerge: [p.yaml, 3]\n',
  'namespace: tools\n',
  'helmCharts: []\n',
  'terraform {\n  backend "gcs" {}\n}\n',
  'provider "vault" {}\n',
  'module "app_roles" {\n  source = "./modules/app_roles"\n  name = var.n\n}\n',
  'resource "vault_policy" "p" {\n  for_each = var.m\n  name = each.key\n}\n',
  'variable "m" {}\n',
  'm = { a = 1 }\n',
  'n = "x"\n',
  '}\n',
  '{\n',
  '"\n',
  '<<EOT\n',
  'EOT\n',
  '\t\t\n',
  '# comment\n',
  '{"m": {"b": 2}}\n',
  '\u0000',
  'ü\n',
  '${var.x}\n',
];
const NAMES = [
  'a.yaml',
  'p.yaml',
  'kustomization.yaml',
  'sub/kustomization.yaml',
  'sub/b.yml',
  'chart/templates/t.yaml',
  'chart/templates/_h.tpl',
  'iac/main.tf',
  'iac/terraform.tfvars',
  'iac/x.auto.tfvars',
  'iac/terraform.tfvars.json',
  'iac/modules/app_roles/main.tf',
  'iac/o.tf.json',
];

const file = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((parts) => parts.join(''));
const repo = fc.dictionary(fc.constantFrom(...NAMES), file, { maxKeys: 8 });

describe('robustness', () => {
  test('GIVEN repos of arbitrary fragments THEN inventory and conflicts never throw, and every unreadable has a reason and a position', async () => {
    await fc.assert(
      fc.asyncProperty(repo, repo, async (a, b) => {
        const inv = await inventoryRepos(
          new Map([
            ['a', new Map(Object.entries(a))],
            ['b', new Map(Object.entries(b))],
          ]),
          { parser },
        );
        const findings = findLiveConflicts(inv);
        for (const u of inv.unreadable) {
          expect(u.reason.length).toBeGreaterThan(0);
          expect(u.at.line).toBeGreaterThanOrEqual(1);
        }
        for (const f of findings) expect(f.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: Number(process.env.JOINKEY_PROPERTY_RUNS ?? 60), seed: 9 },
    );
  }, 300_000);
});
