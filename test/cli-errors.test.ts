import { describe, expect, test } from 'vitest';
import { reportError, type CliIo } from '../src/cli';
import { InputError, InternalError, JoinkeyError } from '../src/errors';
import { TofuGenError } from '../src/tofu-gen/errors';

// GIVEN a failure of each class WHEN the CLI reports it THEN user errors exit 1 and say what to do,
// internal errors exit 70 and say it is a bug, never with a stack trace unless JOINKEY_DEBUG is set.

function report(e: unknown, env: Record<string, string> = {}): { code: number; stderr: string } {
  let stderr = '';
  const io: CliIo = { cwd: '/', env, stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } };
  return { code: reportError(e, io), stderr };
}

describe('exit codes', () => {
  test('GIVEN an InputError THEN exit 1 with every diagnostic', () => {
    const r = report(new InputError([{ file: 'apps.yaml', line: 1, col: 2, severity: 'error', message: 'bad' }]));
    expect(r).toEqual({ code: 1, stderr: 'apps.yaml:1:2: bad\njoinkey: 1 problem found; nothing was written\n' });
  });

  test('GIVEN a JoinkeyError THEN its exit code, 1 by default', () => {
    expect(report(new JoinkeyError('cannot read x'))).toEqual({ code: 1, stderr: 'joinkey: cannot read x\n' });
    expect(report(new JoinkeyError('stale', 2)).code).toBe(2);
  });

  test.each([
    ['an InternalError', new InternalError('the model lost a file')],
    ['a TofuGenError (the generator refusing what validation let through)', new TofuGenError('internal: expected a string for HCL, got undefined')],
    ['any other exception', new TypeError('x is undefined')],
  ])('GIVEN %s THEN exit 70, reported as a bug, no stack', (_, e) => {
    const r = report(e);
    expect(r.code).toBe(70);
    expect(r.stderr).toBe(`joinkey: internal error: ${e.message}\nThis is a bug in joinkey; please report it with the apps.yaml that caused it.\n`);
  });

  test('GIVEN JOINKEY_DEBUG THEN the stack follows', () => {
    expect(report(new InternalError('boom'), { JOINKEY_DEBUG: '1' }).stderr).toMatch(/InternalError: boom\n\s+at /);
  });
});
