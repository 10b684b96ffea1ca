import type { Args } from './replacement';

/** A resource as a root module declares it (the inventory of one branch gives these). */
export interface LiveResource {
  /** Address inside its root module, instance key included: `random_password.config["SECRET_KEY_BASE"]`. */
  readonly address: string;
  readonly type: string;
  readonly args: Args;
  /** The root module: its directory inside the repo. */
  readonly module?: string;
  readonly repo?: string;
  /** The apps.yaml app it belongs to, when known (Vault roles and policies are stateful while it is deployed). */
  readonly app?: string;
  /**
   * Its for_each or count (or a calling module's) is not known from the files, so it stands for
   * instances nobody can list: it is planned against the other side only when that side declares
   * no instance of the same block.
   */
  readonly unexpanded?: boolean;
}

/** A `moved` block of a root module. */
export interface Moved {
  readonly from: string;
  readonly to: string;
  readonly module?: string;
  readonly repo?: string;
}

/**
 * A `removed` block (OpenTofu v1.7.0+): `from` is a resource or module address without instance
 * keys (resources/syntax.mdx L144). `destroy` is its lifecycle.destroy (v1.10.0+); unset forgets
 * the object, like false (configs/removed.go L30-33, L103-111).
 */
export interface Removed {
  readonly from: string;
  readonly destroy?: boolean;
  readonly module?: string;
  readonly repo?: string;
}

/** An `import` block of a root module: `to` is a static instance address. */
export interface Import {
  readonly to: string;
  readonly module?: string;
  readonly repo?: string;
}

/** A Kubernetes object as a repo's manifests declare it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** '' for a cluster-scoped object. */
  readonly namespace: string;
  readonly name: string;
  /** For VSO secret kinds: spec.destination.name. */
  readonly destinationSecret?: string;
  /** For VSO secret kinds: spec.destination.create (VSO's default is false). */
  readonly destinationCreate?: boolean;
  /** Everything else of the object; any difference is an update. */
  readonly body?: unknown;
  readonly repo?: string;
  readonly app?: string;
}

/**
 * `move`: a moved block carries it to a new address, nothing changes live; `forget`: a `removed`
 * block with destroy = false (or unset) drops it from state and leaves the live object alone;
 * `import`: an `import` block adopts the live object instead of creating one.
 */
export type LiveEffectKind = 'destroy' | 'rotate' | 'replace' | 'create' | 'import' | 'update' | 'move' | 'forget';

interface LiveEffectBase {
  readonly effect: LiveEffectKind;
  readonly repo: string;
  /** The arguments or fields that cause the effect, and the rotations that reach it. */
  readonly causes: readonly string[];
  /** What happens to live data; '' when nothing does (a create). */
  readonly dataEffect: string;
  /** Set when an update in place still breaks clients (a database rename) or a Secret is deleted. */
  readonly breaking?: string;
  readonly app?: string;
  /** Whether the object's app is still deployed after the change (true when the app is unknown). */
  readonly appDeployed: boolean;
}

export interface TofuLiveEffect extends LiveEffectBase {
  readonly object: 'tofu';
  readonly module: string;
  readonly address: string;
  readonly type: string;
  /** The address it had before, when a `moved` block moved it. */
  readonly movedFrom?: string;
  /** The generated secret whose rotation changes this object's data. */
  readonly rotation?: string;
  /** The refactoring block that would avoid this destroy (see suggestions). */
  readonly avoidableBy?: string;
  /** For a random_password replaced in place: its `keepers` before and after (where a rotation counter lives). */
  readonly keepers?: { readonly before: unknown; readonly after: unknown };
}

export interface KubeLiveEffect extends LiveEffectBase {
  readonly object: 'kubernetes';
  /** `<group>/<Kind>/<namespace>/<name>` (group '' for the core API). */
  readonly identity: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export type LiveEffect = TofuLiveEffect | KubeLiveEffect;
