import { defaultIacDir, defaultManifestsDir } from './names';

/** The central Vault IaC project (the tools repo) and the app_roles module inside it. */
const CENTRAL_VAULT = { repo: 'tools', dir: 'hashicorp-vault/iac' } as const;
/**
 * Where the app_roles module lives when vault.appRolesModule does not point into a declared repo:
 * the default vault.appRolesModule is built from it.
 */
export const APP_ROLES_MODULE = { repo: CENTRAL_VAULT.repo, dir: `${CENTRAL_VAULT.dir}/modules/app_roles` } as const;

/** Every default of apps.yaml v1, in one place. model/resolve.ts applies them once. */
export const DEFAULTS = {
  vault: {
    connection: 'default',
    address: 'http://hashicorp-vault.tools.svc.cluster.local:8200',
    mounts: { kubernetes: 'kubernetes', jwt: 'gitea_jwt', kv: 'kvv2', database: 'postgres' },
    audience: 'vault',
    tokenTtl: 3600,
    refreshAfter: '30s',
    appRolesModule: `git::ssh://git@gitea.arcodange.lab/arcodange-org/${APP_ROLES_MODULE.repo}.git//${APP_ROLES_MODULE.dir}?ref=main`,
  },
  repoBranch: 'main',
  central: {
    vault: CENTRAL_VAULT,
    postgres: { repo: 'factory', dir: 'postgres/iac' },
  },
  postgres: { host: 'pgbouncer.tools', port: 5432 },
  state: { bucket: 'arcodange-tf' },
  /** Where an app's files go in its repo when apps.yaml names the repo but not the dir. */
  manifestsDir: defaultManifestsDir,
  iacDir: defaultIacDir,
  /** random_password `length` and `special` of a generated key that sets neither (joinkey always writes both). */
  generatedLength: 64,
  generatedSpecial: true,
  aliasNameSource: 'serviceaccount_uid',
  /** The init container that writes the database URL (add-initcontainer.yaml). */
  initContainer: { name: 'write-database-url', image: 'busybox:1.36', volume: 'generated-secrets', mountPath: '/generated-secrets' },
} as const;
