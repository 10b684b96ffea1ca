/**
 * The straightforward cdk8s program the bench compares joinkey with: ONE App, one Chart per app
 * holding the VSO objects of that app (a VaultAuth, a VaultStaticSecret per secret, a
 * VaultDynamicSecret for the database), then `app.synthYaml()`. It reads the same apps.yaml as
 * joinkey (with `yaml.parse`, no validation) and writes one multi-document YAML file.
 *
 *   node build/bench/baseline-cdk8s.js <apps.yaml> <out.yaml>
 */
import * as fs from 'node:fs';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import {
  VaultAuth,
  VaultAuthSpecMethod,
  VaultDynamicSecret,
  VaultDynamicSecretSpecRolloutRestartTargetsKind,
  VaultStaticSecret,
  VaultStaticSecretSpecType,
} from '../imports/secrets.hashicorp.com';

interface BenchApp {
  namespace?: string;
  database?: boolean | { restart?: string[] };
  secrets?: Record<string, unknown>;
}

/** Adds one Chart per app of the apps.yaml text to `app`. */
export function addCharts(app: App, appsYamlText: string): void {
  const apps = (parse(appsYamlText) as { apps: Record<string, BenchApp | null> }).apps;
  for (const [name, spec] of Object.entries(apps)) {
    const a = spec ?? {};
    const namespace = a.namespace ?? name;
    const chart = new Chart(app, name, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/managed-by': 'joinkey', 'app.kubernetes.io/part-of': name },
    });
    new VaultAuth(chart, 'auth', {
      metadata: { name, namespace },
      spec: { method: VaultAuthSpecMethod.KUBERNETES, mount: 'kubernetes', kubernetes: { role: name, serviceAccount: name, audiences: ['vault'] } },
    });
    for (const secret of Object.keys(a.secrets ?? {}).sort()) {
      new VaultStaticSecret(chart, `static-${secret}`, {
        metadata: { name: `${name}-${secret}`, namespace },
        spec: {
          vaultAuthRef: name,
          type: VaultStaticSecretSpecType.KV_HYPHEN_V2,
          mount: 'kvv2',
          path: `${name}/${secret}`,
          refreshAfter: '30s',
          hmacSecretData: true,
          destination: { name: `${name}-${secret}`, create: true },
        },
      });
    }
    if (a.database !== false) {
      const restart = typeof a.database === 'object' ? (a.database.restart ?? []) : [];
      new VaultDynamicSecret(chart, 'db', {
        metadata: { name: `${name}-db`, namespace },
        spec: {
          vaultAuthRef: name,
          mount: 'postgres',
          path: `creds/${name}`,
          destination: { name: `${name}-db`, create: true },
          ...(restart.length
            ? {
                rolloutRestartTargets: restart.map((t) => ({
                  kind: t.split('/')[0] as VaultDynamicSecretSpecRolloutRestartTargetsKind,
                  name: t.split('/')[1]!,
                })),
              }
            : {}),
        },
      });
    }
  }
}

if (require.main === module) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: node build/bench/baseline-cdk8s.js <apps.yaml> <out.yaml>\n');
    process.exit(1);
  }
  const app = new App({ outdir: '/nonexistent-baseline-outdir' });
  addCharts(app, fs.readFileSync(input, 'utf8'));
  fs.writeFileSync(output, app.synthYaml());
}
