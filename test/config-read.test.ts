import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAppsYaml } from '../src/config/load';
import { formatDiagnostic, InputError } from '../src/errors';
import { loadModel } from '../src/model';
import { runCli, tempDir } from './support/cli-run';

// GIVEN a --config that is empty, missing, unreadable, not a regular file, or not UTF-8 text,
// WHEN a command reads it, THEN it exits 1 with one message in words (what is wrong, how to fix
// it), never a raw errno code, a stack trace or U+FFFD in place of the bad bytes.

const root = path.resolve(__dirname, '..');
const VALID = fs.readFileSync(path.join(root, 'apps.yaml'), 'utf8');
let dir: string;

beforeAll(() => {
  dir = tempDir('config-read');
  fs.writeFileSync(path.join(dir, 'apps.yaml'), VALID);
  fs.mkdirSync(path.join(dir, 'a-dir'));
  fs.symlinkSync('loop-b', path.join(dir, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(dir, 'loop-b'));
  fs.symlinkSync('missing.yaml', path.join(dir, 'dangling'));
  fs.symlinkSync('a-dir', path.join(dir, 'dir-link'));
  spawnSync('mkfifo', [path.join(dir, 'fifo')]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function synthError(config: string): Promise<{ code: number; stderr: string }> {
  const r = await runCli(['synth', '--config', config, '--out', path.join(dir, 'out'), '--check'], dir);
  return { code: r.code, stderr: r.stderr };
}

describe('--config that cannot be read', () => {
  it.each([
    ['empty', '', 'joinkey: --config is empty; pass --config <path to apps.yaml>, or leave it out to read apps.yaml'],
    ['missing', 'nope.yaml', 'joinkey: cannot read nope.yaml: no such file; pass --config <path to apps.yaml>'],
    ['a dangling symlink', 'dangling', 'joinkey: cannot read dangling: no such file; pass --config <path to apps.yaml>'],
    ['a directory', 'a-dir', 'joinkey: cannot read a-dir: it is a directory; pass --config <path to apps.yaml>'],
    ['"."', '.', 'joinkey: cannot read .: it is a directory; pass --config <path to apps.yaml>'],
    ['a symlink to a directory', 'dir-link', 'joinkey: cannot read dir-link: it is a directory; pass --config <path to apps.yaml>'],
    ['under a file', 'apps.yaml/x', 'joinkey: cannot read apps.yaml/x: a part of the path is a file, not a directory; pass --config <path to apps.yaml>'],
    ['a symlink loop', 'loop-a', 'joinkey: cannot read loop-a: the path runs into a loop of symbolic links; pass --config <path to apps.yaml>'],
    ['a path too long', `${'x'.repeat(5000)}.yaml`, `joinkey: cannot read ${'x'.repeat(5000)}.yaml: the path is too long; pass --config <path to apps.yaml>`],
    ['a device', '/dev/null', 'joinkey: cannot read /dev/null: it is not a regular file but a FIFO, socket or device; pass --config <path to apps.yaml>'],
  ])('%s: exit 1 with a message in words', async (_what, config, message) => {
    const r = await synthError(config);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${message}\n`);
  });

  it('a FIFO: refused at once instead of waiting for a writer', async () => {
    if (!fs.existsSync(path.join(dir, 'fifo'))) return expect.fail('mkfifo is missing');
    const r = await synthError('fifo');
    expect(r).toEqual({
      code: 1,
      stderr: 'joinkey: cannot read fifo: it is not a regular file but a FIFO, socket or device; pass --config <path to apps.yaml>\n',
    });
  });

  it('a file without read permission (EACCES): exit 1 with "permission denied"', () => {
    // root reads anything, so the CLI runs as nobody there; otherwise as the current user.
    const locked = tempDir('config-eacces');
    try {
      fs.chmodSync(locked, 0o755);
      fs.writeFileSync(path.join(locked, 'apps.yaml'), VALID, { mode: 0o000 });
      fs.chmodSync(path.join(locked, 'apps.yaml'), 0o000);
      const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
      const argv = [...asNobody, process.execPath, path.join(root, 'bin', 'joinkey.js'), 'synth', '--config', 'apps.yaml', '--out', path.join(locked, 'out')];
      const r = spawnSync(argv[0]!, argv.slice(1), { cwd: locked, encoding: 'utf8', timeout: 20_000 });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe(
        'joinkey: cannot read apps.yaml: permission denied; check the permissions of the file and its directories; pass --config <path to apps.yaml>\n',
      );
      expect(r.status).toBe(1);
    } finally {
      fs.rmSync(locked, { recursive: true, force: true });
    }
  });
});

function diagnosticsOf(bytes: Buffer): string[] {
  try {
    loadModel('apps.yaml', decodeAppsYaml('apps.yaml', bytes));
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}

describe('bytes that are not UTF-8', () => {
  const NOT_UTF8 = (byte: string) =>
    `the file is not UTF-8: byte 0x${byte} here starts no UTF-8 character; save the file as UTF-8 (it may be Latin-1 or UTF-16, or not a text file)`;
  it.each([
    ['Latin-1 é', Buffer.from('version: 1\napps:\n  caf\xe9: {}\n', 'latin1'), '3:6', 'E9'],
    ['a lone continuation byte', Buffer.concat([Buffer.from('version: 1\nx: a'), Buffer.from([0x80]), Buffer.from('\n')]), '2:5', '80'],
    ['an overlong "/"', Buffer.concat([Buffer.from('x: '), Buffer.from([0xc0, 0xaf])]), '1:4', 'C0'],
    ['an encoded surrogate', Buffer.concat([Buffer.from('é: '), Buffer.from([0xed, 0xa0, 0x80])]), '1:4', 'ED'],
    ['a code point past U+10FFFF', Buffer.concat([Buffer.from('x: '), Buffer.from([0xf4, 0x90, 0x80, 0x80])]), '1:4', 'F4'],
    ['a sequence cut at the end', Buffer.concat([Buffer.from('version: 1\n✓: '), Buffer.from([0xf0, 0x9f])]), '2:4', 'F0'],
    ['a binary file', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0xff]), '1:6', 'FF'],
  ])('%s: an error at the byte, in characters', (_what, bytes, at, byte) => {
    expect(diagnosticsOf(bytes)).toEqual([`apps.yaml:${at}: ${NOT_UTF8(byte)}`]);
  });

  it.each([
    ['UTF-16 LE', Buffer.from('\ufeffversion: 1\n', 'utf16le')],
    ['UTF-16 BE', Buffer.from('\ufeffversion: 1\n', 'utf16le').swap16()],
  ])('%s: says it is UTF-16', (_what, bytes) => {
    expect(diagnosticsOf(bytes)).toEqual(['apps.yaml:1:1: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8']);
  });

  it('shows the line with the bad byte', () => {
    try {
      decodeAppsYaml('apps.yaml', Buffer.from('version: 1\napps:\n  caf\xe9: {}\n', 'latin1'));
      expect.fail('no error');
    } catch (e) {
      expect((e as InputError).diagnostics[0]!.sourceLine).toBe('  caf\ufffd: {}');
    }
  });
});

describe('text that is UTF-8', () => {
  const model = (text: string | Buffer) => JSON.stringify(loadModel('apps.yaml', typeof text === 'string' ? text : decodeAppsYaml('apps.yaml', text)).model);

  it('reads a file with a UTF-8 byte order mark as the same file without it', () => {
    expect(model(Buffer.from(`\ufeff${VALID}`))).toBe(model(VALID));
  });

  it('positions errors after a byte order mark as an editor shows them', () => {
    expect(diagnosticsOf(Buffer.from('\ufeffversion: 2\nrepos: {}\napps: {}\n'))[0]).toMatch(/^apps\.yaml:1:10: version: /);
  });

  it('reads CRLF line ends as LF, with the same positions', () => {
    expect(model(VALID.replace(/\n/g, '\r\n'))).toBe(model(VALID));
    const bad = 'version: 1\nrepos:\n  tools: { url: x }\n  factory: { url: y }\napps:\n  web: {}\n  0x1f: {}\n';
    expect(diagnosticsOf(Buffer.from(bad.replace(/\n/g, '\r\n')))).toEqual(diagnosticsOf(Buffer.from(bad)));
  });

  it.each([
    ['between lines', 'version: 1\rrepos: {}\rapps: {}\r', '1:11'],
    ['after CRLF lines', 'version: 1\r\nrepos: {}\r\napps: {}\r', '3:9'],
    ['in a quoted value', 'version: 1\nx: "a\rb"\n', '2:6'],
  ])('refuses a carriage return without a line feed (%s), at the CR', (_what, text, at) => {
    expect(diagnosticsOf(Buffer.from(text))).toEqual([
      `apps.yaml:${at}: a carriage return (CR) ends a line here without a line feed; save the file with LF or CRLF line ends`,
    ]);
  });

  it('reads non-ASCII text unchanged', () => {
    const text = 'version: 1\nrepos:\n  tools: { url: x }\n  factory: { url: y }\napps:\n  web: { namespace: "ünï✓😀" }\n';
    expect(diagnosticsOf(Buffer.from(text))).toEqual([
      'apps.yaml:6:21: apps.web.namespace: namespace "ünï✓😀" is not a DNS-1123 label: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. my-app',
    ]);
  });
});
