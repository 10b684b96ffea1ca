import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model';
import { renderFiles } from '../../src/render';
import type { RenderedFile } from '../../src/render/files';
import { writeTree, WRITER_DIR, type WriterFs } from '../../src/output/write';
import { appsDoc, printYaml } from '../support/arbitraries';
import { leftovers, readDir, runCli, tempDir } from '../support/cli-run';
import { propertyParams } from '../support/params';

// Property 7, no data lost: GIVEN a previous dist/, WHEN a synth fails halfway (a write, mkdir,
// rename or unlink error, or a render error at any point), THEN every file is whole (its old or
// its new content) and the next synth converges to exactly the new render, leaving no temp file.
// GIVEN --out at a dir holding files joinkey does not own, THEN synth refuses, wiping nothing.

const work = tempDir('no-data-lost');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const render = (doc: Parameters<typeof printYaml>[0]): RenderedFile[] => [...renderFiles(loadModel('apps.yaml', printYaml(doc)).model)];
let n = 0;

describe('property 7: no data lost', () => {
  it('a write that fails at any point leaves the previous output exactly as it was', () => {
    fc.assert(
      fc.property(
        appsDoc({ maxApps: 3 }),
        appsDoc({ maxApps: 3 }),
        fc.constantFrom('writeFileSync', 'mkdirSync', 'renameSync', 'unlinkSync', 'render'),
        fc.nat(),
        (oldDoc, newDoc, failing, at) => {
          const dir = path.join(work, `w${n++}`);
          const out = path.join(dir, 'dist');
          writeTree(out, render(oldDoc));
          const before = readDir(out);
          const files = render(newDoc);
          const k = at % (files.length + 1);
          let calls = 0;
          let failed = false;
          const boom = () => {
            failed = true;
            throw Object.assign(new Error('EIO: simulated failure'), { code: 'EIO' });
          };
          const io: WriterFs = {
            writeFileSync: (f, d) => (failing === 'writeFileSync' && calls++ === k ? boom() : fs.writeFileSync(f, d)),
            mkdirSync: (d, o) => (failing === 'mkdirSync' && calls++ === k % 3 ? boom() : fs.mkdirSync(d, o)),
            renameSync: (a, b) => (failing === 'renameSync' && calls++ === k % 2 ? boom() : fs.renameSync(a, b)),
            unlinkSync: (f) => (failing === 'unlinkSync' && calls++ === k % 2 ? boom() : fs.unlinkSync(f)),
          };
          function* stream() {
            for (const [i, f] of files.entries()) {
              if (failing === 'render' && i === k) {
                failed = true;
                throw new Error('render failed');
              }
              yield f;
            }
          }
          let threw = false;
          try {
            writeTree(out, stream(), io);
          } catch {
            threw = true;
          }
          // Unchanged files are not written at all, so an injected failure may never fire: a
          // failure is expected exactly when one was injected.
          expect(threw).toBe(failed);
          const expected = Object.fromEntries(files.map((f) => [`${f.repo}/${f.path}`, f.content]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
          if (threw) {
            for (const [rel, content] of Object.entries(readDir(out) ?? {})) {
              if (rel.startsWith(`${WRITER_DIR}/`)) continue;
              expect(content === before?.[rel] || content === expected[rel], `${rel} is whole`).toBe(true);
            }
            writeTree(out, files);
          }
          expect(readDir(out)).toEqual(expected);
          expect(leftovers(dir)).toEqual([]);
          fs.rmSync(dir, { recursive: true, force: true });
        },
      ),
      propertyParams(70, 0.5),
    );
  });

  const foreignTree = fc.dictionary(
    fc
      .array(
        fc.stringMatching(/^[a-zA-Z0-9_.-]{1,8}$/).filter((s) => s !== '.' && s !== '..'),
        { minLength: 1, maxLength: 3 },
      )
      .map((p) => p.join('/')),
    fc.string({ maxLength: 50 }),
    { minKeys: 1, maxKeys: 5 },
  );

  it('--out at a dir holding files joinkey did not write is refused and left untouched', async () => {
    fs.copyFileSync(path.join(__dirname, '../../apps.yaml'), path.join(work, 'apps.yaml'));
    await fc.assert(
      fc.asyncProperty(foreignTree, fc.boolean(), async (tree, withOwn) => {
        const out = path.join(work, `foreign-${n++}`);
        if (withOwn) expect((await runCli(['synth', '--out', out], work)).code).toBe(0);
        let wrote = 0;
        for (const [rel, content] of Object.entries(tree)) {
          const f = path.join(out, ...rel.split('/'));
          try {
            fs.mkdirSync(path.dirname(f), { recursive: true });
            fs.writeFileSync(f, content);
            wrote++;
          } catch {
            /* a prefix of another path */
          }
        }
        fc.pre(wrote > 0);
        const before = readDir(out);
        const r = await runCli(['synth', '--out', out], work);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^joinkey: refusing to write to /);
        expect(readDir(out)).toEqual(before);
        fs.rmSync(out, { recursive: true, force: true });
      }),
      propertyParams(71, 0.5),
    );
  });
});
