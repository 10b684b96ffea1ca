/**
 * Vault policy path globs, as Vault's policies.mdx defines them: a `*` is allowed only as the last
 * character and matches any suffix (a prefix match, crossing "/"); a `+` segment matches exactly
 * one path segment (any characters but "/"). Everything else is literal.
 */

/** A concrete path, or every path that starts with `prefix` (a "space", e.g. `kvv2/data/web/`). */
export type Resource = { readonly kind: 'exact'; readonly path: string } | { readonly kind: 'space'; readonly prefix: string };

/** True when the glob pattern matches the concrete path. */
export function globMatches(pattern: string, path: string): boolean {
  return matchFrom(pattern, 0, path, 0, false);
}

/** True when the pattern matches at least one path of the resource. */
export function globIntersects(pattern: string, resource: Resource): boolean {
  return resource.kind === 'exact' ? globMatches(pattern, resource.path) : matchFrom(pattern, 0, resource.prefix, 0, true);
}

/**
 * Walks pattern and text together. With `open`, the text is only a prefix of the candidate path,
 * which may continue with anything: reaching the end of the text means some continuation matches.
 */
function matchFrom(p: string, i: number, t: string, j: number, open: boolean): boolean {
  while (i < p.length) {
    const c = p[i]!;
    if (c === '*' && i === p.length - 1) return true;
    if (c === '+' && (i === 0 || p[i - 1] === '/') && (i + 1 === p.length || p[i + 1] === '/')) {
      // one whole segment: consume the text up to the next "/"
      let k = j;
      while (k < t.length && t[k] !== '/') k++;
      if (k === t.length && open) return true;
      if (k === j) return false;
      i += 1;
      j = k;
      continue;
    }
    if (j === t.length) return open;
    if (t[j] !== c) return false;
    i++;
    j++;
  }
  return j === t.length;
}

/** The literal text before the first glob character: every matching path starts with it. */
export function literalPrefix(pattern: string): string {
  let end = pattern.length;
  const star = pattern.endsWith('*') ? pattern.length - 1 : pattern.length;
  end = Math.min(end, star);
  const plus = pattern.search(/(^|\/)\+(\/|$)/);
  if (plus >= 0) end = Math.min(end, plus === 0 && pattern[0] === '+' ? 0 : plus + 1);
  return pattern.slice(0, end);
}

/**
 * The resources a policy pattern of the owner stands for: `L/*` owns the space `L/`; `L*` owns
 * the exact path `L` and the space `L/` (the object and anything below it, not names that merely
 * start with L); a pattern without a glob owns that exact path.
 */
export function ownedResources(pattern: string): Resource[] {
  if (pattern.endsWith('/*')) return [{ kind: 'space', prefix: pattern.slice(0, -1) }];
  if (pattern.endsWith('*')) {
    const base = pattern.slice(0, -1);
    return [
      { kind: 'exact', path: base },
      { kind: 'space', prefix: `${base}/` },
    ];
  }
  return [{ kind: 'exact', path: pattern }];
}

export interface OwnedResource<O> {
  readonly owner: O;
  readonly resource: Resource;
}

/**
 * All resources of all owners, indexed so that one pattern finds every resource it intersects
 * without scanning the rest: resources are sorted by their key (exact path or space prefix), a
 * pattern's candidates are the keys that start with its literal prefix (a binary search, then a
 * neighbour scan) plus the spaces whose prefix is a prefix of that literal (at most one lookup per
 * "/" in it). Every candidate is then confirmed with the full glob semantics.
 */
export class ResourceIndex<O> {
  private readonly sorted: { key: string; item: OwnedResource<O> }[];
  private readonly spaces = new Map<string, OwnedResource<O>[]>();

  constructor(items: Iterable<OwnedResource<O>>) {
    this.sorted = [];
    for (const item of items) {
      const key = item.resource.kind === 'exact' ? item.resource.path : item.resource.prefix;
      this.sorted.push({ key, item });
      if (item.resource.kind === 'space') {
        const list = this.spaces.get(key) ?? [];
        list.push(item);
        this.spaces.set(key, list);
      }
    }
    this.sorted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Every resource the pattern matches at least one path of. */
  intersecting(pattern: string): OwnedResource<O>[] {
    const lit = literalPrefix(pattern);
    const found: OwnedResource<O>[] = [];
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.key < lit) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < this.sorted.length && this.sorted[k]!.key.startsWith(lit); k++) {
      const { item } = this.sorted[k]!;
      if (globIntersects(pattern, item.resource)) found.push(item);
    }
    // spaces strictly shorter than the literal that contain it
    for (let s = lit.indexOf('/'); s >= 0 && s < lit.length - 1; s = lit.indexOf('/', s + 1)) {
      for (const item of this.spaces.get(lit.slice(0, s + 1)) ?? []) {
        if (globIntersects(pattern, item.resource)) found.push(item);
      }
    }
    return found;
  }
}
