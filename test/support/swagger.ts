import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';

/**
 * A small swagger 2.0 checker for the Gitea double: it matches a request to an operation of the
 * spec, checks path, query and body parameters and the auth header, and checks that the response
 * status is one the operation declares and that the body fits its schema (or Gitea's APIError
 * JSON for the header-only error responses). Extra fields are allowed, as newer Gitea adds some.
 */

interface Param {
  name: string;
  in: string;
  type?: string;
  enum?: string[];
  required?: boolean;
  items?: { type: string };
  schema?: unknown;
}
interface Operation {
  operationId: string;
  parameters?: Param[];
  responses: Record<string, { $ref?: string; schema?: unknown }>;
}
interface Spec {
  basePath: string;
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, unknown>;
  responses: Record<string, { schema?: unknown; headers?: unknown }>;
}

export interface MatchedOperation {
  readonly method: string;
  readonly template: string;
  readonly op: Operation;
  readonly params: Record<string, string>;
}

export class SwaggerChecker {
  private readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(file: string) {
    this.spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true });
    for (const f of ['int64', 'int32', 'date-time', 'date', 'email', 'uri']) this.ajv.addFormat(f, true);
    this.ajv.addSchema({ $id: 'swagger', definitions: rewriteRefs(this.spec.definitions) });
  }

  /** The operation for a method and a path below the server root, or undefined. */
  match(method: string, pathname: string): MatchedOperation | undefined {
    if (!pathname.startsWith(this.spec.basePath + '/')) return undefined;
    const rel = pathname.slice(this.spec.basePath.length);
    const candidates: MatchedOperation[] = [];
    for (const [template, ops] of Object.entries(this.spec.paths)) {
      const op = ops[method.toLowerCase()];
      if (!op) continue;
      const params = matchTemplate(template, rel);
      if (!params) continue;
      // Typed path params must parse (so /pulls/main/x is not /pulls/{index}).
      const ok = (op.parameters ?? []).filter((p) => p.in === 'path').every((p) => p.type !== 'integer' || /^\d+$/.test(params[p.name] ?? ''));
      if (ok) candidates.push({ method: method.toUpperCase(), template, op, params });
    }
    // The most specific template wins (fewest variable characters).
    return candidates.sort((a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length)[0];
  }

  /** Problems with a request; empty when it fits the spec. */
  checkRequest(m: MatchedOperation, query: URLSearchParams, headers: Record<string, string | string[] | undefined>, body: string): string[] {
    const errors: string[] = [];
    const where = `${m.method} ${m.template}`;
    const params = m.op.parameters ?? [];
    for (const key of new Set(query.keys())) {
      const p = params.find((x) => x.in === 'query' && x.name === key);
      if (!p) {
        errors.push(`${where}: undeclared query parameter "${key}"`);
        continue;
      }
      for (const v of query.getAll(key)) {
        const t = p.type === 'array' ? p.items?.type : p.type;
        if (t === 'integer' && !/^-?\d+$/.test(v)) errors.push(`${where}: query ${key}=${v} is not an integer`);
        if (p.enum && !p.enum.includes(v)) errors.push(`${where}: query ${key}=${v} is not one of ${p.enum.join(', ')}`);
      }
    }
    const auth = headers.authorization;
    if (typeof auth !== 'string' || !/^(token|Bearer) \S+$/.test(auth)) errors.push(`${where}: no "Authorization: token <T>" header`);
    const bodyParam = params.find((p) => p.in === 'body');
    if (bodyParam) {
      if (!String(headers['content-type'] ?? '').startsWith('application/json')) errors.push(`${where}: body is not sent as application/json`);
      let data: unknown;
      try {
        data = JSON.parse(body);
      } catch {
        errors.push(`${where}: body is not JSON`);
        return errors;
      }
      errors.push(...this.validate(bodyParam.schema, data, `${where} request body`));
    } else if (body.length) {
      errors.push(`${where}: takes no body but got ${body.length} bytes`);
    }
    return errors;
  }

  /** Problems with a response; empty when the status is declared and the body fits. */
  checkResponse(m: MatchedOperation, status: number, body: string): string[] {
    const where = `${m.method} ${m.template} -> ${status}`;
    const declared = m.op.responses[String(status)] ?? m.op.responses.default;
    const errors: string[] = [];
    // 401 and 5xx are not in this subset's operations, yet every Gitea route can answer them.
    const generic = status === 401 || status >= 500;
    if (!declared && !generic) return [`${where}: status not declared by ${m.op.operationId}`];
    const resolved = declared?.$ref ? this.spec.responses[declared.$ref.replace('#/responses/', '')] : declared;
    let data: unknown;
    if (body.length) {
      try {
        data = JSON.parse(body);
      } catch {
        return [`${where}: body is not JSON`];
      }
    }
    if (resolved?.schema) errors.push(...this.validate(resolved.schema, data, where));
    else if (body.length) errors.push(...this.validate({ $ref: '#/definitions/APIError' }, data, `${where} (APIError)`));
    return errors;
  }

  private validate(schema: unknown, data: unknown, where: string): string[] {
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(rewriteRefs(schema) as object);
      this.compiled.set(key, fn);
    }
    if (fn(data)) return [];
    return (fn.errors ?? []).map((e) => `${where}: ${e.instancePath || '(root)'} ${e.message}`);
  }
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const parts = template.split(/(\{[^}]+\})/);
  const re = parts
    .map((p, i) => {
      const m = /^\{([^}]+)\}$/.exec(p);
      if (!m) return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      // Gitea's route for pulls/{base}/{head} is /{base}/*: the last parameter may hold "/".
      return i === parts.length - 2 && parts[parts.length - 1] === '' && m[1] === 'head' ? '(.+)' : '([^/]+)';
    })
    .join('');
  const hit = new RegExp(`^${re}$`).exec(path);
  if (!hit) return undefined;
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(hit[i + 1]!)]));
}

function rewriteRefs(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(rewriteRefs);
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/') ? `swagger${v}` : rewriteRefs(v)]),
    );
  }
  return x;
}
