import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../src/cli';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';
import { captureIo } from './support/git-fixture';
import { BUNDLED_APPS_YAML, HAND_WRITTEN_SIDE, PLATFORM_FIXTURE } from './support/platform';

/**
 * The guard in `check --repos-dir` (issue 9 part 4): the repos (the guidebook's, less the
 * hand-written side of their conflicts) hold the bundled apps.yaml's render on their target branches; an apps.yaml edit that destroys or rotates stateful data fails
 * the check at the apps.yaml key to change, until apps.yaml acknowledges it.
 */

const BUNDLED = readFileSync(BUNDLED_APPS_YAML, 'utf8');
const root = mkdtempSync(join(tmpdir(), 'joinkey-guard-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let runs = 0;
async function check(edit: (d: ReturnType<typeof parseDocument>) => void) {
  const cwd = join(root, `run-${runs++}`);
  // the guidebook's repos without the hand-written side of their conflicts, the render on top
  cpSync(PLATFORM_FIXTURE, join(cwd, 'repos'), { recursive: true });
  for (const f of HAND_WRITTEN_SIDE) rmSync(join(cwd, 'repos', f));
  for (const [repo, files] of renderTree(loadModel('apps.yaml', BUNDLED).model))
    for (const [path, content] of files) {
      const file = join(cwd, 'repos', repo, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  const doc = parseDocument(BUNDLED);
  edit(doc);
  writeFileSync(join(cwd, 'apps.yaml'), doc.toString());
  const io = captureIo(cwd, {});
  const code = await main(['check', '--config', 'apps.yaml', '--repos-dir', 'repos'], io);
  return { code, out: io.out(), err: io.err(), text: doc.toString() };
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('check --repos-dir: the live guard', () => {
  test('GIVEN the repos hold the current render WHEN nothing changes THEN no guard finding', async () => {
    const r = await check(() => {});
    expect(`${r.out}${r.err}`).not.toContain('live-unacknowledged');
    expect(r.code, r.err).toBe(0);
  }, 120_000);

  test.each(['erp', 'webapp'])(
    'GIVEN %s removed WHEN checked THEN DROP DATABASE is an error at apps:, and retiring the app clears it',
    async (app) => {
      const r = await check((d) => d.deleteIn(['apps', app]));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(
          `^apps\\.yaml:${lineOf(r.text, 'apps:')}:1: live-unacknowledged: apps: factory/postgres/iac postgresql_database\\.app\\["${app}"\\] would destroy \\(no longer declared\\): DROP DATABASE ${app} WITH \\(FORCE\\)`,
          'm',
        ),
      );
      // the Vault roles and policies of the app say which app to retire, too
      expect(r.err).toContain(
        `module.app_policy["${app}"].vault_policy.app would destroy (no longer declared): DELETE sys/policy/${app}: every token carrying it loses that access; ${app} is no longer in apps.yaml`,
      );
      const ok = await check((d) => {
        d.deleteIn(['apps', app]);
        d.setIn(['retired', app], d.createNode({ reason: 'data exported' }));
      });
      expect(`${ok.out}${ok.err}`).not.toContain('live-unacknowledged');
      expect(ok.code, ok.err).toBe(0);
    },
    120_000,
  );

  test('GIVEN TOTP_VAULT_KEY longer without a new rotation WHEN checked THEN the rotation is an error at its generate item', async () => {
    const r = await check((d) =>
      d.setIn(['apps', 'plausible', 'secrets', 'config', 'generate', 1], d.createNode({ TOTP_VAULT_KEY: { length: 48, rotation: 1 } })),
    );
    expect(r.code).toBe(1);
    const line = lineOf(r.text, 'TOTP_VAULT_KEY:');
    expect(r.err).toMatch(
      new RegExp(
        `^apps\\.yaml:${line}:\\d+: live-unacknowledged: .*tools/plausible/iac random_password\\.config\\["TOTP_VAULT_KEY"\\] would rotate \\(length\\)`,
        'm',
      ),
    );
    // the kv write that carries the new value is refused with it
    expect(r.err).toContain('tools/plausible/iac vault_kv_secret_v2.config would update (rotation of random_password.config["TOTP_VAULT_KEY"])');
    expect(r.err).toContain('raise the rotation of TOTP_VAULT_KEY');
  }, 120_000);
});
