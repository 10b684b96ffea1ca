import type { Path } from '../config/source';
import type { RepoTrees } from '../inventory/types';
import type { AppModel, Model, RetiredModel } from '../model/model';
import { rotationAcknowledged, rotationOfKeepers } from '../model/generated';
import { consumerResourceLabel, secretResourceLabel, tofuAddress } from '../model/names';
import { ownershipFileIn, parseOwnership } from '../ownership';
import { finding, type Finding } from '../rules/finding';
import { firstStringKey, modulePrefix } from './address';
import type { LiveChangePlan } from './change-plan';
import { appDirectory, type AppDirectory, type AppPlace } from './from-inventory';
import type { LiveEffect, TofuLiveEffect } from './types';

/**
 * The guard of issue 9: no change destroys or rotates stateful data (plan.stateful) unless
 * apps.yaml acknowledges it, where reviewers see it in git:
 * - a `retired:` entry: a name in neither apps nor consumers retires every object of it; an app
 *   still deployed retires the parts it lists (`database: true`, `secrets: [s, s.KEY]`);
 * - a generated key's `rotation` counter, which renders into random_password `keepers`: a
 *   replacement whose counter went up is the rotation apps.yaml asked for. The objects
 *   whose data changes with a rotated secret follow the verdict of that rotation.
 * Pure: the plan and the new model in, a verdict per stateful effect out.
 */

export interface Acknowledged {
  readonly effect: LiveEffect;
  /** What acknowledges it, for the "## Live effects" table: `retired.olderp`, `rotation of ...`. */
  readonly by: string;
}

export interface GuardVerdict {
  /** The stateful effects apps.yaml does not acknowledge: synth and check report them, publish refuses them. */
  readonly unacknowledged: readonly LiveEffect[];
  readonly acknowledged: readonly Acknowledged[];
}

/**
 * Which app each object of both sides belongs to: the new model's places, plus the ones the
 * ownership lists of the `before` trees record (`.joinkey/files.json` "apps"), which attribute the
 * files of apps no longer in apps.yaml. Retired names and consumers are known names too, so the
 * central maps keyed by them attribute their entries.
 */
export function liveAppDirectory(model: Model, before: RepoTrees): AppDirectory {
  const current = appDirectory(model);
  const recorded: AppPlace[] = [];
  for (const [repo, files] of before) {
    // the list of this environment's dir in a dir-per-env repo, else the repo's own
    const list = files.get(ownershipFileIn(model.repos.find((r) => r.id === repo)?.path));
    for (const [path, app] of parseOwnership(list).apps) recorded.push({ app, repo, path });
  }
  const known = new Set([...current.apps, ...recorded.map((p) => p.app), ...model.retired.map((r) => r.name), ...model.consumers.map((c) => c.name)]);
  const seen = new Set(current.places.map((p) => `${p.repo}\u0000${p.path}`));
  return {
    apps: [...known].sort(),
    places: [...current.places, ...recorded.filter((p) => !seen.has(`${p.repo}\u0000${p.path}`))],
    keyedByApp: current.keyedByApp,
  };
}

/** The names still deployed after the change: the apps and consumers of the new apps.yaml. */
export const deployedNames = (model: Model): string[] => [...model.apps.map((a) => a.name), ...model.consumers.map((c) => c.name)].sort();

/** Types whose objects a retired database takes with it: the database, its roles and grants, and the Vault dynamic role. */
const DATABASE_TYPE = /^(postgresql_|vault_database_secret_backend_role$)/;

const GENERATED_SECRET_TYPES = ['random_password', 'vault_kv_secret_v2'] as const;

/** The address without its module path, as the module that declares it says it. */
const localAddress = (e: TofuLiveEffect): string => e.address.slice(modulePrefix(e.address, e.type).length);

export function guardLiveChanges(plan: LiveChangePlan, model: Model): GuardVerdict {
  const retired = new Map(model.retired.map((r) => [r.name, r]));
  const apps = new Map(model.apps.map((a) => [a.name, a]));
  const central = model.central.vault;
  const acknowledgedRotations = new Map<string, string>();
  const verdicts = new Map<LiveEffect, string | undefined>();
  const keyOf = (e: TofuLiveEffect, address: string) => `${e.repo}\u0000${e.module}\u0000${address}`;

  const byRetired = (e: LiveEffect): string | undefined => {
    if (e.object !== 'tofu') return undefined;
    const entry = e.app === undefined ? undefined : retired.get(e.app);
    if (entry?.whole) return `retired.${entry.name}`;
    const renamed = e.app === undefined ? undefined : renamedBy(apps.get(e.app), e);
    if (renamed) return renamed;
    if (entry) return partOf(entry, e);
    if (e.repo === central.repo && e.module === central.dir) {
      for (const r of model.retired) {
        if (!r.whole) continue;
        const label = consumerResourceLabel(r.name);
        if (localAddress(e) === tofuAddress(e.type, label)) return `retired.${r.name}`;
      }
    }
    return undefined;
  };

  // rotations first: the objects they reach follow them
  for (const e of plan.stateful) {
    if (e.object !== 'tofu' || e.effect !== 'rotate') continue;
    const by = counterRaised(e) ? `the rotation counter of ${e.address} (keepers)` : byRetired(e);
    verdicts.set(e, by);
    if (by !== undefined) acknowledgedRotations.set(keyOf(e, e.address), by);
  }
  for (const e of plan.stateful) {
    if (verdicts.has(e)) continue;
    const rotation = e.object === 'tofu' && e.effect === 'update' ? e.rotation : undefined;
    verdicts.set(e, rotation !== undefined && e.object === 'tofu' ? acknowledgedRotations.get(keyOf(e, rotation)) : byRetired(e));
  }
  const unacknowledged: LiveEffect[] = [];
  const acknowledged: Acknowledged[] = [];
  for (const e of plan.stateful) {
    const by = verdicts.get(e);
    if (by === undefined) unacknowledged.push(e);
    else acknowledged.push({ effect: e, by });
  }
  return { unacknowledged, acknowledged };
}

