import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JoinkeyError } from '../errors';
import { packageRoot } from '../util/package-root';

/**
 * Which argument changes force a replacement, per resource type, from the providers' own source.
 * The facts come from ../shared/tofu/replacement.json (provider code at the versions in
 * ../shared/tofu/SOURCE.md: vault v5.11.0 fcb48e9, random v3.9.0 f8d869d, postgresql v1.26.0
 * 450ce85) and ../shared/design/live-objects.md; scripts/extract-replacement.mjs copies what this
 * module needs into schemas/tofu-replacement.json, which is committed so a clone without ../shared
 * works. The rules that need code (conditional replacement, unset Optional+Computed arguments,
 * namespace) are below, each with its source.
 */

export type Args = Readonly<Record<string, unknown>>;

/** What the comparison needs to know about one argument (from provider-schemas.json). */
export interface ArgumentFacts {
  /** The SDK schema Default, applied by OpenTofu when the argument is unset. */
  readonly default?: unknown;
  /** Optional+Computed: when unset, the provider's value in state is kept. */
  readonly computed?: true;
  /** A set: element order is no change. */
  readonly set?: true;
  /** A nested block, not an argument. */
  readonly block?: true;
}

export interface ResourceRules {
  readonly replace_on: readonly string[];
  readonly in_place: readonly string[];
  readonly conditional: Readonly<Record<string, string>>;
  readonly destroy_effect: string;
  readonly import_id: string;
  readonly source: string;
  readonly arguments: Readonly<Record<string, ArgumentFacts>>;
}

export interface ReplacementTable {
  readonly providers: Readonly<Record<string, string>>;
  readonly resources: Readonly<Record<string, ResourceRules>>;
}

export const REPLACEMENT_TABLE_FILE = 'schemas/tofu-replacement.json';

/** Reads the committed extract from the package root. */
export function loadReplacementTable(root: string = packageRoot()): ReplacementTable {
  const file = join(root, REPLACEMENT_TABLE_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReplacementTable;
  } catch (e) {
    throw new JoinkeyError(`cannot read the replacement table ${file} (${(e as Error).message}); run node scripts/extract-replacement.mjs`);
  }
}

let loaded: ReplacementTable | undefined;

/** The package's table, read once on first use. */
export function replacementTable(): ReplacementTable {
  loaded ??= loadReplacementTable();
  return loaded;
}

/**
 * OpenTofu's meta-arguments and meta-blocks: not provider arguments. `for_each`/`count` change
 * addresses (handled by the change plan), the others change no remote object.
 */
export const META_ARGUMENTS: ReadonlySet<string> = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

export type ChangeEffect = 'none' | 'update' | 'replace';

export interface ArgumentChange {
  readonly argument: string;
  readonly effect: 'update' | 'replace';
  /** Why, with the source of the rule. */
  readonly rule: string;
}

export interface ChangeResult {
  readonly effect: ChangeEffect;
  /** The arguments that cause the effect: the replacing ones for a replace, the changed ones for an update. */
  readonly arguments: readonly string[];
  /** Every changed argument with its own effect and rule. */
  readonly changes: readonly ArgumentChange[];
}

const RULE = {
  forceNew: (type: string, rules: ResourceRules) => `forces replacement (${rules.source}; ${type} replace_on)`,
  inPlace: (rules: ResourceRules) => `updated in place (${rules.source})`,
  unknownType: 'type not in the replacement table (schemas/tofu-replacement.json): assumed to force replacement',
  unknownArgument: 'argument not in the replacement table for this type: assumed to force replacement',
  // live-objects.md "Rules that apply everywhere": namespace is ForceNew on every vault resource,
  // added by UpdateSchemaResource (vault/provider.go L859-862, internal/provider/schema_util.go L106-116).
  vaultNamespace:
    'namespace is ForceNew on every vault resource (terraform-provider-vault vault/provider.go L859-862, internal/provider/schema_util.go L106-116)',
  // live-objects.md: "Optional+Computed ForceNew arguments never replace when left unset. They
  // replace when set to a value that differs from state."
  unknownState:
    'set where it was unset: Optional+Computed, so state holds the value the provider read, which this plan cannot see; replaces unless it is exactly that value (live-objects.md "Rules that apply everywhere")',
  keepers:
    'a keepers value that is not null changed, was added, or a key in state was removed (random v3.9.0 internal/planmodifiers/map/mapplanmodifiers.go L12-98, RequiresReplaceIfValuesNotNull)',
  keepersNullOnly: 'only keys whose value is null changed: no replacement (random v3.9.0 mapplanmodifiers.go L12-98)',
  overrideSpecialEmptyToNull:
    '"" -> null is the one in-place change (random v3.9.0 internal/planmodifiers/string/stringplanmodifier.go, RequiresReplaceUnlessEmptyStringToNull)',
  overrideSpecial: 'any change except "" -> null replaces (random v3.9.0 RequiresReplaceUnlessEmptyStringToNull, resource_password.go L708-720)',
  numberNumeric:
    'number and numeric are kept in sync and default to true when both are unset (random v3.9.0 boolplanmodifiers.NumberNumericAttributePlanModifier; resource_password.go L628-666 RequiresReplace)',
} as const;

/**
 * Values the provider's Read puts in state for an unset Optional+Computed argument, where the
 * source says so: postgresql_database Read sets template to "template0" when it is empty
 * (resource_postgresql_database.go L367-371, replacement.json conditional.template).
 */
