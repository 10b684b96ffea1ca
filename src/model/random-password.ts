/**
 * The random_password behind each generated key: the provider's arguments with their defaults and
 * limits. Facts are from
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

export type ArgumentValue = number | boolean | string;

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
