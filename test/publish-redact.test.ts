import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { giteaTokenProblem } from '../src/gitea';
import { repoUrlProblem } from '../src/publish/plan';
import { makeRedactor, REDACTED } from '../src/util/redact';
import { captureIo } from './support/git-fixture';

/** 13.15 tokens never leave in any encoding; 13.14 a token git or fetch cannot send; 13.16 credentials in repo urls. */

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** Every way a token was seen leaving in output: the forms a redactor must remove. */
function leaks(token: string): [string, string][] {
  return [
    ['raw', token],
    ['URL-encoded', encodeURIComponent(token)],
    ['JSON with escaped slashes', JSON.stringify(token).slice(1, -1).replace(/\//g, '\\/')],
    ['base64', b64(token)],
    ['base64 without padding', b64(token).replace(/=+$/, '')],
    ['base64url', b64url(token)],
    ['base64 of "token X" (the header value)', b64(`token ${token}`)],
    ['base64 of user:token (Basic auth)', b64(`joinkey-bot:${token}`)],
    ['base64 of token:x-oauth-basic', b64(`${token}:x-oauth-basic`)],
    ['base64url of oauth2:token, unpadded', b64url(`oauth2:${token}`)],
    ['Authorization: token X', `Authorization: token ${token}`],
    ['Bearer X', `Bearer ${token}`],
    ['Basic of user:token', `Authorization: Basic ${b64(`u:${token}`)}`],
  ];
}

const TOKENS = ['jk-Tok+en/7Qx9Zr2LmW=', '0123456789abcdef0123456789abcdef01234567', "a~b_c.d-e!f*g(h)i'j"];

describe('redacting a token in every encoding', () => {
  it.each(TOKENS.flatMap((t) => leaks(t).map(([form, text]) => [t, form, text] as const)))(
    'GIVEN token %s WHEN its %s form is in an error page THEN no encoding of it is left',
    (token, _form, leaked) => {
      const redact = makeRedactor([token]);
      const page = `<html><body>Request failed: ${leaked}; see logs</body></html>`;
      const out = redact(page);
      for (const [, form] of leaks(token)) expect(out).not.toContain(form);
      expect(out).toContain(REDACTED);
      expect(out).toMatch(/^<html><body>Request failed: .*; see logs<\/body><\/html>$/);
    },
  );

  it('GIVEN any token WHEN embedded in base64 at any offset or in any listed form THEN neither it nor any of its base64 forms remain', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e]{12,48}$/), fc.string({ maxLength: 5 }), fc.nat(12), (token, prefix, pick) => {
        const [, leaked] = leaks(token)[pick % leaks(token).length]!;
        const out = makeRedactor([token])(`x ${prefix}${leaked} y`);
        for (const [, form] of leaks(token)) expect(out).not.toContain(form);
        expect(out).not.toContain(b64(`${prefix}${token}`).slice(4, -4));
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN ordinary text WHEN redacting THEN it is left as it is', () => {
    const redact = makeRedactor(['0123456789abcdef0123456789abcdef01234567']);
    const text = 'the token is missing; Bearer of bad news; ssh://git@gitea.example/org/x.git; aGVsbG8gd29ybGQ=';
    expect(redact(text)).toBe(text);
  });

  it('GIVEN another credential in an Authorization header or URL WHEN redacting THEN it goes too', () => {
    const redact = makeRedactor([]);
    expect(redact('Authorization: token other-secret-123')).toBe(`Authorization: token ${REDACTED}`);
    expect(redact('"authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.x.y"')).toBe(`"authorization": "Bearer ${REDACTED}"`);
    expect(redact('Basic dXNlcjpwYXNzd29yZA==')).toBe(`Basic ${REDACTED}`);
    expect(redact('a https://u:p@h/x https://tok@h/y ssh://git@h/z')).toBe(`a https://${REDACTED}@h/x https://${REDACTED}@h/y ssh://git@h/z`);
  });
});

