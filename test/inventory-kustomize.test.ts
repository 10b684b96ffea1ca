import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { inventoryRepoKube } from '../src/inventory/kustomize';
import { readRepoDir } from '../src/inventory/load';

/**
 * kustomize's semantics as the inventory applies them, checked against the real
 * `kubectl kustomize` (kustomize v5.5.0 here): for every tree, the objects the inventory lists
 * under a root kustomization are exactly the objects kustomize builds (apiVersion, kind,
 * namespace, name), and a patch file is never an object.
 */

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jk-kustomize-'));
  made.push(dir);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

/** What kustomize builds from root (a dir of the repo), as sorted identities. */
function kustomizeBuild(repoDir: string, root: string): string[] {
  const out = execFileSync('kubectl', ['kustomize', join(repoDir, root)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } | null)
    .filter((o) => o !== null)
    .map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`)
    .sort();
}

function inventoried(repoDir: string, root: string): string[] {
  const kube = inventoryRepoKube('r', readRepoDir(repoDir));
  const rootFile = root === '.' ? 'kustomization.yaml' : `${root}/kustomization.yaml`;
  return kube.objects
    .filter((o) => o.kustomizations[0] === rootFile)
    .map((o) => `${o.apiVersion} ${o.kind} ${o.namespace ?? '-'}/${o.name}`)
    .sort();
}

const cm = (name: string, ns?: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data: {a: "1"}\n`;

const TREES: Record<string, { files: Record<string, string>; root: string; patches: number }> = {
  'namespace replaces a declared one; cluster-scoped kinds get none; multi-doc with empty docs and comments': {
    root: '.',
    patches: 0,
    files: {
      'kustomization.yaml': 'namespace: tools\nresources:\n  - all.yaml # three objects\n',
      'all.yaml': `---\n# leading comment\n${cm('a', 'other')}---\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []\n---\n{kind: Secret, apiVersion: v1, metadata: {name: s}}\n---\n`,
    },
  },
  'nested kustomizations in subdirs: the outermost namespace wins': {
    root: 'overlay',
    patches: 0,
    files: {
      'overlay/kustomization.yaml': 'namespace: outer\nresources:\n- ../base\n- extra/x.yaml\n',
      'overlay/extra/x.yaml': cm('x'),
      'base/kustomization.yaml': 'namespace: inner\nresources: [one.yaml, sub]\n',
      'base/one.yaml': cm('one', 'declared'),
      'base/sub/kustomization.yaml': 'resources:\n  - two.yaml\n',
      'base/sub/two.yaml': cm('two'),
    },
  },
  'an inner namespace applies when the outer kustomization sets none': {
    root: 'top',
    patches: 0,
    files: {
      'top/kustomization.yaml': 'resources:\n- ../app\n- local.yaml\n',
      'top/local.yaml': cm('local', 'mine'),
      'app/kustomization.yaml': 'namespace: app\nresources:\n- cm.yaml\n',
      'app/cm.yaml': cm('c'),
    },
  },
  'patches of every form are not objects': {
    root: '.',
    patches: 3,
    files: {
      'kustomization.yaml': [
        'namespace: tools',
        'resources: [deploy.yaml]',
        'patchesStrategicMerge:',
        '  - smp.yaml',
        'patches:',
        '  - path: patch.yaml',
        'patchesJson6902:',
        '  - target: {group: apps, version: v1, kind: Deployment, name: web}',
        '    path: json.yaml',
        '',
      ].join('\n'),
      'deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n',
      'smp.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n',
      'patch.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers: [{name: init, image: busybox}]\n',
      'json.yaml': '- op: add\n  path: /metadata/labels\n  value: {x: y}\n',
    },
  },
};

describe.skipIf(!kubectl)('kustomize semantics against kubectl kustomize', () => {
  for (const [name, t] of Object.entries(TREES)) {
    test(`GIVEN ${name} THEN the inventory lists what kustomize builds`, () => {
      const dir = writeTree(t.files);
      const built = kustomizeBuild(dir, t.root);
      expect(built.length).toBeGreaterThan(0);
      expect(inventoried(dir, t.root)).toEqual(built);
      const kube = inventoryRepoKube('r', readRepoDir(dir));
      expect(kube.patches).toHaveLength(t.patches);
      expect(kube.patches.every((p) => p.patches !== undefined)).toBe(true);
      // a patched object is built into the kustomization's namespace, as kustomize's output shows
      for (const p of kube.patches) expect(built).toContain(`apps/v1 ${p.target.kind} ${p.target.namespace}/${p.target.name}`);
    });
  }

  test('GIVEN the fixture plausible/resources THEN the inventory lists what kustomize builds', () => {
    const repo = join(__dirname, 'fixtures', 'platform', 'tools');
    const built = kustomizeBuild(repo, 'plausible/resources');
    expect(built).toEqual([
      'secrets.hashicorp.com/v1beta1 VaultAuth tools/plausible',
      'secrets.hashicorp.com/v1beta1 VaultDynamicSecret tools/plausible-db-credentials',
      'secrets.hashicorp.com/v1beta1 VaultStaticSecret tools/plausible',
      'secrets.hashicorp.com/v1beta1 VaultStaticSecret tools/plausible-geoip',
    ]);
    // the fixture's root is plausible/kustomization.yaml (it adds the Helm chart); its resources are these
    const kube = inventoryRepoKube('tools', readRepoDir(repo));
    const listed = kube.objects.filter((o) => o.kustomizations.includes('plausible/resources/kustomization.yaml'));
    expect(listed.map((o) => `${o.apiVersion} ${o.kind} ${o.namespace}/${o.name}`).sort()).toEqual(built);
  });
});
