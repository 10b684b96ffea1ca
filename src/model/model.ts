import type { Path } from '../config/source';
import type { PasswordArguments } from './random-password';
import type { PolicyPath, RestartKind } from './names';

/** The resolved, readonly model: every name and path derived once from apps.yaml. */
export interface Model {
  /** The environment this model renders (apps.yaml `environments:`); absent for the implicit one. */
  readonly environment?: string;
  readonly vault: VaultSettings;
  readonly repos: readonly RepoModel[];
  readonly central: CentralModel;
  readonly postgres: { readonly host: string; readonly port: number };
  /** `prefix` goes before every generated state prefix when set. */
  readonly state: { readonly bucket: string; readonly prefix?: string };
  readonly gitea?: { readonly url: string; readonly labels: readonly string[] };
  /** Sorted by name. */
  readonly apps: readonly AppModel[];
  /** Sorted by name. */
  readonly consumers: readonly ConsumerModel[];
  /** Acknowledged destroys (apps.yaml `retired:`), sorted by name. */
  readonly retired: readonly RetiredModel[];
}

/**
 * A `retired:` entry. `whole`: the name is in neither apps nor consumers, so every destroy of its
 * objects is acknowledged. Otherwise only the parts listed: the app's database, and secrets (a
 * whole secret, or one generated key of it).
 */
export interface RetiredModel {
  readonly name: string;
  readonly origin: Path;
  readonly reason: string;
  readonly whole: boolean;
  readonly database: boolean;
  readonly secrets: readonly { readonly secret: string; readonly key?: string; readonly origin: Path }[];
}

export interface VaultSettings {
  readonly connection: string;
  /** vaultConnectionRef for VaultAuths; absent for VSO's default connection. */
  readonly connectionRef?: string;
  readonly address: string;
  readonly mounts: { readonly kubernetes: string; readonly jwt: string; readonly kv: string; readonly database: string };
  readonly audience: string;
  readonly tokenTtl: number;
  readonly refreshAfter: string;
  readonly appRolesModule: string;
  /**
   * The VaultConnections joinkey generates (only in a declared environment whose connection is not
   * VSO's default): one per namespace its VaultAuths refer to it from, each in one app's manifests.
   */
  readonly connections: readonly VaultConnectionModel[];
}

export interface VaultConnectionModel {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  /** The app whose manifests hold it: the first app, by name, with a VaultAuth that needs it. */
  readonly app: string;
}

export interface RepoModel {
  readonly id: string;
  readonly url: string;
  readonly branch: string;
  readonly gitea?: string;
  /** The dir inside the repo that every file of the environment goes below (a dir-per-env layout). */
  readonly path?: string;
}

export interface CentralModel {
  readonly vault: {
    readonly repo: string;
    readonly dir: string;
    /** The `applications` map that app_policy's for_each reads. */
    readonly applicationsFile: string;
    /** One vault_policy plus kubernetes auth role per consumer. */
    readonly consumersFile: string;
  };
  readonly postgres: {
    readonly repo: string;
    readonly dir: string;
    /** One `<app>_role` and database entry per app with a database. */
    readonly databasesFile: string;
  };
}

export interface AppModel {
  readonly name: string;
  /** Where the app is declared in apps.yaml, for findings. */
  readonly origin: Path;
  readonly namespace: string;
  /** `[<app>] + serviceAccounts`, the app first, extras sorted. */
  readonly boundServiceAccounts: readonly string[];
  /** `[<app>] + [namespace if != <app>] + namespaces`, the app first, extras sorted. */
  readonly boundNamespaces: readonly string[];
  readonly extraServiceAccounts: readonly string[];
  readonly extraNamespaces: readonly string[];
  readonly opsPolicies: readonly string[];
  readonly vault: AppVaultNames;
  readonly database?: DatabaseModel;
  /** Sorted by name. */
  readonly secrets: readonly SecretModel[];
  /** The VaultAuths the app's VSO objects use, one per (ServiceAccount, namespace); empty without a repo. */
  readonly vaultAuths: readonly VaultAuthModel[];
  /** kv paths (below the mount) the app's own IaC writes; inventoried only. */
  readonly writes: readonly string[];
  /** Present when the app's manifests and IaC are generated into one of the repos. */
  readonly target?: AppTarget;
}

