import { ApiObject, App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  VaultAuth,
  VaultAuthSpecMethod,
  VaultConnection,
  VaultDynamicSecret,
  VaultDynamicSecretSpecRolloutRestartTargetsKind,
  VaultStaticSecret,
  VaultStaticSecretSpecType,
} from '../../imports/secrets.hashicorp.com';
import { DEFAULTS } from '../model/defaults';
import type { AppModel, Model } from '../model/model';
import { constructId, databaseUrlFile } from '../model/names';

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'joinkey' };

/**
 * Construct ids come from constructId (kind, namespace, name: distinct objects never collide, and
 * no app or secret name is ever a bare id); every metadata.name is set explicitly.
 */

/**
 * The VSO objects of one app: a VaultAuth per (ServiceAccount, namespace) used, a VaultStaticSecret
 * per secret, a VaultDynamicSecret for the database, and the environment's VaultConnections that
 * the model puts in this app (model.vault.connections).
 */
export class VsoChart extends Chart {
  constructor(scope: Construct, id: string, model: Model, app: AppModel) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY, 'app.kubernetes.io/part-of': app.name } });

    for (const c of model.vault.connections.filter((x) => x.app === app.name)) {
      new VaultConnection(this, constructId('VaultConnection', c.namespace, c.name), {
        metadata: { name: c.name, namespace: c.namespace },
        spec: { address: c.address, skipTlsVerify: false },
      });
    }

    for (const auth of app.vaultAuths) {
      new VaultAuth(this, constructId('VaultAuth', auth.namespace, auth.name), {
        metadata: { name: auth.name, namespace: auth.namespace },
        spec: {
          ...(model.vault.connectionRef ? { vaultConnectionRef: model.vault.connectionRef } : {}),
          method: VaultAuthSpecMethod.KUBERNETES,
          mount: auth.mount,
          kubernetes: { role: auth.role, serviceAccount: auth.serviceAccount, audiences: [...auth.audiences] },
        },
      });
    }

    for (const secret of app.secrets) {
      new VaultStaticSecret(this, constructId('VaultStaticSecret', secret.namespace, secret.staticSecretName), {
        metadata: { name: secret.staticSecretName, namespace: secret.namespace },
        spec: {
          vaultAuthRef: secret.vaultAuth,
          type: VaultStaticSecretSpecType.KV_HYPHEN_V2,
          mount: secret.mount,
          path: secret.kvPath,
          refreshAfter: model.vault.refreshAfter,
          hmacSecretData: true,
          destination: { name: secret.k8sSecretName, create: true },
        },
      });
    }

    const db = app.database;
    if (db) {
      new VaultDynamicSecret(this, constructId('VaultDynamicSecret', app.namespace, db.dynamicSecretName), {
        metadata: { name: db.dynamicSecretName, namespace: app.namespace },
        spec: {
          vaultAuthRef: db.vaultAuth,
          mount: db.mount,
          path: db.credsPath,
          destination: { name: db.k8sSecretName, create: true },
          ...(db.restart.length
            ? { rolloutRestartTargets: db.restart.map((t) => ({ kind: t.kind as VaultDynamicSecretSpecRolloutRestartTargetsKind, name: t.name })) }
            : {}),
        },
      });
    }
  }
}

/**
 * The guidebook's add-initcontainer.yaml: a strategic-merge patch for each workload that VSO
 * restarts on rotation (so reads the credentials). The init container builds the database URL
 * from the dynamic credentials and writes it, as a file named after `urlEnv`, into a shared
 * in-memory volume, which the app container (`urlContainer`, default: named after the workload)
 * mounts read-only at the same path.
 */
export class InitContainerPatchChart extends Chart {
  constructor(scope: Construct, id: string, model: Model, app: AppModel) {
    super(scope, id, { disableResourceNameHashes: true });
    const db = app.database!;
    const init = DEFAULTS.initContainer;
    const fromSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: db.k8sSecretName, key } } });
    for (const workload of db.restart.filter((t) => t.kind !== 'argo.Rollout')) {
      new ApiObject(this, constructId('Patch', workload.kind, workload.name), {
        apiVersion: 'apps/v1',
        kind: workload.kind,
        metadata: { name: workload.name, namespace: app.namespace },
        spec: {
          template: {
            spec: {
              initContainers: [
                {
                  name: init.name,
                  image: init.image,
                  command: [
                    'sh',
                    '-c',
                    `printf '%s' "postgres://\${DB_USER}:\${DB_PASS}@\${DB_HOST}:\${DB_PORT}/\${DB_NAME}" > ${databaseUrlFile(init.mountPath, db.urlEnv!)}`,
                  ],
                  env: [
                    { name: 'DB_USER', ...fromSecret('username') },
                    { name: 'DB_PASS', ...fromSecret('password') },
                    { name: 'DB_HOST', value: model.postgres.host },
                    { name: 'DB_PORT', value: String(model.postgres.port) },
                    { name: 'DB_NAME', value: db.name },
                  ],
                  volumeMounts: [{ name: init.volume, mountPath: init.mountPath }],
                },
              ],
              containers: [
                {
                  name: db.urlContainer ?? workload.name,
                  volumeMounts: [{ name: init.volume, mountPath: init.mountPath, readOnly: true }],
                },
              ],
              volumes: [{ name: init.volume, emptyDir: { medium: 'Memory' } }],
            },
          },
        },
      });
    }
  }
}

/**
 * Synthesizes one chart in an App of its own and returns its documents as plain JSON. One App per
 * chart keeps synthesis linear: an App holding every chart re-resolves them all (quadratic).
 */
export function chartDocuments(build: (app: App) => Chart): unknown[] {
  const app = new App({ outdir: '/nonexistent-joinkey-outdir' });
  return build(app).toJson();
}