describe('GITEA_TOKEN that cannot be sent', () => {
  it.each([
    ['jk-token-abc\n', 'a line break at character 13 of 13'],
    [' jk-token-abc', 'a space at character 1 of 13'],
    ['jk-token\tabc', 'a space at character 9 of 12'],
    ['jk-token-abc\x7f', 'a control character at character 13 of 13'],
    ['jk-token\x00abc', 'a control character at character 9 of 12'],
    ['jk-tökén', 'a character outside printable ASCII at character 5 of 8'],
  ])('GIVEN %j WHEN checked THEN it says what and where, never the token', (token, where) => {
    const problem = giteaTokenProblem(token)!;
    expect(problem).toContain(`GITEA_TOKEN has ${where}`);
    expect(problem).not.toContain('jk-');
  });

  it('GIVEN a valid token WHEN checked THEN there is no problem', () => {
    for (const t of ['0123456789abcdef0123456789abcdef01234567', 'jk-Tok+en/7Qx9Zr2LmW=']) expect(giteaTokenProblem(t)).toBeUndefined();
  });

  it('GIVEN a token with a newline WHEN publishing THEN exit 1 before any git or network, with the message, without the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinkey-token-'));
    try {
      writeFileSync(
        join(dir, 'apps.yaml'),
        'version: 1\nrepos:\n  tools: { url: /nonexistent/tools.git }\n  factory: { url: /nonexistent/factory.git }\napps:\n  webapp: {}\n',
      );
      const io = captureIo(dir, { PATH: process.env.PATH, GITEA_TOKEN: 'jk-secret-value\n', GITEA_URL: 'http://127.0.0.1:9' });
      expect(await main(['publish'], io)).toBe(1);
      expect(io.err()).toContain('GITEA_TOKEN has a line break at character 16 of 16');
      expect(io.out() + io.err()).not.toContain('jk-secret-value');
      expect(existsSync(join(dir, '.joinkey-cache'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('credentials in a repo url', () => {
  it.each([
    'https://bot:hunter2-secret@gitea.example/org/tools.git',
    'https://0123456789abcdef0123456789abcdef01234567@gitea.example/org/tools.git',
    'http://oauth2:tok@gitea.example:3000/org/tools',
    'ssh://git:hunter2-secret@gitea.example/org/tools.git',
    'HTTPS://User@gitea.example/org/tools.git',
  ])('GIVEN %s WHEN checked THEN it is refused, saying how to pass credentials instead', (url) => {
    expect(repoUrlProblem(url)).toMatch(/^has credentials in it .*credential helper.*GIT_ASKPASS.*ssh key$/);
  });

  it.each([
    'ssh://git@gitea.example/org/tools.git',
    'git@gitea.example:org/tools.git',
    'https://gitea.example/org/tools.git',
    'file:///srv/git/tools.git',
    '/srv/git/tools.git',
    'https://gitea.example/org/tools.git?ref=a@b',
  ])('GIVEN %s WHEN checked THEN it is accepted', (url) => {
    expect(repoUrlProblem(url)).toBeUndefined();
  });

  it.each(['publish', 'diff'])(
    'GIVEN a url with a password WHEN running joinkey %s THEN exit 1 naming the repo id, the password never printed nor stored',
    async (command) => {
      const dir = mkdtempSync(join(tmpdir(), 'joinkey-url-'));
      try {
        mkdirSync(join(dir, 'remotes'));
        writeFileSync(
          join(dir, 'apps.yaml'),
          'version: 1\nrepos:\n  tools: { url: "https://bot:hunter2-secret@gitea.example/org/tools.git" }\n  factory: { url: /nonexistent/factory.git }\napps:\n  webapp: {}\n',
        );
        const io = captureIo(dir, { PATH: process.env.PATH });
        expect(await main([command, ...(command === 'publish' ? ['--no-pr'] : [])], io)).toBe(1);
        expect(io.err()).toContain(`repos.tools.url (https://${REDACTED}@gitea.example/org/tools.git) has credentials in it`);
        expect(io.out() + io.err()).not.toContain('hunter2');
        expect(existsSync(join(dir, '.joinkey-cache'))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
