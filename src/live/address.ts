/**
 * OpenTofu resource addresses as strings: `[module.<call>[<key>].]...<type>.<name>[<key>]`
 * (opentofu website/docs/language/resources/syntax.mdx; refactoring.mdx for the move forms).
 */

const TRAILING_KEY = /\[(?:"(?:[^"\\]|\\.)*"|\d+)\]$/;
const MODULE_CALL = /(?:^|\.)module\.[A-Za-z_][\w-]*(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?$/;

/** The instance key of an address (`["a"]`, `[0]`), or '' without one. */
export function instanceKey(address: string): string {
  return TRAILING_KEY.exec(address)?.[0] ?? '';
}

/** The first string instance key of an address (`module.app_policy["erp"].vault_policy.app` gives `erp`): what a central map keys its entries by. */
export function firstStringKey(address: string): string | undefined {
  const quoted = /\["((?:[^"\\]|\\.)*)"\]/.exec(address)?.[1];
  return quoted === undefined ? undefined : (JSON.parse(`"${quoted}"`) as string);
}

/** The address without its instance key: the resource (or module call) it is an instance of. */
export function withoutKey(address: string): string {
  return address.slice(0, address.length - instanceKey(address).length);
}

/** The address with every instance key gone, module calls' included: which block declares it. */
export function withoutKeys(address: string): string {
  return address.replace(/\["(?:[^"\\]|\\.)*"\]|\[\d+\]/g, '');
}

/** The module path before `<type>.<name>` (`module.a["x"].`), '' in the root module. */
export function modulePrefix(address: string, type: string): string {
  const at = withoutKey(address).lastIndexOf(`${type}.`);
  return at > 0 ? address.slice(0, at) : '';
}

/** `<type>.<name>`: how resources of the same module refer to it. */
export function localReference(address: string, type: string): string {
  return withoutKey(address).slice(modulePrefix(address, type).length);
}

export interface MoveBlock {
  readonly from: string;
  readonly to: string;
}

/**
 * Where the object at `address` lives after the `moved` blocks, as OpenTofu reads them
 * (refactoring.mdx): `from` naming the instance itself; a resource or module call without a key,
 * which moves every instance and keeps its key (`a` -> `b`, `a["k"]` -> `b["k"]`); a module call
 * moves everything under it. Chains (a -> b, b -> c) are followed.
 */
export function movedAddress(address: string, moves: readonly MoveBlock[]): string {
  let current = address;
  for (let step = 0; step <= moves.length; step++) {
    const next = moveOnce(current, moves);
    if (next === current) return current;
    current = next;
  }
  return current;
}

function moveOnce(address: string, moves: readonly MoveBlock[]): string {
  for (const { from, to } of moves) {
    if (address === from) return to;
    if (instanceKey(from) === '' && instanceKey(to) === '' && address.startsWith(`${from}[`) && instanceKey(address) === address.slice(from.length)) {
      return to + address.slice(from.length);
    }
    if (MODULE_CALL.test(from)) {
      if (address.startsWith(`${from}.`)) return to + address.slice(from.length);
      if (instanceKey(from) === '' && instanceKey(to) === '' && address.startsWith(`${from}[`)) return to + address.slice(from.length);
    }
  }
  return address;
}

/** Whether `address` is `from` or an instance or a descendant of it (a `removed` block's reach). */
export function coveredBy(address: string, from: string): boolean {
  return (
    address === from ||
    (address.startsWith(`${from}[`) && instanceKey(address) === address.slice(from.length)) ||
    (MODULE_CALL.test(from) && (address.startsWith(`${from}.`) || address.startsWith(`${from}[`)))
  );
}
