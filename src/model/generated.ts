import type { GeneratedKeyModel, SecretModel } from './model';

/**
 * The random_password behind each generated key: the provider's arguments with their defaults and
 * limits, and which change of a resolved key rotates its password. Facts are from
 * hashicorp/terraform-provider-random v3.9.0 (../shared/tofu/SOURCE.md):
 * internal/provider/resource_password.go (passwordSchemaV3) and internal/random/string.go
 * (CreateString); the replace rules are ../shared/tofu/replacement.json's "random_password". A leaf
 * module: apps.yaml's schema and rules, the resolver, tofu-gen and the live-safety guard all read
 * these definitions.
 */

/** The character-set options of a generated key, as apps.yaml spells them. */
export interface PasswordCharset {
  readonly special?: boolean;
  readonly upper?: boolean;
  readonly lower?: boolean;
  readonly numeric?: boolean;
  readonly minUpper?: number;
  readonly minLower?: number;
  readonly minNumeric?: number;
  readonly minSpecial?: number;
  readonly overrideSpecial?: string;
}

/** The random_password arguments of one key: length and special always, the others as apps.yaml sets them. */
export interface PasswordArguments extends PasswordCharset {
  readonly length: number;
  readonly special: boolean;
}

type ArgumentValue = number | boolean | string;

/**
 * apps.yaml option -> random_password argument, in the order tofu-gen writes them, with the value
 * the provider uses when the argument is not set (`special`, `upper`, `lower` and `min_*` have a
 * schema Default; `numeric` is computed from the deprecated `number`, default true;
 * `override_special` unset means the built-in set). Setting an argument to its default is no change.
 */
export const PASSWORD_ARGUMENTS: readonly { readonly option: keyof PasswordArguments; readonly argument: string; readonly unset: ArgumentValue | null }[] = [
  { option: 'length', argument: 'length', unset: null },
  { option: 'special', argument: 'special', unset: true },
  { option: 'upper', argument: 'upper', unset: true },
  { option: 'lower', argument: 'lower', unset: true },
  { option: 'numeric', argument: 'numeric', unset: true },
  { option: 'minUpper', argument: 'min_upper', unset: 0 },
  { option: 'minLower', argument: 'min_lower', unset: 0 },
  { option: 'minNumeric', argument: 'min_numeric', unset: 0 },
  { option: 'minSpecial', argument: 'min_special', unset: 0 },
  { option: 'overrideSpecial', argument: 'override_special', unset: null },
];

/** The options a `generate:` item may set: the random_password arguments, then the rotation counter. */
export const GENERATE_OPTIONS: readonly string[] = [...PASSWORD_ARGUMENTS.map((a) => a.option), 'rotation'];

/**
 * Each character class with its switch and its minimum. CreateString draws every minimum from its
 * class whether or not the class is switched on, so a minimum on a class that is off contradicts it.
 */
export const CHARACTER_CLASSES = [
  { name: 'special', switch: 'special', min: 'minSpecial' },
  { name: 'upper-case', switch: 'upper', min: 'minUpper' },
  { name: 'lower-case', switch: 'lower', min: 'minLower' },
  { name: 'numeric', switch: 'numeric', min: 'minNumeric' },
] as const satisfies readonly { name: string; switch: keyof PasswordCharset; min: keyof PasswordCharset }[];

/** The provider's own limit is length >= 1 (and >= the sum of the minimums); joinkey caps it like a secret's `length`. */
export const PASSWORD_LENGTH_MIN = 1;
export const PASSWORD_LENGTH_MAX = 1024;
/**
 * override_special: printable ASCII punctuation. CreateString picks characters byte by byte
 * (`charSet[idx]`), so a non-ASCII character would yield bytes that are not UTF-8; a letter, digit
 * or space is not a special character.
 */
export const OVERRIDE_SPECIAL = /^[!-/:-@[-`{-~]+$/;

/** What every generated key is written to kv as: `base64encode(result)`, as the guidebook's IaC does. */
export const KV_ENCODING = 'base64' as const;

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
    if (changed.length) rotations.push({ key: key.name, changed: changed.sort(), acknowledged: key.rotation > old.rotation });
  }
  return rotations.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** True when every rotation from `previous` to `next` is acknowledged by a raised `rotation` counter (also when nothing rotates). */
export function rotationsAcknowledged(previous: SecretModel, next: SecretModel): boolean {
  return secretRotations(previous, next).every((r) => r.acknowledged);
}
