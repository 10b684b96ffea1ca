import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../src/cli';
import { captureIo } from './support/git-fixture';
import { BUNDLED_APPS_YAML } from './support/platform';

/**
 * synth's live guard (issue 9 part 4): against the previous render in OUT, every unacknowledged
 * destroy or rotation of stateful data among joinkey's own OpenTofu files is a positioned
 * warning; synth still writes (check --repos-dir and publish are where it stops).
 */

const BUNDLED = readFileSync(BUNDLED_APPS_YAML, 'utf8');
const root = mkdtempSync(join(tmpdir(), 'joinkey-synth-guard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Doc = ReturnType<typeof parseDocument>;
let runs = 0;
async function synthTwice(edit: (d: Doc) => void) {
  const cwd = join(root, `run-${runs++}`);
  const io0 = captureIo(root, {});
  writeFileSync(join(root, `base-${runs}.yaml`), BUNDLED);
  expect(await main(['synth', '--config', `base-${runs}.yaml`, '--out', cwd], io0)).toBe(0);
  expect(io0.err()).toBe(''); // an empty OUT: only creates, nothing to guard
  const doc = parseDocument(BUNDLED);
  edit(doc);
  writeFileSync(join(root, `next-${runs}.yaml`), doc.toString());
  const io = captureIo(root, {});
  const code = await main(['synth', '--config', `next-${runs}.yaml`, '--out', cwd], io);
  return { code, out: io.out(), err: io.err(), text: doc.toString() };
}
const totp = (options: Record<string, unknown>) => (d: Doc) =>
  d.setIn(['apps', 'plausible', 'secrets', 'config', 'generate', 1], d.createNode({ TOTP_VAULT_KEY: options }));
const warnings = (err: string) => err.split('\n').filter((l) => /^next-\d+\.yaml:\d+:\d+: warning: /.test(l));

describe('synth: the live guard against the previous OUT', () => {
  test('GIVEN a longer TOTP_VAULT_KEY on the same rotation WHEN synthesized THEN the rotation and its kv write are warned about, and the files are written', async () => {
    const r = await synthTwice(totp({ length: 40, rotation: 1 }));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/written/);
    expect(warnings(r.err)).toEqual([
      expect.stringMatching(
        /warning: apps\.plausible\.secrets\.config\.generate\[1\]: tools\/plausible\/iac random_password\.config\["TOTP_VAULT_KEY"\] would rotate \(length\)/,
      ),
      expect.stringMatching(
        /tools\/plausible\/iac vault_kv_secret_v2\.config would update .*it follows the rotation of random_password\.config\["TOTP_VAULT_KEY"\]/,
      ),
    ]);
    expect(r.out).toMatch(/joinkey synth: 2 unacknowledged destroys or rotations of live data/);
  }, 60_000);

  test.each([[{ length: 40, rotation: 2 }], [{ length: 32, rotation: 3 }]])(
    'GIVEN %j, a new rotation WHEN synthesized THEN nothing is warned',
    async (options) => {
      const r = await synthTwice(totp(options));
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
    },
    60_000,
  );

  test('GIVEN the consumer removed WHEN synthesized THEN its Vault policy and role are warned about, naming the consumer to retire', async () => {
    const r = await synthTwice((d) => d.deleteIn(['consumers']));
    expect(warnings(r.err)).toEqual([
      expect.stringMatching(
        /vault_kubernetes_auth_backend_role\.factory_crowdsec_conf would destroy .*add retired: \{ factory_crowdsec_conf: \{ reason: "\.\.\." \} \}/,
      ),
      expect.stringMatching(/vault_policy\.factory_crowdsec_conf would destroy .*add retired: \{ factory_crowdsec_conf:/),
    ]);
    const ok = await synthTwice((d) => {
      d.deleteIn(['consumers']);
      d.setIn(['retired', 'factory_crowdsec_conf'], d.createNode({ reason: 'the plugin reads its own secret now' }));
    });
    expect(ok.err).toBe('');
  }, 60_000);

  test('GIVEN plausible removed WHEN synthesized THEN its passwords and kv data are warned about through the ownership list, and retiring it clears them', async () => {
    const r = await synthTwice((d) => d.deleteIn(['apps', 'plausible']));
    const w = warnings(r.err).join('\n');
    for (const address of ['random_password.config["SECRET_KEY_BASE"]', 'random_password.config["TOTP_VAULT_KEY"]', 'vault_kv_secret_v2.config'])
      expect(w).toContain(`tools/plausible/iac ${address} would destroy`);
    expect(w).toContain('plausible is no longer in apps.yaml: to let its data go, add retired: { plausible: { reason: "..." } }');
    // the central maps changed too: their resources live in the target repos
    expect(r.out).toContain('sets variables of a project whose resources live in the target repo; `joinkey check --repos-dir` plans what that change does');
    const ok = await synthTwice((d) => {
      d.deleteIn(['apps', 'plausible']);
      d.setIn(['retired', 'plausible'], d.createNode({ reason: 'moved to umami' }));
    });
    expect(warnings(ok.err)).toEqual([]);
  }, 60_000);

  test('GIVEN an app added WHEN synthesized THEN nothing is warned', async () => {
    const r = await synthTwice((d) => d.setIn(['apps', 'wiki'], d.createNode({})));
    expect(warnings(r.err)).toEqual([]);
  }, 60_000);
});
