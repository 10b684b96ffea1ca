import { CORE_SCHEMA, defineMappingTag, load } from 'js-yaml';
import { MAX_NESTING } from './source';

/**
 * The fast path for reading apps.yaml: js-yaml 5 with its CORE_SCHEMA (YAML 1.2 core), many times
 * faster than `yaml`'s parseDocument on a large file (bench/yaml-parsers.md). It keeps no
 * positions, so it only reads files that are fine as YAML; for anything else it returns
 * `undefined` and the loader reads the text with `yaml` (source.ts), which positions every
 * problem. Whatever it returns, the loader's `yaml` path reads into a deep-equal value;
 * test/config-plain-yaml.test.ts checks that property on generated documents. So the data, and
 * every error message and position, are the same on both paths.
 *
 * Left to `yaml`, which reports or bounds them: keys that are not strings (js-yaml would turn
 * `0x1f:` into "31"), anchors, tags and aliases, nesting deeper than MAX_NESTING, and text `yaml`
 * reads differently or reports (control characters, a byte order mark, CR line ends). Mappings are built without a
 * prototype, so `__proto__` and `constructor` are names like any other.
 */

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** Printable ASCII, newline, and BMP text without C1 controls, surrogates, U+2028/2029, BOM or U+FFFE/F. */
const ALLOWED_TEXT = /^[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;

/** An anchor, tag or alias where a node starts: js-yaml accepts some that `yaml` rejects (`&a{}`). */
const NODE_PROPERTY = /(?:^|[\s[{,])[&!*]/;

/** YAML mappings as objects without a prototype, with string keys only (anything else fails the load). */
const nameMap = defineMappingTag<Record<string, unknown>>('tag:yaml.org,2002:map', {
  create: () => Object.create(null) as Record<string, unknown>,
  addPair: (map, key, value) => {
    if (typeof key !== 'string') return 'a key that is not a string';
    map[key] = value;
    return '';
  },
  has: (map, key) => typeof key === 'string' && key in map,
  keys: (map) => Object.keys(map),
  get: (map, key) => (typeof key === 'string' && key in map ? map[key] : null),
  identify: () => false,
});

const SCHEMA = CORE_SCHEMA.withTags(nameMap);

/** The data of `text` when it is a YAML mapping the fast path reads exactly as `yaml` would, else undefined. */
export function parsePlainYaml(text: string): { [k: string]: Value } | undefined {
  if (!ALLOWED_TEXT.test(text) || NODE_PROPERTY.test(text)) return undefined;
  let data: unknown;
  try {
    data = load(text, { schema: SCHEMA, maxDepth: MAX_NESTING, maxAliases: 0 });
  } catch {
    return undefined;
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as { [k: string]: Value }) : undefined;
}
