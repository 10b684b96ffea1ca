import type { GeneratedKeyModel, SecretModel } from './model';
import { PASSWORD_ARGUMENTS, type ArgumentValue, type PasswordArguments } from './random-password';

/**
 * Which change of a resolved generated key rotates its password (the random_password facts are in
 * random-password.ts; the replace rules are ../shared/tofu/replacement.json's "random_password").
 */

/** The key's arguments with every unset one at the provider's value: what the provider plans with. */
export function effectiveArguments(password: PasswordArguments): Readonly<Record<string, ArgumentValue | null>> {
  return Object.fromEntries(PASSWORD_ARGUMENTS.map((a) => [a.argument, password[a.option] ?? a.unset]));
}

/**
 * The random_password `keepers` of a key. Per replacement.json, a keeper replaces the password
 * when a non-null value changes, a non-null key is added, or a key present in state is removed
 * (RequiresReplaceIfValuesNotNull). So rotation 0 renders no keepers at all: a `rotation = "0"`
 * keeper added to an existing password would itself rotate it. N >= 1 renders `{ rotation = "N" }`.
 */
export function keepersOf(key: Pick<GeneratedKeyModel, 'rotation'>): Readonly<Record<string, string>> | undefined {
  return key.rotation > 0 ? { rotation: String(key.rotation) } : undefined;
}

/**
 * The rotation counter a rendered `keepers` argument holds (keepersOf read back): 0 for none.
 * Undefined when the keepers are not joinkey's counter (hand-written, or not known from the files).
 */
export function rotationOfKeepers(keepers: unknown): number | undefined {
  if (keepers === undefined || keepers === null) return 0;
  if (typeof keepers !== 'object' || Array.isArray(keepers)) return undefined;
  const entries = Object.entries(keepers as Record<string, unknown>);
  if (entries.length !== 1 || entries[0]![0] !== 'rotation' || typeof entries[0]![1] !== 'string' || !/^[1-9][0-9]*$/.test(entries[0]![1])) return undefined;
  return Number(entries[0]![1]);
}

/** The one rule of acknowledging a rotation: the key's counter went up in the same change. */
export const rotationAcknowledged = (before: number, after: number): boolean => after > before;

/** One generated key whose password a change replaces: the next apply writes a new value to kv. */
export interface KeyRotation {
  readonly key: string;
  /** The random_password arguments that change (effective values, plus `keepers`), sorted. */
  readonly changed: readonly string[];
  /** apps.yaml acknowledges it: the key's `rotation` counter went up. */
  readonly acknowledged: boolean;
}

/**
 * The keys of a secret that `next` rotates compared with `previous` (the same secret of the same
 * app, before and after an apps.yaml edit). Every random_password argument forces replacement, so
 * any change of an effective argument or of the keepers rotates; setting an argument to the value
 * the provider already used does not. Keys in only one of the two are created or destroyed, not
 * rotated, and are not listed. Pure; sorted by key.
 */
export function secretRotations(previous: SecretModel, next: SecretModel): KeyRotation[] {
  const before = new Map(previous.generated.map((k) => [k.name, k]));
  const rotations: KeyRotation[] = [];
  for (const key of next.generated) {
    const old = before.get(key.name);
    if (!old) continue;
    const was = effectiveArguments(old.password);
    const now = effectiveArguments(key.password);
    const changed = Object.keys(now).filter((arg) => was[arg] !== now[arg]);
    if (keepersOf(old)?.rotation !== keepersOf(key)?.rotation) changed.push('keepers');
    if (changed.length) rotations.push({ key: key.name, changed: changed.sort(), acknowledged: rotationAcknowledged(old.rotation, key.rotation) });
  }
  return rotations.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** True when every rotation from `previous` to `next` is acknowledged by a raised `rotation` counter (also when nothing rotates). */
export function rotationsAcknowledged(previous: SecretModel, next: SecretModel): boolean {
  return secretRotations(previous, next).every((r) => r.acknowledged);
}
