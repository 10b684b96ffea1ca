import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTree } from '../src/output/write';
import { markerLine, ownershipFile, type RenderedFile } from '../src/render/files';
import { readTree } from './support/tree';

// The same guarantees as output-write.test.ts, for trees large enough that writeTree hands the
// directories and files to its worker thread, and re-runs that hard-link unchanged files.

const gen = (repo: string, p: string, body: string): RenderedFile => ({ repo, path: p, content: `${markerLine(p)}\n${body}\n` });

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'joinkey-write-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });


describe('writeTree, large trees (the file system thread)', () => {
  // More files than THREAD_AFTER_FILES, so most of them are made by the worker thread.
  const many = (tag: string, n = 300): RenderedFile[] => [
    ...Array.from({ length: n }, (_, i) => gen('tools', `app${i}/iac/backend.gen.tf`, `# ${i % 2 ? tag : 'same'}`)),
    ownershipFile('tools', Array.from({ length: n }, (_, i) => `app${i}/iac/backend.gen.tf`)),
  ];

  it('GIVEN an earlier output WHEN re-rendered THEN the tree is exact, and unchanged files are hard links of the previous ones', () => {
    const out = path.join(tmp, 'dist');
    expect(writeTree(out, many('v1')).files).toBe(301);
    const unchangedBefore = fs.statSync(path.join(out, 'tools/app298/iac/backend.gen.tf')).ino;
    expect(writeTree(out, many('v2')).files).toBe(301);
    const tree = readTree(out);
    expect(Object.keys(tree)).toHaveLength(301);
    expect(tree['tools/app299/iac/backend.gen.tf']).toContain('# v2');
    expect(tree['tools/app298/iac/backend.gen.tf']).toContain('# same');
    expect(fs.statSync(path.join(out, 'tools/app298/iac/backend.gen.tf')).ino).toBe(unchangedBefore);
    expect(fs.statSync(path.join(out, 'tools/app298/iac/backend.gen.tf')).nlink).toBe(1);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN a file the thread cannot write WHEN synth runs THEN the previous output is intact and the temp dir is removed', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, many('v1'));
    const before = readTree(out);
    // "app250/iac/backend.gen.tf" is a file, so the directory for the next file cannot be made.
    const broken = [...many('v2'), gen('tools', 'app250/iac/backend.gen.tf/x.tf', 'x')];
    expect(() => writeTree(out, broken)).toThrow(/could not write .*(ENOTDIR|EEXIST).*the previous .* is unchanged/);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN a render that throws midway WHEN synth runs THEN the previous output is intact and the temp dir is removed', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, many('v1'));
    const before = readTree(out);
    function* failing(): Generator<RenderedFile> {
      yield* many('v2').slice(0, 250);
      throw new Error('internal: render failed');
    }
    expect(() => writeTree(out, failing())).toThrow(/could not write .*render failed/);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });
});
