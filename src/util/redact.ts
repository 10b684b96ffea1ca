/**
 * Removes secrets from text that is about to leave joinkey (errors, progress lines, reports, PR
 * bodies): every given secret in each encoding it travels in (raw, URL-encoded, JSON-escaped,
 * base64 standard and URL-safe at any alignment, so also inside `user:token` of Basic auth),
 * the value of any Authorization header or Bearer/Basic credential, and the user:password part
 * of any URL (git remotes may embed a token). A leaf: the Gitea adapter and publish both use it.
 */
export type Redactor = (text: string) => string;

export const REDACTED = '***';

/** Base64 runs shorter than this are not searched for (too likely to match by chance). */
const MIN_BASE64_CORE = 8;
const BASE64_CHAR = /[A-Za-z0-9+/_-]/;

export function makeRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  const literal = [...new Set(list.flatMap(textForms))]
    // Longest first, so a form that contains another is removed whole.
    .sort((a, b) => b.length - a.length);
  const cores = [...new Set(list.flatMap(base64Cores))].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const s of literal) out = out.split(s).join(REDACTED);
    for (const core of cores) out = redactBase64Run(out, core);
    return redactUrlCredentials(redactAuthorization(out));
  };
}

/** The secret as it appears in text: raw, URL-encoded (both ways), JSON-escaped (with or without escaped slashes). */
function textForms(s: string): string[] {
  const json = JSON.stringify(s).slice(1, -1);
  return [s, encodeURIComponent(s), encodeURI(s), json, json.replace(/\//g, '\\/'), s.replace(/\//g, '\\/')];
}

/**
 * The base64 characters that depend only on the secret's bytes, for each of the three
 * alignments it can have inside a longer base64 text (e.g. `user:token`), standard and URL-safe.
 */
function base64Cores(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length < MIN_BASE64_CORE) continue;
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Replaces the whole base64 run (the credential blob) around every occurrence of core. */
function redactBase64Run(text: string, core: string): string {
  let out = text;
  for (let at = out.indexOf(core); at >= 0; at = out.indexOf(core, at + REDACTED.length)) {
    let start = at;
    let end = at + core.length;
    while (start > 0 && BASE64_CHAR.test(out[start - 1]!)) start--;
    while (end < out.length && BASE64_CHAR.test(out[end]!)) end++;
    while (end < out.length && out[end] === '=') end++; // padding
    out = out.slice(0, start) + REDACTED + out.slice(end);
    at = start;
  }
  return out;
}

/** `Authorization: token X`, `Authorization: Basic X`, `Bearer X`: the credential goes, whoever's it is. */
function redactAuthorization(text: string): string {
  return text
    .replace(
      /\b(authorization["']?\s*[:=]\s*["']?)(?:(token|bearer|basic)\s+)?[^\s"',;]+/gi,
      (_all, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}${REDACTED}`,
    )
    .replace(/\b(Bearer|Basic)\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}/g, (_all, scheme: string) => `${scheme} ${REDACTED}`);
}

/**
 * `https://user:pass@host/x` -> `https://***@host/x`, and `https://token@host` (http userinfo is
 * a credential); a bare ssh user such as `ssh://git@host` is kept.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\/([^\s/@'"]+)@/gi, (all, scheme: string, userinfo: string) =>
    userinfo.includes(':') || /^https?$/i.test(scheme) ? `${scheme}://${REDACTED}@` : all,
  );
}
