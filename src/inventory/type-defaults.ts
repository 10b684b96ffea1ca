/**
 * The defaults of `optional()` attributes in a variable's type constraint, applied as tofu does
 * when it converts a value to the type (OpenTofu "Optional Object Type Attributes"): an attribute
 * the object type does not declare is dropped; an optional attribute that is missing or null
 * takes its default, or null without one, at any depth of
 * objects inside maps, lists, sets and objects; a default is itself converted to the attribute's
 * type. The type comes as hcl2json gives it, the expression text `${map(object({...}))}`. Pure;
 * a type or default this reader does not understand leaves the value as it is.
 */

type TypeNode =
  | { readonly kind: 'object'; readonly attrs: ReadonlyMap<string, Attribute> }
  | { readonly kind: 'collection'; readonly of: TypeNode }
  | { readonly kind: 'other' };

interface Attribute {
  readonly type: TypeNode;
  readonly optional: boolean;
  readonly default?: unknown;
}

/** `value` converted to the type `typeText` declares, as far as optional defaults go. */
export function withTypeDefaults(value: unknown, typeText: unknown): unknown {
  if (typeof typeText !== 'string' || !typeText.includes('optional(')) return value;
  if (!parsed.has(typeText)) {
    const m = /^\$\{([\s\S]*)\}$/.exec(typeText.trim());
    parsed.set(typeText, m ? parseType(m[1]!) : undefined);
  }
  const type = parsed.get(typeText);
  return type ? convert(value, type) : value;
}

/** Type text -> its reading: a module called once per for_each key converts the same types again and again. */
const parsed = new Map<string, TypeNode | undefined>();

function convert(value: unknown, type: TypeNode): unknown {
  if (type.kind === 'collection') {
    if (Array.isArray(value)) return value.map((v) => convert(v, type.of));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, type.of)]));
    return value;
  }
  if (type.kind !== 'object' || !isPlainObject(value)) return value;
  // attributes the type does not declare are dropped (the guidebook's ops_policies gotcha)
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(value).filter(([k]) => type.attrs.has(k)));
  for (const [name, attr] of type.attrs) {
    const v = out[name];
    if (v === undefined || v === null) {
      if (attr.optional) out[name] = Object.hasOwn(attr, 'default') && attr.default !== null ? convert(attr.default, attr.type) : null;
    } else out[name] = convert(v, attr.type);
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A recursive-descent reader of type constraints and literal defaults; undefined on anything else. */
function parseType(text: string): TypeNode | undefined {
  let at = 0;
  const space = () => {
    while (at < text.length && /[\s,]/.test(text[at]!)) at++;
  };
  const eat = (s: string) => {
    space();
    if (!text.startsWith(s, at)) throw new Error(s);
    at += s.length;
  };
  const ident = () => {
    space();
    const m = /^[A-Za-z_][\w-]*/.exec(text.slice(at));
    if (!m) throw new Error('ident');
    at += m[0].length;
    return m[0];
  };
  const peek = (s: string) => {
    space();
    return text.startsWith(s, at);
  };
  const type = (): TypeNode => {
    const name = ident();
    if (name === 'object') {
      eat('(');
      eat('{');
      const attrs = new Map<string, Attribute>();
      while (!peek('}')) {
        const key = peek('"') ? (literal() as string) : ident();
        eat('=');
        attrs.set(key, attribute());
      }
      eat('}');
      eat(')');
      return { kind: 'object', attrs };
    }
    if (name === 'map' || name === 'list' || name === 'set') {
      eat('(');
      const of = type();
      eat(')');
      return { kind: 'collection', of };
    }
    if (name === 'tuple') throw new Error('tuple');
    return { kind: 'other' };
  };
  const attribute = (): Attribute => {
    space();
    if (!/^optional\s*\(/.test(text.slice(at))) return { type: type(), optional: false };
    ident();
    eat('(');
    const t = type();
    if (peek(')')) {
      eat(')');
      return { type: t, optional: true };
    }
    const d = literal();
    eat(')');
    return { type: t, optional: true, default: d };
  };
  const literal = (): unknown => {
    space();
    const rest = text.slice(at);
    const str = /^"((?:[^"\\$]|\\.|\$(?!\{))*)"/.exec(rest);
    if (str) {
      at += str[0].length;
      return JSON.parse(`"${str[1]!}"`) as string;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.])/.exec(rest);
    if (num) {
      at += num[0].length;
      return Number(num[0]);
    }
    const word = /^(true|false|null)(?![\w-])/.exec(rest);
    if (word) {
      at += word[0].length;
      return word[1] === 'null' ? null : word[1] === 'true';
    }
    if (peek('[')) {
      eat('[');
      const items: unknown[] = [];
      while (!peek(']')) items.push(literal());
      eat(']');
      return items;
    }
    if (peek('{')) {
      eat('{');
      const obj: Record<string, unknown> = {};
      while (!peek('}')) {
        const key = peek('"') ? (literal() as string) : ident();
        space();
        if (text[at] !== '=' && text[at] !== ':') throw new Error('=');
        at++;
        obj[key] = literal();
      }
      eat('}');
      return obj;
    }
    throw new Error('literal');
  };
  try {
    const t = type();
    space();
    return at === text.length ? t : undefined;
  } catch {
    return undefined;
  }
}
