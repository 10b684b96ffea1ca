import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTree, WRITER_DIR } from '../src/output/write';
import type { RenderedFile } from '../src/render/files';
import { gen, readTree, withLists } from './support/tree';

// writeTree places the first 200 files itself and hands the rest to its file system thread
// (src/output/fs-thread.ts); these renders are large enough for both.

/** n apps of three files each over two repos, nested like a synth's tree; `tag` changes every third app. */
const render = (n: number, tag = 'v1'): RenderedFile[] =>
  withLists(
    Array.from({ length: n }, (_, i) => [
      gen('tools', `apps/app${i}/vso.gen.yaml`, `kind: A${i} ${i % 3 === 0 ? tag : ''}`),
      gen('tools', `apps/app${i}/iac/app_roles.gen.tf`, `# ${i}`),
      gen('factory', `app${i}/iac/backend.gen.tf`, `# backend ${i}`),
    ]).flat(),
  );
const asTree = (files: RenderedFile[]): Record<string, string> => Object.fromEntries(files.map((f) => [`${f.repo}/${f.path}`, f.content]));

let tmp: string;
let out: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'joinkey-thread-'));
  out = path.join(tmp, 'dist');
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('writeTree on its file system thread', () => {
  for (const n of [70, 250, 700]) {
    it(`GIVEN ${n * 3} files WHEN written, re-written unchanged, then a third changed THEN OUT is exactly each render and nothing else`, () => {
      const v1 = render(n);
      expect(writeTree(out, v1)).toEqual({ files: v1.length, written: v1.length, deleted: 0 });
      expect(readTree(out)).toEqual(asTree(v1));
      expect(writeTree(out, v1)).toEqual({ files: v1.length, written: 0, deleted: 0 });
      const v2 = render(n, 'v2');
      const changed = v2.filter((f) => asTree(v1)[`${f.repo}/${f.path}`] !== f.content).length;
      expect(writeTree(out, v2)).toEqual({ files: v2.length, written: changed, deleted: 0 });
      expect(readTree(out)).toEqual(asTree(v2));
    });
  }

  it('GIVEN files where stale directories are, and the other way round, past the first 200 WHEN re-rendered THEN each converges', () => {
    const pad = render(80);
    const dirs = withLists([
      ...pad.filter((f) => !f.path.endsWith('files.json')),
      ...Array.from({ length: 150 }, (_, i) => gen('cms', `x${i}/y/z.gen.tf`, `${i}`)),
    ]);
    const flat = withLists([
      ...pad.filter((f) => !f.path.endsWith('files.json')),
      ...Array.from({ length: 150 }, (_, i) => gen('cms', `x${i}/y`, `file ${i}`)),
    ]);
    writeTree(out, dirs);
    expect(readTree(out)).toEqual(asTree(dirs));
    expect(writeTree(out, flat)).toMatchObject({ written: 151, deleted: 150 });
    expect(readTree(out)).toEqual(asTree(flat));
    writeTree(out, dirs);
    expect(readTree(out)).toEqual(asTree(dirs));
  });

  for (const at of [150, 260, 800]) {
    it(`GIVEN a file the file system refuses at file ${at} WHEN written THEN the error names it, every file is whole, no temp file is left, and a re-run converges`, () => {
      const v1 = render(300);
      writeTree(out, v1);
      const v2 = render(300, 'v2');
      const bad = gen('tools', `apps/${'n'.repeat(300)}.gen.yaml`, 'too long a name');
      const broken = [...v2.slice(0, at), bad, ...v2.slice(at)];
      expect(() => writeTree(out, broken)).toThrow(
        new RegExp(
          `^could not write ${out}/tools/apps/n{300}\\.gen\\.yaml: the path is too long \\(ENAMETOOLONG\\); \\d+ files were already replaced, each whole; run synth again to finish$`,
        ),
      );
      const left = readTree(out);
      expect(Object.keys(left).filter((rel) => rel.startsWith(`${WRITER_DIR}/`))).toEqual([`${WRITER_DIR}/journal`]);
      for (const [rel, content] of Object.entries(left)) {
        if (rel.startsWith(`${WRITER_DIR}/`)) continue;
        expect([asTree(v1)[rel], asTree(v2)[rel]], rel).toContain(content);
      }
      writeTree(out, v2);
      expect(readTree(out)).toEqual(asTree(v2));
    });
  }

  for (const at of [120, 900]) {
    it(`GIVEN a render that throws at file ${at} WHEN written THEN that error, no temp file, and OUT converges on the next run`, () => {
      const v1 = render(500);
      function* failing(): Generator<RenderedFile> {
        for (const [i, f] of v1.entries()) {
          if (i === at) throw new Error('render broke');
          yield f;
        }
      }
      expect(() => writeTree(out, failing())).toThrow('render broke');
      const temps = fs.existsSync(path.join(out, WRITER_DIR)) ? fs.readdirSync(path.join(out, WRITER_DIR)).filter((e) => e.endsWith('.tmp')) : [];
      expect(temps).toEqual([]);
      writeTree(out, v1);
      expect(readTree(out)).toEqual(asTree(v1));
    });
  }
});
