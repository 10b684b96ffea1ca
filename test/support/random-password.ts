import { randomInt } from 'node:crypto';

/**
 * Test doubles for what happens to a generated key after joinkey: how OpenTofu reads the
 * arguments of one random_password instance from hcl2json's form of the rendered file, how the
 * provider draws the password (hashicorp/terraform-provider-random v3.9.0
 * internal/random/string.go, CreateString), and what HCL's base64encode writes.
 */

type Body = Record<string, unknown>;
export type InstanceArguments = Readonly<Record<string, unknown>>;

/** The for_each keys of a random_password block: a `${toset([...])}` or a map of per-key objects. */
export function forEachKeys(resource: Body): string[] {
  const forEach = resource.for_each;
  if (typeof forEach === 'string') {
    const m = /^\$\{toset\((\[.*\])\)\}$/.exec(forEach);
    if (!m) throw new Error(`for_each is not toset([...]): ${forEach}`);
    return JSON.parse(m[1]!) as string[];
  }
  if (typeof forEach === 'object' && forEach !== null) return Object.keys(forEach);
  throw new Error('no for_each');
}

/**
 * The arguments instance `key` gets: literals as written, `${each.value.<name>}` from the key's
 * for_each entry. A null value is an unset argument, so it is left out.
 */
export function instanceArguments(resource: Body, key: string): InstanceArguments {
  if (!forEachKeys(resource).includes(key)) throw new Error(`no instance ${key}`);
  const entry = typeof resource.for_each === 'object' ? (resource.for_each as Record<string, Body>)[key]! : undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) {
    if (name === 'for_each') continue;
    const ref = typeof value === 'string' ? /^\$\{each\.value\.([a-z_]+)\}$/.exec(value) : null;
    const v = ref ? entry?.[ref[1]!] : value;
    if (ref && (entry === undefined || !(ref[1]! in entry))) throw new Error(`each.value.${ref[1]} is not in the for_each entry of ${key}`);
    if (v !== null && v !== undefined) out[name] = literal(v);
  }
  return out;
}

/** hcl2json writes a literal `${` / `%{` in Terraform's JSON syntax, `$${` / `%%{`: back to the string itself. */
function literal(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return v;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const NUMERIC = '0123456789';
const SPECIAL = '!@#$%&*()-_=+[]{}<>:?';

/** The characters CreateString chooses from, with the provider's defaults for unset arguments. */
export function characterSet(args: InstanceArguments): string {
  const on = (name: string) => args[name] === undefined || args[name] === true;
  return (
    (on('upper') ? UPPER : '') +
    (on('lower') ? LOWER : '') +
    (on('numeric') ? NUMERIC : '') +
    (on('special') ? (typeof args.override_special === 'string' && args.override_special !== '' ? args.override_special : SPECIAL) : '')
  );
}

/** A password as CreateString draws it: the minimums from their classes, the rest from the set, shuffled; byte by byte. */
export function drawPassword(args: InstanceArguments): string {
  const special = typeof args.override_special === 'string' && args.override_special !== '' ? args.override_special : SPECIAL;
  const pick = (set: string, n: number) => Array.from({ length: n }, () => set[randomInt(set.length)]!);
  const min = (name: string) => (typeof args[name] === 'number' ? args[name] : 0);
  const chars = [
    ...pick(NUMERIC, min('min_numeric')),
    ...pick(LOWER, min('min_lower')),
    ...pick(UPPER, min('min_upper')),
    ...pick(special, min('min_special')),
  ];
  chars.push(...pick(characterSet(args), (args.length as number) - chars.length));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** HCL's base64encode: the UTF-8 bytes of the string, standard base64 with padding. */
export const base64encode = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * Elixir's Base.decode64/1 (strict: standard alphabet, padding required): the bytes, or
 * undefined where it returns :error.
 */
export function decode64(s: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : undefined;
}
