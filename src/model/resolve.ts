import { generateItemKey, type AppInput, type AppsFile, type SecretInput } from '../config/schema';
import type { Path } from '../config/source';
import { DEFAULTS } from './defaults';
import type { EnvironmentContext } from './environments';
import type {
  AppModel,
  AppTarget,
  ConsumerModel,
  DatabaseModel,
  GeneratedKeyModel,
  Model,
  RetiredModel,
  SecretModel,
  VaultAuthModel,
  VaultConnectionModel,
  VaultSettings,
} from './model';
import * as names from './names';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const sorted = (xs: readonly string[] | undefined): string[] => [...new Set(xs ?? [])].sort();

/**
 * Applies every default once and derives every name. Pure; the input is already validated. With
 * an environment (model/environments.ts), `config` is that environment's expanded config, and its
 * repo dirs prefix every path the environment writes into those repos.
 */
export function resolve(config: AppsFile, environment?: EnvironmentContext): Model {
  const v = config.vault ?? {};
  const vault: BaseVault = {
    connection: v.connection ?? DEFAULTS.vault.connection,
    ...((v.connection ?? DEFAULTS.vault.connection) === DEFAULTS.vault.connection ? {} : { connectionRef: v.connection }),
    address: v.address ?? DEFAULTS.vault.address,
    mounts: { ...DEFAULTS.vault.mounts, ...v.mounts },
    audience: v.audience ?? DEFAULTS.vault.audience,
    tokenTtl: v.tokenTtl ?? DEFAULTS.vault.tokenTtl,
    refreshAfter: v.refreshAfter ?? DEFAULTS.vault.refreshAfter,
    appRolesModule: v.appRolesModule ?? DEFAULTS.vault.appRolesModule,
  };
  const repoPaths = environment?.repoPaths ?? {};
  const inRepo = (repo: string, dir: string) => names.inRepoDir(repoPaths[repo], dir);
  const centralVault = inRepoTarget({ ...DEFAULTS.central.vault, ...config.central?.vault }, inRepo);
  const centralPostgres = inRepoTarget({ ...DEFAULTS.central.postgres, ...config.central?.postgres }, inRepo);
  const state = { ...DEFAULTS.state, ...config.state };

  const apps = Object.entries(config.apps)
    .map(([name, app]) => resolveApp(name, app, vault, inRepo, state.prefix))
    .sort(byName);
  return {
    ...(environment ? { environment: environment.name } : {}),
    vault: { ...vault, connections: environment ? generatedConnections(vault, apps) : [] },
    repos: Object.entries(config.repos)
      .map(([id, r]) => ({
        id,
        url: r.url,
        branch: r.branch ?? DEFAULTS.repoBranch,
        ...(r.gitea ? { gitea: r.gitea } : {}),
        ...(repoPaths[id] !== undefined ? { path: repoPaths[id] } : {}),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    central: {
      vault: {
        ...centralVault,
        applicationsFile: names.applicationsFile(centralVault.dir),
        consumersFile: names.consumersFile(centralVault.dir),
      },
      postgres: { ...centralPostgres, databasesFile: names.databasesFile(centralPostgres.dir) },
    },
    postgres: { ...DEFAULTS.postgres, ...config.postgres },
    state,
    ...(config.gitea ? { gitea: { url: config.gitea.url, labels: sorted(config.gitea.labels) } } : {}),
    apps,
    consumers: Object.entries(config.consumers ?? {})
      .map(([name, c]): ConsumerModel => ({
        name,
        origin: ['consumers', name],
        serviceAccount: c.serviceAccount,
        namespace: c.namespace,
        policy: names.consumerPolicyName(name),
        role: names.consumerRoleName(name),
        tokenPolicies: names.k8sRoleTokenPolicies(names.consumerPolicyName(name)),
        reads: sorted(c.reads).map((path) => ({
          path,
          policyPath: names.kvDataPath(vault.mounts.kv, path),
          origin: ['consumers', name, 'reads', c.reads.indexOf(path)],
        })),
      }))
      .sort(byName),
    retired: Object.entries(config.retired ?? {})
      .map(([name, r]): RetiredModel => ({
        name,
        origin: ['retired', name],
        reason: r.reason,
        whole: !Object.hasOwn(config.apps, name) && !Object.hasOwn(config.consumers ?? {}, name),
        database: r.database === true,
        secrets: (r.secrets ?? []).map((entry, i) => {
          const dot = entry.indexOf('.');
          const origin: Path = ['retired', name, 'secrets', i];
          return dot < 0 ? { secret: entry, origin } : { secret: entry.slice(0, dot), key: entry.slice(dot + 1), origin };
        }),
      }))
      .sort(byName),
  };
}

type BaseVault = Omit<VaultSettings, 'connections'>;

/**
 * The VaultConnections an environment's VaultAuths refer to, when its connection is not VSO's
 * default: `name` is looked up in each VaultAuth's own namespace, so one per namespace used;
 * `namespace/name` is one, in that namespace. Each goes into the first app (by name) that needs it.
 */
function generatedConnections(vault: BaseVault, apps: readonly AppModel[]): VaultConnectionModel[] {
  const ref = vault.connectionRef;
  if (ref === undefined) return [];
  const slash = ref.indexOf('/');
  const byNamespace = new Map<string, VaultConnectionModel>();
  for (const app of apps) {
    for (const auth of app.vaultAuths) {
      const namespace = slash < 0 ? auth.namespace : ref.slice(0, slash);
      if (!byNamespace.has(namespace)) byNamespace.set(namespace, { name: ref.slice(slash + 1), namespace, address: vault.address, app: app.name });
    }
  }
  return [...byNamespace.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

/** A central target with its dir below the environment's dir in its repo. */
function inRepoTarget(t: { readonly repo: string; readonly dir: string }, inRepo: (repo: string, dir: string) => string): { repo: string; dir: string } {
  return { repo: t.repo, dir: inRepo(t.repo, t.dir) };
}

function resolveApp(name: string, app: AppInput, vault: BaseVault, inRepo: (repo: string, dir: string) => string, statePrefix?: string): AppModel {
  const namespace = app.namespace ?? name;
  const extraServiceAccounts = sorted(app.serviceAccounts).filter((sa) => sa !== name);
  const extraNamespaces = sorted([...(namespace !== name ? [namespace] : []), ...(app.namespaces ?? [])]).filter((ns) => ns !== name);
  const target = app.repo === undefined ? undefined : resolveTarget(name, app, inRepo, statePrefix);

  const dbOptions = app.database === undefined || app.database === true ? {} : app.database === false ? undefined : app.database;
  const database: DatabaseModel | undefined = dbOptions && {
    name: dbOptions.name ?? name,
    role: names.pgRoleName(name),
    mount: vault.mounts.database,
    credsPath: names.dbCredsPath(name),
    dynamicSecretName: names.dynamicSecretName(name),
    k8sSecretName: names.dynamicSecretName(name),
    restart: sorted(dbOptions.restart).map((t) => {
      const slash = t.indexOf('/');
      return { kind: t.slice(0, slash) as names.RestartKind, name: t.slice(slash + 1) };
    }),
    ...(dbOptions.urlEnv ? { urlEnv: dbOptions.urlEnv } : {}),
    ...(dbOptions.urlContainer ? { urlContainer: dbOptions.urlContainer } : {}),
    vaultAuth: names.vaultAuthName(name, name),
  };

  const secrets = Object.entries(app.secrets ?? {})
    .map(([secret, s]) => resolveSecret(name, namespace, secret, s, vault))
    .sort(byName);

  const auths = new Map<string, VaultAuthModel>();
  const useAuth = (serviceAccount: string, ns: string) => {
    const auth: VaultAuthModel = {
      name: names.vaultAuthName(name, serviceAccount),
      namespace: ns,
      serviceAccount,
      role: names.k8sAuthRoleName(name),
      mount: vault.mounts.kubernetes,
      audiences: [vault.audience],
    };
    auths.set(`${ns}/${auth.name}`, auth);
  };
  if (target) {
    if (database) useAuth(name, namespace);
    for (const s of secrets) useAuth(s.serviceAccount, s.namespace);
  }

  return {
    name,
    origin: ['apps', name],
    namespace,
    boundServiceAccounts: [name, ...extraServiceAccounts],
    boundNamespaces: [name, ...extraNamespaces],
    extraServiceAccounts,
    extraNamespaces,
    opsPolicies: sorted(app.opsPolicies),
    vault: {
      authRole: names.k8sAuthRoleName(name),
      authRolePath: names.k8sAuthRolePath(vault.mounts.kubernetes, names.k8sAuthRoleName(name)),
      authRoleTokenPolicies: names.k8sRoleTokenPolicies(names.appPolicyName(name)),
      policy: names.appPolicyName(name),
      opsPolicy: names.opsPolicyName(name),
      opsGroup: names.opsGroupName(name),
      ciRole: names.ciRoleName(name),
      ciRoleTokenPolicies: names.ciRoleTokenPolicies(name, sorted(app.opsPolicies)),
      policyPaths: names.policyPaths(name, vault.mounts),
      databaseRolePath: names.dbRolePath(vault.mounts.database, name),
    },
    ...(database ? { database } : {}),
    secrets,
    vaultAuths: [...auths.values()].sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1)),
    writes: sorted(app.writes).map((w) => names.kvPath(name, w)),
    ...(target ? { target: withFiles(target, database, secrets) } : {}),
  };
}

function resolveSecret(app: string, namespace: string, secret: string, s: SecretInput, vault: BaseVault): SecretModel {
  const serviceAccount = s.serviceAccount ?? app;
  const length = s.length ?? DEFAULTS.generatedLength;
  const generated = resolveGenerated(['apps', app, 'secrets', secret], s, length);
  return {
    name: secret,
    origin: ['apps', app, 'secrets', secret],
    mount: vault.mounts.kv,
    kvPath: names.kvPath(app, secret),
    staticSecretName: names.staticSecretName(app, secret),
    k8sSecretName: names.staticSecretName(app, secret),
    serviceAccount,
    namespace: s.namespace ?? namespace,
    vaultAuth: names.vaultAuthName(app, serviceAccount),
    keys: sorted(s.keys),
    generate: generated.map((k) => k.name),
    length,
    generated,
    ...(s.renamedFrom !== undefined ? { renamedFrom: s.renamedFrom } : {}),
  };
}

/** A secret's generated keys, sorted, each with its random_password arguments and rotation counter. */
function resolveGenerated(origin: readonly (string | number)[], s: SecretInput, length: number): GeneratedKeyModel[] {
  return (s.generate ?? [])
    .map((item, i): GeneratedKeyModel => {
      const { name, options } = generateItemKey(item);
      const { length: ownLength, special, rotation, ...charset } = options;
      return {
        name,
        origin: [...origin, 'generate', i],
        password: { length: ownLength ?? length, special: special ?? DEFAULTS.generatedSpecial, ...charset },
        ownLength: ownLength !== undefined,
        rotation: rotation ?? 0,
      };
    })
    .sort(byName);
}

type BareTarget = Omit<AppTarget, 'files'>;

function resolveTarget(name: string, app: AppInput, inRepo: (repo: string, dir: string) => string, statePrefix?: string): BareTarget {
  return {
    repo: app.repo!,
    manifestsDir: inRepo(app.repo!, app.manifests ?? DEFAULTS.manifestsDir(name)),
    iacDir: inRepo(app.repo!, app.iac ?? DEFAULTS.iacDir(name)),
    stateKeyPrefix: names.stateKeyPrefix(app.repo!, name, statePrefix),
  };
}

function withFiles(target: BareTarget, database: DatabaseModel | undefined, secrets: readonly SecretModel[]): AppTarget {
  const hasVso = database !== undefined || secrets.length > 0;
  return {
    ...target,
    files: {
      ...(hasVso ? { vso: names.vsoFile(target.manifestsDir) } : {}),
      ...(database?.urlEnv ? { initContainerPatch: names.initContainerPatchFile(target.manifestsDir) } : {}),
      appRoles: names.appRolesFile(target.iacDir),
      backend: names.backendFile(target.iacDir),
      ...(secrets.some((s) => s.generate.length > 0) ? { secrets: names.secretsFile(target.iacDir) } : {}),
    },
  };
}
