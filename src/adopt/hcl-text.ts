/**
 * The few expression shapes of hand-written join-key IaC that adopt reads from hcl2json's text
 * form (`${...}`): what a kv secret's data_json is made of, a Vault policy document, a reference.
 * Anything else is `undefined`: adopt then leaves the block hand-written and says why.
 */

/** `${random_password.x.result}`-style reference to one random_password instance. */
export interface PasswordRef {
  readonly resource: string;
  /** The instance key of a for_each resource, when the reference names one. */
  readonly key?: string;
}

const KEY = String.raw`"?([-._A-Za-z0-9]+)"?`;
const LABEL = String.raw`[A-Za-z_][\w-]*`;
const ENTRY = new RegExp(String.raw`^${KEY}\s*[=:]\s*base64encode\(\s*random_password\.(${LABEL})(?:\[\s*"([^"]+)"\s*\])?\.result\s*\)\s*,?$`);
const FOR_ALL = new RegExp(
  String.raw`^\{\s*for\s+(${LABEL})\s*,\s*(${LABEL})\s+in\s+random_password\.(${LABEL})\s*:\s*(${LABEL})\s*=>\s*base64encode\(\s*(${LABEL})\.result\s*\)\s*\}$`,
);

/**
 * The kv keys of a `data_json = jsonencode({...})` made only of `KEY = base64encode(random_password.<r>[.<k>].result)`
 * entries, or of `{ for k, p in random_password.<r> : k => base64encode(p.result) }` (`all`: every instance
 * of that resource under its own key). Undefined when anything else is in it.
 */
export function passwordData(dataJson: unknown): { readonly entries: ReadonlyMap<string, PasswordRef> } | { readonly all: string } | undefined {
  if (typeof dataJson !== 'string') return undefined;
  const inner = /^\$\{\s*jsonencode\(\s*([\s\S]*?)\s*\)\s*\}$/.exec(dataJson)?.[1];
  if (inner === undefined) return undefined;
  const forAll = FOR_ALL.exec(inner.replace(/\s+/g, ' '));
  if (forAll) return forAll[1] === forAll[4] && forAll[2] === forAll[5] ? { all: forAll[3]! } : undefined;
  const body = /^\{([\s\S]*)\}$/.exec(inner)?.[1];
  if (body === undefined) return undefined;
  const entries = new Map<string, PasswordRef>();
  for (const raw of body.split(/\n|,(?=\s*"?[-._A-Za-z0-9]+"?\s*[=:])/)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = ENTRY.exec(line);
    if (!m || entries.has(m[1]!)) return undefined;
    entries.set(m[1]!, { resource: m[2]!, ...(m[3] !== undefined ? { key: m[3] } : {}) });
  }
  return entries.size ? { entries } : undefined;
}

/** The rules of a policy written as HCL text: `path "p" { capabilities = [...] }` only, else undefined. */
export function policyRules(text: string): { path: string; capabilities: string[] }[] | undefined {
  const rules: { path: string; capabilities: string[] }[] = [];
  const rest = text.replace(/#[^\n]*/g, '').replace(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g, (_all, path: string, caps: string) => {
    rules.push({ path, capabilities: [...caps.matchAll(/"([^"]*)"/g)].map((c) => c[1]!) });
    return '';
  });
  return rest.trim() === '' && rules.length ? rules : undefined;
}

/** `resource.label` of a whole-reference expression `${type.label.attr}`, or undefined. */
export function referenceOf(expr: unknown, type: string, attr: string): string | undefined {
  if (typeof expr !== 'string') return undefined;
  return new RegExp(String.raw`^\$\{${type}\.(${LABEL})\.${attr}\}$`).exec(expr)?.[1];
}

/** The attribute names of a variable's `object({...})` type, as hcl2json gives the type expression. */
export function objectTypeAttributes(type: unknown): ReadonlySet<string> | undefined {
  if (typeof type !== 'string' || !type.includes('object(')) return undefined;
  const body = type.slice(type.indexOf('object(') + 'object('.length);
  return new Set([...body.matchAll(/([A-Za-z_][\w-]*)\s*=/g)].map((m) => m[1]!));
}

/** The attribute of `each.value` an argument reads whole (`${each.value.policies}`), or undefined. */
export function eachValueAttribute(expr: unknown): string | undefined {
  if (typeof expr !== 'string') return undefined;
  return /^\$\{each\.value\.([A-Za-z_][\w-]*)\}$/.exec(expr)?.[1];
}
