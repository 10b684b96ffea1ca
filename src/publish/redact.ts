/**
 * Removes secrets from text that is about to leave joinkey (errors, progress lines, reports):
 * every given secret, and the user:password part of any URL (git remotes may embed a token).
 */
export type Redactor = (text: string) => string;

export const REDACTED = '***';

export function makeRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0)
    // Longest first, so a secret that contains another is removed whole.
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const s of list) {
      out = out.split(s).join(REDACTED);
      // A secret may also show up URL-encoded (in a query string or userinfo).
      const enc = encodeURIComponent(s);
      if (enc !== s) out = out.split(enc).join(REDACTED);
    }
    return redactUrlCredentials(out);
  };
}

/**
 * `https://user:pass@host/x` -> `https://***@host/x`, and `https://token@host` (http userinfo is
 * a credential); a bare ssh user such as `ssh://git@host` is kept.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*):\/\/([^\s/@'"]+)@/gi, (all, scheme: string, userinfo: string) =>
    userinfo.includes(':') || /^https?$/i.test(scheme) ? `${scheme}://${REDACTED}@` : all);
}