/** A replaced random_password whose rotation counter (its keepers) went up: the rotation apps.yaml asks for. */
function counterRaised(e: TofuLiveEffect): boolean {
  if (!e.keepers) return false;
  const before = rotationOfKeepers(e.keepers.before);
  const after = rotationOfKeepers(e.keepers.after);
  return before !== undefined && after !== undefined && rotationAcknowledged(before, after);
}

/**
 * A kv secret that a secret's `renamedFrom` moves (its moved block) and so writes again at its new
 * path from the same passwords: the replacement that rename asks for.
 */
function renamedBy(app: AppModel | undefined, e: TofuLiveEffect): string | undefined {
  if (e.movedFrom === undefined || !app) return undefined;
  for (const s of app.secrets) {
    if (s.renamedFrom === undefined) continue;
    if (e.movedFrom === tofuAddress(e.type, secretResourceLabel(s.renamedFrom)) && e.address === tofuAddress(e.type, secretResourceLabel(s.name)))
      return `apps.${app.name}.secrets.${s.name}.renamedFrom`;
  }
  return undefined;
}

/** The part of a deployed app's `retired:` entry that covers the effect, as `retired.<app>.<part>`. */
function partOf(entry: RetiredModel, e: TofuLiveEffect): string | undefined {
  if (entry.database && DATABASE_TYPE.test(e.type)) return `retired.${entry.name}.database`;
  const local = localAddress(e);
  for (const s of entry.secrets) {
    for (const type of GENERATED_SECRET_TYPES) {
      const whole = tofuAddress(type, secretResourceLabel(s.secret));
      const covered =
        s.key === undefined ? local === whole || local.startsWith(`${whole}[`) : type === 'random_password' && local === `${whole}[${JSON.stringify(s.key)}]`;
      if (covered) return `retired.${entry.name}.secrets ${s.key === undefined ? s.secret : `${s.secret}.${s.key}`}`;
    }
  }
  return undefined;
}

/** The consumer a central Vault resource was rendered for, by its label (consumerResourceLabel is the name, or `c_<name>`). */
function consumerOf(e: TofuLiveEffect, model: Model): string | undefined {
  if (e.repo !== model.central.vault.repo || e.module !== model.central.vault.dir) return undefined;
  const label = /^[A-Za-z0-9_]+\.([A-Za-z0-9_-]+)$/.exec(e.address)?.[1];
  if (label === undefined) return undefined;
  return [label, label.replace(/^c_(?=[0-9])/, '')].find((name) => consumerResourceLabel(name) === label);
}

/**
 * One finding per unacknowledged effect, at the apps.yaml key to change, saying what is lost and
 * how to acknowledge it, or how to avoid it.
 */
export function guardFindings(verdict: GuardVerdict, model: Model): Finding[] {
  const apps = new Map(model.apps.map((a) => [a.name, a]));
  return verdict.unacknowledged.map((e) => {
    const what = e.object === 'tofu' ? `${e.repo}/${e.module} ${e.address}` : `${e.repo} ${e.identity}`;
    const lost = `${e.effect}${e.causes.length ? ` (${e.causes.join('; ')})` : ''}: ${e.dataEffect}`;
    const app = e.app !== undefined ? apps.get(e.app) : undefined;
    let path: Path = ['apps'];
    let how: string;
    if (e.object === 'tofu' && e.effect === 'update' && e.rotation !== undefined) {
      path = app ? [...app.origin] : path;
      how = `it follows the rotation of ${e.rotation}: acknowledge that rotation (its rotation counter) or undo it`;
    } else if (e.object === 'tofu' && e.effect === 'rotate' && app) {
      const key = app.secrets.flatMap((s) => s.generated).find((k) => e.address.endsWith(`[${JSON.stringify(k.name)}]`));
      if (key) path = [...key.origin];
      else path = [...app.origin];
      how = key
        ? `if the new value is wanted, raise the rotation of ${key.name} (- { ${key.name}: { rotation: N } }), which acknowledges it in review; otherwise undo the change`
        : `if ${app.name} no longer needs the old key, add it to retired.${app.name}.secrets; otherwise undo the change`;
    } else if (app) {
      path = [...app.origin];
      how = `to let it go, list the part under retired: { ${app.name}: { reason: "...", database: true | secrets: [...] } }; otherwise undo the change`;
    } else {
      const name = e.app ?? (e.object === 'tofu' ? (firstStringKey(e.address) ?? consumerOf(e, model)) : undefined);
      how =
        name !== undefined
          ? `${name} is no longer in apps.yaml: to let its data go, add retired: { ${name}: { reason: "..." } } (the name stays reserved); otherwise put it back`
          : `to let it go, add a retired: entry for the app or consumer it belongs to; otherwise undo the change`;
    }
    return finding('live-unacknowledged', path, `${what} would ${lost}; ${how}`, { at: 'key' });
  });
}
