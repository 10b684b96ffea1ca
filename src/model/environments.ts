import type { AppInput, AppsFile, EnvironmentInput } from '../config/schema';
import type { Path } from '../config/source';
import type { Model } from './model';

/**
 * Environments (apps.yaml `environments:`): one apps.yaml for several platforms, each with its own
 * Vault, state, branches or dirs. Expansion is one pure step before the usual pipeline: the
 * config of one environment is the top level with that environment's overrides applied and the
 * apps it does not hold left out; resolve, the rules and the render then run on it unchanged.
 */

/** One declared environment and its resolved model. */
export interface EnvironmentModel {
  readonly name: string;
  readonly model: Model;
}

/** What resolve needs beyond the expanded config: the environment's name and its repo dirs. */
export interface EnvironmentContext {
  readonly name: string;
  /** Repo id -> the dir inside the repo that the environment's files go below (repos.<id>.path). */
  readonly repoPaths: Readonly<Record<string, string>>;
}

export interface ExpandedEnvironment {
  /** The top level with the environment's overrides applied; no `environments` or `promote` left. */
  readonly config: AppsFile;
  readonly environment: EnvironmentContext;
}

/** True when apps.yaml declares environments; without them there is one implicit environment. */
export function hasEnvironments(config: AppsFile): boolean {
  return config.environments !== undefined;
}

/** The environments in promotion order: `promote:` when given, else the order of `environments:`. */
export function promotionOrder(config: AppsFile): string[] {
  const declared = Object.keys(config.environments ?? {});
  return config.promote ? config.promote.filter((e) => declared.includes(e)) : declared;
}

/** True when the app exists in the environment (an app without `environments:` exists in all). */
export function appInEnvironment(app: AppInput, env: string): boolean {
  return app.environments === undefined || app.environments.includes(env);
}

/** The config of one declared environment. Pure; the overrides are already validated (rules/environments.ts). */
export function expandEnvironment(config: AppsFile, env: string): ExpandedEnvironment {
  const e: EnvironmentInput = config.environments?.[env] ?? {};
  const { environments: _environments, promote: _promote, ...top } = config;
  const vault = config.vault || e.vault ? { ...config.vault, ...e.vault, ...mergedMounts(config.vault?.mounts, e.vault?.mounts) } : undefined;
  const state = config.state || e.state ? { ...config.state, ...e.state } : undefined;
  const gitea = e.gitea ? { ...config.gitea, ...e.gitea } : config.gitea;
  const repos = Object.fromEntries(
    Object.entries(config.repos).map(([id, r]) => {
      const o = e.repos?.[id];
      return [id, { ...r, ...(o?.url !== undefined ? { url: o.url } : {}), ...(o?.branch !== undefined ? { branch: o.branch } : {}) }];
    }),
  );
  const apps = Object.fromEntries(
    Object.entries(config.apps)
      .filter(([, app]) => appInEnvironment(app, env))
      .map(([name, app]) => [name, withAppOverride(app, e.apps?.[name])]),
  );
  const repoPaths = Object.fromEntries(Object.entries(e.repos ?? {}).flatMap(([id, o]) => (o.path !== undefined ? [[id, o.path]] : [])));
  return {
    config: {
      ...top,
      ...(vault ? { vault } : {}),
      ...(state ? { state } : {}),
      ...(gitea?.url !== undefined ? { gitea: { ...gitea, url: gitea.url } } : {}),
      repos,
      apps,
    },
    environment: { name: env, repoPaths },
  };
}

function mergedMounts(top: object | undefined, env: object | undefined): { mounts?: object } {
  return top || env ? { mounts: { ...top, ...env } } : {};
}

type AppOverride = NonNullable<EnvironmentInput['apps']>[string];

function withAppOverride(app: AppInput, o: AppOverride | undefined): AppInput {
  const { environments: _environments, ...rest } = app;
  if (!o) return rest;
  const database =
    o.database?.restart === undefined ? app.database : { ...(typeof app.database === 'object' ? app.database : {}), restart: o.database.restart };
  const secrets =
    o.secrets === undefined
      ? app.secrets
      : Object.fromEntries(
          Object.entries(app.secrets ?? {}).map(([name, s]) => {
            const keys = o.secrets?.[name]?.keys;
            return [name, keys === undefined ? s : { ...s, keys }];
          }),
        );
  return {
    ...rest,
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    ...(database !== undefined ? { database } : {}),
    ...(secrets !== undefined ? { secrets } : {}),
  };
}

/**
 * Where a finding on an environment's model points: at the environment's override when the value
 * the finding is about comes from it (a namespace, a restart list, keys, a branch, the vault
 * address), else at the top-level declaration the environment inherits.
 */
export function environmentPath(config: AppsFile, env: string, path: Path): Path {
  const e = config.environments?.[env];
  if (!e) return path;
  const overridden = [...path];
  if (overridden[0] === 'vault' || overridden[0] === 'state' || overridden[0] === 'gitea' || overridden[0] === 'repos' || overridden[0] === 'apps') {
    let node: unknown = e;
    for (let i = 0; i < overridden.length; i++) {
      if (node === null || typeof node !== 'object') return ['environments', env, ...overridden.slice(0, i)];
      const next = (node as Record<string | number, unknown>)[overridden[i]!];
      if (next === undefined) return path;
      node = next;
    }
    // the whole path lies in the override: point there unless it is a mapping that overrides only part of the value
    if (Array.isArray(node) || typeof node !== 'object' || node === null) return ['environments', env, ...overridden];
  }
  return path;
}