const STATE_WHEN_UNSET: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  postgresql_database: { template: 'template0' },
};

const isUnset = (v: unknown): boolean => v === undefined || v === null;

/** Canonical text of a value: object keys sorted; with `asSet`, list order and duplicates ignored. */
export function canonicalValue(value: unknown, asSet = false): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => canonicalValue(v));
    return `[${(asSet ? [...new Set(items)].sort() : items).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalValue(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * random_password keepers, exactly as RequiresReplaceIfValuesNotNull decides (random v3.9.0
 * internal/planmodifiers/map/mapplanmodifiers.go L12-98): with a null map in state, replace when
 * the config has any non-null value; otherwise replace when a config key is new with a non-null
 * value or differs from its state value (null included), or a state key is gone from the config.
 */
export function keepersForceReplacement(state: unknown, config: unknown): boolean {
  const stateMap = isUnset(state) ? undefined : (state as Record<string, unknown>);
  const configMap = isUnset(config) ? {} : (config as Record<string, unknown>);
  if (stateMap !== undefined && isUnset(config) && Object.keys(stateMap).length === 0) return false;
  if (stateMap === undefined) return Object.values(configMap).some((v) => !isUnset(v));
  for (const [key, value] of Object.entries(configMap)) {
    const inState = Object.hasOwn(stateMap, key);
    if (!inState && isUnset(value)) continue;
    if (inState && canonicalValue(value) === canonicalValue(stateMap[key])) continue;
    return true;
  }
  return Object.keys(stateMap).some((key) => !Object.hasOwn(configMap, key));
}

/**
 * The effect on the live object of changing a resource's arguments from `before` (what the base
 * branch declares, standing for state) to `after`, with the arguments that cause it.
 */
export function effectOfChange(type: string, before: Args, after: Args, table: ReplacementTable = replacementTable()): ChangeResult {
  const rules = table.resources[type];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((n) => !META_ARGUMENTS.has(n)).sort();
  const changes: ArgumentChange[] = [];
  const add = (argument: string, effect: 'update' | 'replace', rule: string) => changes.push({ argument, effect, rule });

  if (type === 'random_password' && rules) {
    // numeric and its deprecated twin number are one value.
    const effective = (a: Args) => (isUnset(a.numeric) ? (isUnset(a.number) ? true : a.number) : a.numeric);
    if (effective(before) !== effective(after)) {
      for (const n of ['number', 'numeric']) if (canonicalValue(before[n]) !== canonicalValue(after[n])) add(n, 'replace', RULE.numberNumeric);
    }
  }

  for (const name of names) {
    if (type === 'random_password' && rules && (name === 'number' || name === 'numeric')) continue;
    const b = before[name];
    const a = after[name];
    if (!rules) {
      if (canonicalValue(b) === canonicalValue(a)) continue;
      add(name, 'replace', type.startsWith('vault_') && name === 'namespace' ? RULE.vaultNamespace : RULE.unknownType);
      continue;
    }
    const facts = rules.arguments[name];
    const forceNew = rules.replace_on.includes(name);
    if (!facts) {
      if (canonicalValue(b) !== canonicalValue(a))
        add(name, 'replace', type.startsWith('vault_') && name === 'namespace' ? RULE.vaultNamespace : RULE.unknownArgument);
      continue;
    }
    if (type === 'random_password' && name === 'keepers') {
      if (canonicalValue(b ?? null) === canonicalValue(a ?? null)) continue;
      if (keepersForceReplacement(b, a)) add(name, 'replace', RULE.keepers);
      else add(name, 'update', RULE.keepersNullOnly);
      continue;
    }
    if (type === 'random_password' && name === 'override_special') {
      if (canonicalValue(b ?? null) === canonicalValue(a ?? null)) continue;
      if (b === '' && isUnset(a)) add(name, 'update', RULE.overrideSpecialEmptyToNull);
      else add(name, 'replace', RULE.overrideSpecial);
      continue;
    }
    // An unset Optional+Computed argument without a default keeps the value in state: never a change.
    if (isUnset(a) && facts.computed && facts.default === undefined) continue;
    const fromState = STATE_WHEN_UNSET[type]?.[name];
    let stateValue: unknown = isUnset(b) ? (facts.default ?? fromState ?? null) : b;
    if (isUnset(b) && facts.computed && facts.default === undefined && fromState === undefined) stateValue = undefined;
    if (stateValue === undefined) {
      add(name, forceNew ? 'replace' : 'update', forceNew ? RULE.unknownState : RULE.inPlace(rules));
      continue;
    }
    const configValue = isUnset(a) ? (facts.default ?? null) : a;
    if (canonicalValue(stateValue, facts.set) === canonicalValue(configValue, facts.set)) continue;
    add(name, forceNew ? 'replace' : 'update', forceNew ? RULE.forceNew(type, rules) : RULE.inPlace(rules));
  }

  changes.sort((x, y) => (x.argument < y.argument ? -1 : x.argument > y.argument ? 1 : 0));
  const replacing = changes.filter((c) => c.effect === 'replace').map((c) => c.argument);
  if (replacing.length > 0) return { effect: 'replace', arguments: replacing, changes };
  if (changes.length > 0) return { effect: 'update', arguments: changes.map((c) => c.argument), changes };
  return { effect: 'none', arguments: [], changes };
}
