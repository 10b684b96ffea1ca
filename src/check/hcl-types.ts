/**
 * OpenTofu type constraints as variables.tf writes them (`map(object({ a = optional(list(string), []) }))`),
 * parsed into a tree, and a conformance check of a JSON value (what hcl2json gives for tfvars and
 * module arguments) against it, the way OpenTofu converts values.
 */

export type HclType =
  | { readonly t: 'any' | 'string' | 'number' | 'bool' }
  | { readonly t: 'list' | 'set' | 'map'; readonly of: HclType }
  | { readonly t: 'tuple'; readonly items: readonly HclType[] }
  | { readonly t: 'object'; readonly attrs: ReadonlyMap<string, { readonly type: HclType; readonly optional: boolean }> };

export class HclTypeSyntaxError extends Error {}

/** Parses a type expression; hcl2json's `${...}` wrapper is accepted. */
export function parseHclType(text: string): HclType {
  let s = text.trim();
  if (s.startsWith('${') && s.endsWith('}')) s = s.slice(2, -1);
  const p = new Parser(s);
  const type = p.type();
  p.ws();
  if (!p.done()) throw new HclTypeSyntaxError(`unexpected "${s.slice(p.i, p.i + 10)}" in type ${s}`);
  return type;
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}
  done(): boolean {
    return this.i >= this.s.length;
  }
  ws(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s.startsWith('#', this.i) || this.s.startsWith('//', this.i)) {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
        continue;
      }
      if (this.s.startsWith('/*', this.i)) {
        const end = this.s.indexOf('*/', this.i + 2);
        this.i = end < 0 ? this.s.length : end + 2;
        continue;
      }
      return;
    }
  }
  eat(c: string): void {
    this.ws();
    if (this.s[this.i] !== c) throw new HclTypeSyntaxError(`expected "${c}" at "${this.s.slice(this.i, this.i + 10)}"`);
    this.i++;
  }
  peek(): string | undefined {
    this.ws();
    return this.s[this.i];
  }
  ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i));
    if (!m) throw new HclTypeSyntaxError(`expected a name at "${this.s.slice(this.i, this.i + 10)}"`);
    this.i += m[0].length;
    return m[0];
  }
  key(): string {
    this.ws();
    if (this.s[this.i] === '"') {
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(this.s.slice(this.i));
      if (!m) throw new HclTypeSyntaxError('unterminated string');
      this.i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    return this.ident();
  }
  /** Skips one expression (an optional() default) up to the "," or ")" that ends it. */
  skipExpr(): void {
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        const m = /^"(?:[^"\\]|\\.)*"/.exec(this.s.slice(this.i));
        this.i += m ? m[0].length : 1;
        continue;
      }
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) {
        if (depth === 0) return;
        depth--;
      } else if (c === ',' && depth === 0) return;
      this.i++;
    }
  }
  type(): HclType {
    const name = this.ident();
    switch (name) {
      case 'any':
      case 'string':
      case 'number':
      case 'bool':
        return { t: name };
      case 'list':
      case 'set':
      case 'map': {
        this.eat('(');
        const of = this.type();
        this.eat(')');
        return { t: name, of };
      }
      case 'tuple': {
        this.eat('(');
        this.eat('[');
        const items: HclType[] = [];
        while (this.peek() !== ']') {
          items.push(this.type());
          if (this.peek() === ',') this.eat(',');
        }
        this.eat(']');
        this.eat(')');
        return { t: 'tuple', items };
      }
      case 'object': {
        this.eat('(');
        this.eat('{');
        const attrs = new Map<string, { type: HclType; optional: boolean }>();
        while (this.peek() !== '}') {
          const k = this.key();
          this.ws();
          if (this.s[this.i] === '=' || this.s[this.i] === ':') this.i++;
          else throw new HclTypeSyntaxError(`expected "=" after ${k}`);
          this.ws();
          if (this.s.startsWith('optional', this.i) && /^optional\s*\(/.test(this.s.slice(this.i))) {
            this.ident();
            this.eat('(');
            const type = this.type();
            if (this.peek() === ',') {
              this.eat(',');
              this.ws();
              this.skipExpr();
            }
            this.eat(')');
            attrs.set(k, { type, optional: true });
          } else {
            attrs.set(k, { type: this.type(), optional: false });
          }
          if (this.peek() === ',') this.eat(',');
        }
        this.eat('}');
        this.eat(')');
        return { t: 'object', attrs };
      }
      default:
        throw new HclTypeSyntaxError(`unknown type "${name}"`);
    }
  }
}

export function typeText(t: HclType): string {
  switch (t.t) {
    case 'list':
    case 'set':
    case 'map':
      return `${t.t}(${typeText(t.of)})`;
    case 'tuple':
      return `tuple([${t.items.map(typeText).join(', ')}])`;
    case 'object':
      return `object({${[...t.attrs].map(([k, a]) => `${k}=${a.optional ? `optional(${typeText(a.type)})` : typeText(a.type)}`).join(', ')}})`;
    default:
      return t.t;
  }
}

/** One way a value does not fit a type; `path` is the attribute path below the variable. */
export interface TypeMismatch {
  readonly kind: 'undeclared' | 'type' | 'required';
  readonly path: readonly (string | number)[];
  /** For `undeclared`: the attributes the object type does declare. */
  readonly declared?: readonly string[];
  readonly expected?: string;
  readonly got?: string;
}

const isExpr = (v: unknown) => typeof v === 'string' && v.startsWith('${');

/** Every mismatch between a JSON value and a type, as OpenTofu's conversion would see it. */
export function typeMismatches(type: HclType, value: unknown, path: (string | number)[] = []): TypeMismatch[] {
  if (type.t === 'any' || isExpr(value) || value === null) return [];
  const describe = (v: unknown) => (Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);
  const wrong = (): TypeMismatch[] => [{ kind: 'type', path, expected: typeText(type), got: describe(value) }];
  switch (type.t) {
    case 'string':
      return ['string', 'number', 'boolean'].includes(typeof value) ? [] : wrong();
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(value)) ? [] : wrong();
    case 'bool':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong();
    case 'list':
    case 'set':
      return Array.isArray(value) ? value.flatMap((v, i) => typeMismatches(type.of, v, [...path, i])) : wrong();
    case 'tuple':
      if (!Array.isArray(value) || value.length !== type.items.length) return wrong();
      return value.flatMap((v, i) => typeMismatches(type.items[i]!, v, [...path, i]));
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return wrong();
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => typeMismatches(type.of, v, [...path, k]));
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return wrong();
      const obj = value as Record<string, unknown>;
      const out: TypeMismatch[] = [];
      const declared = [...type.attrs.keys()].sort();
      for (const [k, v] of Object.entries(obj)) {
        const attr = type.attrs.get(k);
        if (!attr) out.push({ kind: 'undeclared', path: [...path, k], declared });
        else out.push(...typeMismatches(attr.type, v, [...path, k]));
      }
      for (const [k, attr] of type.attrs) if (!attr.optional && !(k in obj)) out.push({ kind: 'required', path: [...path, k], expected: typeText(attr.type) });
      return out;
    }
  }
}
