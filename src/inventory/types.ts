/**
 * The live objects that the files of the target repos declare: Kubernetes objects (VSO ones with
 * their Vault side), OpenTofu root modules, and the live identities (Vault, PostgreSQL) those
 * manage. Everything here is plain data, built by pure functions from repo trees.
 */

/** repo id -> repo-relative path -> content: a checkout, or joinkey's render (render/files FileTree). */
export type RepoTrees = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A position in a repo file, 1-based. */
export interface Location {
  readonly repo: string;
  readonly path: string;
  readonly line: number;
  readonly col: number;
}

/** Something the inventory could not read, and why; it is listed, never guessed. */
export interface Unreadable {
  readonly at: Location;
  readonly reason: string;
}

/** `metadata.namespace` as Kubernetes will see it. */
export type NamespaceSource =
  /** set in the object itself */
  | 'declared'
  /** set by the `namespace:` of a kustomization that lists the file (kustomize overrides a declared one) */
  | 'kustomization'
  /** not set: the namespace of whoever applies it (`kubectl -n`, Helm's release namespace, Argo CD's destination) */
  | 'apply';

export interface VsoDestination {
  readonly name?: string;
  readonly create?: boolean;
  readonly overwrite?: boolean;
}

/** The Vault side of a VSO object; a field is undefined when absent or templated (see KubeObject.unknown). */
export interface VsoSpec {
  readonly destination?: VsoDestination;
  readonly vaultAuthRef?: string;
  readonly mount?: string;
  readonly path?: string;
  readonly role?: string;
  readonly type?: string;
  /** VaultAuth */
  readonly method?: string;
  readonly kubernetesRole?: string;
  readonly serviceAccount?: string;
  readonly vaultConnectionRef?: string;
  /** VaultConnection */
  readonly address?: string;
}

export interface KubeObject {
  readonly at: Location;
  readonly apiVersion: string;
  /** The API group of apiVersion ('' for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  /** The effective namespace; undefined when it is the applier's (namespaceSource 'apply') or templated. */
  readonly namespace?: string;
  readonly namespaceSource: NamespaceSource;
  /** The kustomization file that lists this file, outermost first, when one does. */
  readonly kustomizations: readonly string[];
  /** A kustomization in the same directory that does not list this file (so Argo CD/kustomize skip it). */
  readonly unlistedBeside?: string;
  /** The Go-template condition(s) the whole object sits in (`if .Values.x`), when templated. */
  readonly conditions: readonly string[];
  /** Field paths set by template actions, e.g. `metadata.namespace`: their values are not known. */
  readonly unknown: readonly string[];
  /** The file starts with joinkey's marker line. */
  readonly generated: boolean;
  readonly vso?: VsoSpec;
}

/** A kustomize patch: it changes its target, it is not a second object. */
export interface KubePatch {
  /** The patch file (or the kustomization, for an inline patch). */
  readonly at: Location;
  readonly kustomization: string;
  readonly type: 'strategic-merge' | 'json6902';
  readonly target: { readonly group?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string };
  /** The object it patches, when that object is among the resources the inventory could read. */
  readonly patches?: Location;
}

export interface TofuBlock {
  readonly at: Location;
  /** True when the position was found and checked against the parser's block list; else line 1. */
  readonly exact: boolean;
  readonly generated: boolean;
}

export interface TofuBackend extends TofuBlock {
  /** `gcs`, `s3`, ... or `cloud` for a `cloud` block. */
  readonly type: string;
}

export interface TofuProvider extends TofuBlock {
  readonly name: string;
  readonly alias?: string;
}

export interface TofuModuleCall extends TofuBlock {
  readonly label: string;
  readonly source?: string;
  /** for_each keys when known; undefined without for_each or when they are not literal. */
  readonly keys?: readonly string[];
  readonly forEach: boolean;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface TofuResource extends TofuBlock {
  /** `type.name` or `data.type.name`. */
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly forEach: boolean;
  readonly count: boolean;
  /** for_each keys when known. */
  readonly keys?: readonly string[];
  readonly body: Readonly<Record<string, unknown>>;
}

export interface TofuRefactor extends TofuBlock {
  readonly kind: 'moved' | 'import' | 'removed';
  /** Addresses as written (hcl2json's `${...}` stripped). */
  readonly from?: string;
  readonly to?: string;
  readonly id?: string;
}

/** One file setting a variable. */
export interface VariableSetting {
  readonly name: string;
  readonly at: Location;
  readonly exact: boolean;
  readonly generated: boolean;
  readonly value: unknown;
}

export interface TofuModule {
  readonly repo: string;
  readonly dir: string;
  /** Sits under a `modules/` directory or is the local source of another module: not a root module. */
  readonly child: boolean;
  readonly files: readonly string[];
  readonly backends: readonly TofuBackend[];
  /** `required_providers` blocks: tofu allows one per module. */
  readonly requiredProviders: readonly TofuBlock[];
  readonly providers: readonly TofuProvider[];
  readonly modules: readonly TofuModuleCall[];
  readonly resources: readonly TofuResource[];
  readonly refactors: readonly TofuRefactor[];
  /** Declared variables with their default, when they have one. */
  /** `type`: the type constraint's expression text as hcl2json gives it (`${map(object({...}))}`), for optional() defaults. */
  readonly variables: ReadonlyMap<string, { readonly at: Location; readonly default?: unknown; readonly type?: string }>;
  /** Per variable, every tfvars file that sets it, in tofu's load order (the last one wins). */
  readonly settings: ReadonlyMap<string, readonly VariableSetting[]>;
}

export type IdentityKind =
  'vault-policy' | 'vault-auth-role' | 'vault-kv-path' | 'vault-database-role' | 'vault-identity-group' | 'vault-mount' | 'postgres-role' | 'postgres-database';

/** A live object in Vault or PostgreSQL that a resource (or a module call) manages. */
export interface LiveIdentity {
  readonly kind: IdentityKind;
  /** e.g. `kubernetes/plausible` (auth mount/role), `kvv2/plausible/config` (mount/name), `plausible_role`. */
  readonly name: string;
  /** The tofu address that manages it, with its key: `vault_policy.x`, `module.app_roles`, `postgresql_role.app_role["erp"]`. */
  readonly address: string;
  readonly module: { readonly repo: string; readonly dir: string };
  readonly at: Location;
  readonly generated: boolean;
  /** How the name was known, when not written literally: `module app_roles (guidebook naming)`, `for_each over var.applications`. */
  readonly via?: string;
}

export interface Inventory {
  readonly objects: readonly KubeObject[];
  readonly patches: readonly KubePatch[];
  readonly modules: readonly TofuModule[];
  readonly identities: readonly LiveIdentity[];
  readonly unreadable: readonly Unreadable[];
}
