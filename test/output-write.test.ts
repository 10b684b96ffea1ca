import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoinkeyError } from '../src/errors';
import { diffTree, writeTree, type WriterFs } from '../src/output/write';
import { markerLine, ownershipFile, type RenderedFile } from '../src/render/files';
import { readTree } from './support/tree';

const gen = (repo: string, p: string, body: string): RenderedFile => ({ repo, path: p, content: `${markerLine(p)}\n${body}\n` });
const files = (tag: string): RenderedFile[] => [
  gen('tools', 'a/vso.gen.yaml', `kind: A ${tag}`),
  gen('tools', 'a/iac/app_roles.gen.tf', `# ${tag}`),
  ownershipFile('tools', ['a/iac/app_roles.gen.tf', 'a/vso.gen.yaml']),
  gen('docs', 'secret-paths.gen.md', tag),
];

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'joinkey-write-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });


describe('writeTree', () => {
  it('GIVEN no output dir WHEN written THEN it holds exactly the rendered files and no temp dir is left', () => {
    const out = path.join(tmp, 'dist');
    expect(writeTree(out, files('v1')).files).toBe(4);
    expect(Object.keys(readTree(out))).toEqual(['docs/secret-paths.gen.md', 'tools/.joinkey/files.json', 'tools/a/iac/app_roles.gen.tf', 'tools/a/vso.gen.yaml']);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN an earlier output WHEN re-rendered THEN stale files are gone and new content is in', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, [...files('v1'), gen('cms', 'old.gen.tf', 'old')]);
    writeTree(out, files('v2'));
    const tree = readTree(out);
    expect(tree['cms/old.gen.tf']).toBeUndefined();
    expect(tree['tools/a/vso.gen.yaml']).toContain('kind: A v2');
  });

  it('GIVEN a write that fails halfway WHEN synth runs THEN the previous output is intact and the temp dir is removed', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    const before = readTree(out);
    let writes = 0;
    const failing: WriterFs = {
      mkdirSync: (d, o) => fs.mkdirSync(d, o),
      renameSync: (a, b) => fs.renameSync(a, b),
      writeFileSync: (f, d) => { if (++writes === 3) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }); fs.writeFileSync(f, d); },
    };
    expect(() => writeTree(out, files('v2'), failing)).toThrow(/could not write .*ENOSPC.*the previous .* is unchanged/);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN the final swap fails WHEN synth runs THEN the previous output is put back', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    const before = readTree(out);
    let renames = 0;
    const failing: WriterFs = {
      mkdirSync: (d, o) => fs.mkdirSync(d, o),
      writeFileSync: (f, d) => fs.writeFileSync(f, d),
      renameSync: (a, b) => { if (++renames === 2) throw new Error('EXDEV: cross-device link'); fs.renameSync(a, b); },
    };
    expect(() => writeTree(out, files('v2'), failing)).toThrow(JoinkeyError);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN an output dir with a hand-written file WHEN synth runs THEN it is refused and nothing is touched', () => {
    const out = path.join(tmp, 'src');
    fs.mkdirSync(path.join(out, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(out, 'lib', 'main.ts'), 'export const x = 1;\n');
    fs.writeFileSync(path.join(out, 'generated.gen.yaml'), `${markerLine('x.yaml')}\n`);
    expect(() => writeTree(out, files('v1'))).toThrow(/refusing to replace .*src: it holds files joinkey did not generate[^]*lib\/main\.ts/);
    expect(readTree(out)).toEqual({ 'generated.gen.yaml': `${markerLine('x.yaml')}\n`, 'lib/main.ts': 'export const x = 1;\n' });
  });

  it('GIVEN --out names a file WHEN synth runs THEN it is refused', () => {
    const out = path.join(tmp, 'apps.yaml');
    fs.writeFileSync(out, 'version: 1\n');
    expect(() => writeTree(out, files('v1'))).toThrow(/it exists and is not a directory/);
    expect(fs.readFileSync(out, 'utf8')).toBe('version: 1\n');
  });
});

describe('diffTree', () => {
  it('reports changed, missing and stale files, and nothing when equal', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    expect(diffTree(out, files('v1'))).toEqual({ changed: [], missing: [], extra: [] });
    fs.writeFileSync(path.join(out, 'tools/extra.gen.tf'), `${markerLine('x.tf')}\n`);
    fs.rmSync(path.join(out, 'docs/secret-paths.gen.md'));
    expect(diffTree(out, files('v2'))).toEqual({
      changed: ['tools/a/iac/app_roles.gen.tf', 'tools/a/vso.gen.yaml'],
      missing: ['docs/secret-paths.gen.md'],
      extra: ['tools/extra.gen.tf'],
    });
  });
});
