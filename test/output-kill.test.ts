import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../src/model';
import { WRITER_DIR } from '../src/output/write';
import { renderTree } from '../src/render';
import { tempDir } from './support/cli-run';
import { propertyParams } from './support/params';
import { readTree } from './support/tree';

// The writer's guarantee under SIGKILL at a random point of a real `joinkey synth` process:
// every file is whole (its old content or its new one), OUT keeps its mode, and the next synth
// converges to exactly the new render with nothing of the writer left behind.

const bin = path.join(__dirname, '..', 'bin', 'joinkey.js');
const work = tempDir('kill');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Apps from..to-1, each with its IaC and manifests in repo tools; `tag` changes every file's content. */
function appsYaml(from: number, to: number, tag: string): string {
  const lines = [
    'version: 1',
    'repos:',
    '  tools: { url: ssh://git@example.org/org/tools.git }',
    '  factory: { url: ssh://git@example.org/org/factory.git }',
    'apps:',
  ];
  for (let i = from; i < to; i++) {
    const name = `app${String(i).padStart(4, '0')}`;
    lines.push(
      `  ${name}:`,
      '    repo: tools',
      `    namespace: ns-${tag}-${i % 7}`,
      '    database:',
      `      restart: [Deployment/${name}]`,
      '    secrets:',
      `      config: { generate: [KEY_${tag.toUpperCase()}] }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const OLD = appsYaml(0, 120, 'old');
const NEW = appsYaml(30, 150, 'new');
fs.writeFileSync(path.join(work, 'old.yaml'), OLD);
fs.writeFileSync(path.join(work, 'new.yaml'), NEW);

const flat = (text: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const [repo, files] of renderTree(loadModel('apps.yaml', text).model)) for (const [p, c] of files) out.set(`${repo}/${p}`, c);
  return out;
};
const oldFiles = flat(OLD);
const newFiles = flat(NEW);

function synth(config: string, out: string): void {
  const r = spawnSync(process.execPath, [bin, 'synth', '--config', config, '--out', out], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
}

/** Starts synth of NEW and kills it with SIGKILL after `ms`; resolves when it is gone. */
function synthKilledAfter(out: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'synth', '--config', 'new.yaml', '--out', out], { cwd: work, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('writer under SIGKILL', () => {
  it('GIVEN a synth killed at a random point THEN every file is whole, the mode is kept, and the next synth converges', async () => {
    const out = path.join(work, 'dist');
    /** Synth of OLD, then NEW killed after `ms`: checks every file is whole, then that the next synth converges; says where the kill landed. */
    const killedAt = async (ms: number): Promise<'before' | 'midway' | 'after'> => {
      synth('old.yaml', out);
      fs.chmodSync(out, 0o750);
      await synthKilledAfter(out, ms);
      const mixed = readTree(out);
      for (const [rel, content] of Object.entries(mixed)) {
        if (rel.startsWith(`${WRITER_DIR}/`)) continue;
        expect(content === oldFiles.get(rel) || content === newFiles.get(rel), `${rel} is whole`).toBe(true);
      }
      const paths = Object.keys(mixed).filter((p) => !p.startsWith(`${WRITER_DIR}/`));
      const landed = !paths.some((p) => mixed[p] !== oldFiles.get(p)) ? 'before' : !paths.some((p) => mixed[p] !== newFiles.get(p)) ? 'after' : 'midway';
      synth('new.yaml', out);
      expect(readTree(out)).toEqual(Object.fromEntries([...newFiles].sort(([a], [b]) => (a < b ? -1 : 1))));
      expect(fs.statSync(out).mode & 0o777).toBe(0o750);
      return landed;
    };
    // How long a whole run takes here (into an empty dir: the write, without the guard that follows
    // it over an old OUT), so the random kills spread over the write; and one over the old OUT.
    let started = Date.now();
    synth('new.yaml', path.join(work, 'timing'));
    const full = Date.now() - started;
    synth('old.yaml', out);
    started = Date.now();
    synth('new.yaml', out);
    const overOld = Date.now() - started;
    let killedMidway = 0;
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0.1, max: 1.1, noNaN: true }), async (fraction) => {
        if ((await killedAt(Math.round(full * fraction))) === 'midway') killedMidway++;
      }),
      propertyParams(81, 0.2),
    );
    // The property is only worth something when some kill landed inside the write: when none of
    // the random ones did (the write is a short part of the run on a fast disk), one is searched
    // for by bisection between a kill that came before the write and one that came after it.
    let [early, late] = [0, overOld];
    for (let i = 0; killedMidway === 0 && i < 10; i++) {
      const at = Math.round((early + late) / 2);
      const landed = await killedAt(at);
      if (landed === 'midway') killedMidway++;
      else if (landed === 'before') early = at;
      else late = at;
    }
    expect(killedMidway).toBeGreaterThan(0);
    // three real synth processes per run, and the two that replace files over a previous OUT run
    // synth's live guard over every changed IaC project (all 150 of them here)
  }, 300_000);
});