export interface AppVaultNames {
  readonly authRole: string;
  readonly authRolePath: string;
  /** token_policies of the Kubernetes auth role: the base policy, then the app policy. */
  readonly authRoleTokenPolicies: readonly string[];
  readonly policy: string;
  readonly opsPolicy: string;
  readonly opsGroup: string;
  readonly ciRole: string;
  /** token_policies of the CI role: the base policy, the ops policy, then the extra ops policies. */
  readonly ciRoleTokenPolicies: readonly string[];
  readonly policyPaths: readonly PolicyPath[];
  readonly databaseRolePath: string;
}

export interface DatabaseModel {
  readonly name: string;
  readonly role: string;
  readonly mount: string;
  /** `creds/<app>` below the database mount. */
  readonly credsPath: string;
  readonly dynamicSecretName: string;
  readonly k8sSecretName: string;
  readonly restart: readonly { readonly kind: RestartKind; readonly name: string }[];
  readonly urlEnv?: string;
  /** The container that reads the URL file; absent: the container named after each workload. */
  readonly urlContainer?: string;
  readonly vaultAuth: string;
}

export interface SecretModel {
  readonly name: string;
  readonly origin: Path;
  readonly mount: string;
  /** `<app>/<secret>` below the kv mount. */
  readonly kvPath: string;
  readonly staticSecretName: string;
  readonly k8sSecretName: string;
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly vaultAuth: string;
  /** Admin-seeded keys, sorted; may be empty when the keys are not listed. */
  readonly keys: readonly string[];
  /** The names of the keys generated by random_password in the app's IaC (of `generated`), sorted. */
  readonly generate: readonly string[];
  /** `secrets.<s>.length`: the length of every generated key that sets none of its own. */
  readonly length: number;
  /** The generated keys, sorted by name. */
  readonly generated: readonly GeneratedKeyModel[];
  /** `renamedFrom`: the name it had, whose generated passwords move to this one. */
  readonly renamedFrom?: string;
}

/** One key of a secret generated by random_password and written to kv as `base64encode(result)`. */
export interface GeneratedKeyModel {
  readonly name: string;
  /** The key's item in `generate:`. */
  readonly origin: Path;
  /** The random_password arguments joinkey writes: length and special always, the others only as apps.yaml sets them. */
  readonly password: PasswordArguments;
  /** True when the key sets its own length (else it is the secret's `length` or the default). */
  readonly ownLength: boolean;
  /** The rotation counter: 0 renders no keepers, N >= 1 renders keepers = { rotation = "N" }. */
  readonly rotation: number;
}

export interface VaultAuthModel {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly role: string;
  readonly mount: string;
  readonly audiences: readonly string[];
}

export interface AppTarget {
  readonly repo: string;
  readonly manifestsDir: string;
  readonly iacDir: string;
  readonly stateKeyPrefix: string;
  readonly files: {
    readonly vso?: string;
    readonly initContainerPatch?: string;
    readonly appRoles: string;
    readonly backend: string;
    readonly secrets?: string;
  };
}

export interface ConsumerModel {
  readonly name: string;
  readonly origin: Path;
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly policy: string;
  readonly role: string;
  /** token_policies of the consumer's Kubernetes auth role. */
  readonly tokenPolicies: readonly string[];
  /** Read paths below the kv mount, as written (sorted), with the policy path each becomes and where it is declared. */
  readonly reads: readonly { readonly path: string; readonly policyPath: string; readonly origin: Path }[];
}
