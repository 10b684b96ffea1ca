/** Every default of apps.yaml v1, in one place. model/resolve.ts applies them once. */
export const DEFAULTS = {
  vault: {
    connection: 'default',
    address: 'http://hashicorp-vault.tools.svc.cluster.local:8200',
    mounts: { kubernetes: 'kubernetes', jwt: 'gitea_jwt', kv: 'kvv2', database: 'postgres' },
    audience: 'vault',
    tokenTtl: 3600,
    refreshAfter: '30s',
    appRolesModule: 'git::ssh://git@gitea.arcodange.lab/arcodange-org/tools.git//hashicorp-vault/iac/modules/app_roles?ref=main',
  },
  repoBranch: 'main',
  central: {
    vault: { repo: 'tools', dir: 'hashicorp-vault/iac' },
    postgres: { repo: 'factory', dir: 'postgres/iac' },
  },
  postgres: { host: 'pgbouncer.tools', port: 5432 },
  state: { bucket: 'arcodange-tf' },
  /** Where an app's files go in its repo when apps.yaml names the repo but not the dir. */
  manifestsDir: (app: string) => `${app}/resources`,
  iacDir: (app: string) => `${app}/iac`,
  generatedLength: 64,
  /** The base policy every Kubernetes auth role and CI role carries. */
  basePolicy: 'default',
  aliasNameSource: 'serviceaccount_uid',
  /** The init container that writes the database URL (add-initcontainer.yaml). */
  initContainer: { name: 'write-database-url', image: 'busybox:1.36', volume: 'generated-secrets', mountPath: '/generated-secrets' },
} as const;
