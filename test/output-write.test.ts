import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoinkeyError } from '../src/errors';
import { diffTree, MAX_EXTRA, writeTree, WRITER_DIR, type WriterFs } from '../src/output/write';
import { contentHash, MARKER } from '../src/ownership';
import { markerLine, type RenderedFile } from '../src/render/files';
import { gen, readTree, walk, withLists } from './support/tree';

const files = (tag: string): RenderedFile[] =>
  withLists([
    gen('tools', 'a/vso.gen.yaml', `kind: A ${tag}`),
    gen('tools', 'a/iac/app_roles.gen.tf', `# ${tag}`),
    gen('tools', 'b/iac/backend.gen.tf', '# same in every version'),
    gen('docs', 'secret-paths.gen.md', tag),
  ]);
const asTree = (fs_: RenderedFile[]): Record<string, string> =>
  Object.fromEntries(fs_.map((f): [string, string] => [`${f.repo}/${f.path}`, f.content]).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Inode and mtime of every entry under dir (files and directories). */
const stamps = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    const st = fs.lstatSync(path.join(dir, rel));
    out[rel || '.'] = `${st.ino}:${st.mtimeMs}:${st.mode}`;
    if (st.isDirectory()) for (const e of fs.readdirSync(path.join(dir, rel))) visit(rel ? `${rel}/${e}` : e);
  };
  visit('');
  return out;
};

/** Every file in out holds its content of one of the renders, whole. */
const everyFileWhole = (out: string, ...renders: RenderedFile[][]): void => {
  const allowed = new Map<string, Set<string>>();
  for (const r of renders)
    for (const f of r) {
      const rel = `${f.repo}/${f.path}`;
      if (!allowed.has(rel)) allowed.set(rel, new Set());
      allowed.get(rel)!.add(f.content);
    }
  for (const [rel, content] of Object.entries(readTree(out))) {
    if (rel.startsWith(`${WRITER_DIR}/`)) continue;
    expect(allowed.get(rel)?.has(content), `${rel} is whole`).toBe(true);
  }
};

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'joinkey-write-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('writeTree: writes only what changed', () => {
  it('GIVEN no output dir WHEN written THEN it holds exactly the rendered files and nothing else', () => {
    const out = path.join(tmp, 'dist');
    expect(writeTree(out, files('v1'))).toEqual({ files: 6, written: 6, deleted: 0 });
    expect(readTree(out)).toEqual(asTree(files('v1')));
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN an earlier output WHEN re-rendered THEN changed files are replaced, unchanged ones untouched, stale ones and their empty dirs gone', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, withLists([...files('v1').filter((f) => !f.path.endsWith('files.json')), gen('cms', 'old/deep/x.gen.tf', 'old')]));
    const before = stamps(out);
    const result = writeTree(out, files('v2'));
    expect(readTree(out)).toEqual(asTree(files('v2')));
    expect(fs.existsSync(path.join(out, 'cms'))).toBe(false);
    expect(result.deleted).toBe(2); // cms/old/deep/x.gen.tf and cms's ownership list
    const after = stamps(out);
    expect(after['tools/b/iac/backend.gen.tf']).toBe(before['tools/b/iac/backend.gen.tf']);
    expect(after['tools/a/vso.gen.yaml']).not.toBe(before['tools/a/vso.gen.yaml']);
  });

  it('GIVEN an output that is current WHEN written again THEN no file or directory is touched', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    const before = stamps(out);
    expect(writeTree(out, files('v1'))).toEqual({ files: 6, written: 0, deleted: 0 });
    expect(stamps(out)).toEqual(before);
  });

  it('GIVEN a re-render that changes only ownership lists WHEN written THEN the lists are new and no writer dir is left behind', () => {
    for (const repos of [['tools'], ['tools', 'docs']]) {
      const out = path.join(tmp, `dist-${repos.length}`);
      writeTree(out, files('v1'));
      // the same files, each list now with a different text (as a new list format would give)
      const relisted = files('v1').map((f) =>
        f.path.endsWith('files.json') && repos.includes(f.repo) ? { ...f, content: f.content.replace('}\n', '}\n\n') } : f,
      );
      expect(writeTree(out, relisted).written).toBe(repos.length);
      expect(readTree(out)).toEqual(asTree(relisted));
      expect(fs.readdirSync(out)).not.toContain(WRITER_DIR);
    }
  });

  it('GIVEN an output dir with its own mode WHEN re-rendered THEN the mode is kept', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    fs.chmodSync(out, 0o751);
    writeTree(out, files('v2'));
    writeTree(out, files('v1'));
    expect(fs.statSync(out).mode & 0o777).toBe(0o751);
  });

  it('GIVEN a file where a stale directory was, and the other way round WHEN re-rendered THEN it converges', () => {
    const out = path.join(tmp, 'dist');
    const dirFirst = withLists([gen('tools', 'x/y/z.gen.tf', '1'), gen('tools', 'f', '2')]);
    const fileFirst = withLists([gen('tools', 'x/y', '3'), gen('tools', 'f/g.gen.tf', '4')]);
    writeTree(out, dirFirst);
    writeTree(out, fileFirst);
    expect(readTree(out)).toEqual(asTree(fileFirst));
    writeTree(out, dirFirst);
    expect(readTree(out)).toEqual(asTree(dirFirst));
  });
});

describe('writeTree: ownership is the list and the hash, never a text search', () => {
  const marker = `# ${MARKER}. Change apps.yaml and run "npx joinkey synth".`;
  const cases: [string, (out: string) => void][] = [
    ['a top-level file quoting the marker', (out) => fs.writeFileSync(path.join(out, 'apps.yaml'), `# ${MARKER}\nversion: 1\n`)],
    ['a notes file mentioning the marker', (out) => fs.writeFileSync(path.join(out, 'NOTES.md'), `These are ${MARKER} files.\n`)],
    [
      'a file in a repo dir that starts with the exact marker line but is not listed',
      (out) => fs.writeFileSync(path.join(out, 'tools', 'a', 'mine.gen.yaml'), `${marker}\nkind: Mine\n`),
    ],
    ['a listed file edited by hand, marker kept', (out) => fs.appendFileSync(path.join(out, 'tools', 'a', 'vso.gen.yaml'), 'extra: 1\n')],
    [
      'a listed file whose marker line was removed',
      (out) => {
        const f = path.join(out, 'tools', 'a', 'iac', 'app_roles.gen.tf');
        fs.writeFileSync(f, fs.readFileSync(f, 'utf8').split('\n').slice(1).join('\n'));
      },
    ],
    [
      'a listed file whose marker was quoted on another line',
      (out) => fs.writeFileSync(path.join(out, 'tools', 'b', 'iac', 'backend.gen.tf'), `# mine\n# ${MARKER}\n`),
    ],
    [
      'an ownership list joinkey did not write',
      (out) => fs.writeFileSync(path.join(out, 'docs', '.joinkey', 'files.json'), `{"files": ["secret-paths.gen.md", "x"]}\n`),
    ],
    ['a symlink', (out) => fs.symlinkSync('/etc/hostname', path.join(out, 'tools', 'link.gen.tf'))],
    [
      'a file in the writer dir that is not a temp file',
      (out) => {
        fs.mkdirSync(path.join(out, WRITER_DIR));
        fs.writeFileSync(path.join(out, WRITER_DIR, 'keep-me'), 'x');
      },
    ],
  ];
  for (const [what, plant] of cases) {
    it(`GIVEN ${what} WHEN synth writes THEN it is refused and every file is kept byte for byte`, () => {
      const out = path.join(tmp, 'dist');
      writeTree(out, files('v1'));
      plant(out);
      const before = readTree(out);
      expect(() => writeTree(out, files('v2'))).toThrow(/^refusing to write to /);
      expect(readTree(out)).toEqual(before);
    });
  }

  it('GIVEN an output dir holding hand-written files WHEN synth runs THEN the refusal names one and nothing is touched', () => {
    const out = path.join(tmp, 'src');
    fs.mkdirSync(path.join(out, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(out, 'lib', 'main.ts'), 'export const x = 1;\n');
    expect(() => writeTree(out, files('v1'))).toThrow(/refusing to write to .*src: .*lib\/main\.ts was not written by joinkey/);
    expect(readTree(out)).toEqual({ 'lib/main.ts': 'export const x = 1;\n' });
  });

  it('GIVEN --out names a file WHEN synth runs THEN it is refused', () => {
    const out = path.join(tmp, 'apps.yaml');
    fs.writeFileSync(out, 'version: 1\n');
    expect(() => writeTree(out, files('v1'))).toThrow(/it exists and is not a directory/);
    expect(fs.readFileSync(out, 'utf8')).toBe('version: 1\n');
  });

  it('GIVEN the config file inside OUT, directly, deeper or through a symlink WHEN synth runs THEN it is refused', () => {
    const project = path.join(tmp, 'project');
    fs.mkdirSync(path.join(project, 'conf'), { recursive: true });
    const config = path.join(project, 'conf', 'apps.yaml');
    fs.writeFileSync(config, 'version: 1\n');
    fs.symlinkSync(project, path.join(tmp, 'link'));
    for (const out of [path.join(project, 'conf'), project, tmp, path.join(tmp, 'link')]) {
      expect(() => writeTree(out, files('v1'), undefined, { protect: [config] })).toThrow(/the config file synth reads/);
    }
    expect(fs.readFileSync(config, 'utf8')).toBe('version: 1\n');
  });

  it('GIVEN a large foreign dir WHEN synth runs THEN it stops at the first foreign file', () => {
    const out = path.join(tmp, 'big');
    const dir = path.join(out, 'tools', 'many');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 5000; i++) fs.writeFileSync(path.join(dir, `f${i}`), '');
    let deep = path.join(out, 'tools', 'deep');
    for (let i = 0; i < 200; i++) deep = path.join(deep, 'd');
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'leaf'), '');
    expect(() => writeTree(out, files('v1'))).toThrow(/was not written by joinkey/);
    expect(diffTree(out, files('v1')).extra).toHaveLength(MAX_EXTRA);
  });
});

describe('writeTree: failures leave whole files, and the next run converges', () => {
  const boom = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });
  const failing = (what: keyof WriterFs, at: number, code = 'ENOSPC'): WriterFs => {
    let calls = 0;
    const maybe = <T>(name: keyof WriterFs, fn: () => T): T => {
      if (name === what && calls++ === at) throw boom(code);
      return fn();
    };
    return {
      writeFileSync: (f, d) => maybe('writeFileSync', () => fs.writeFileSync(f, d)),
      mkdirSync: (d, o) => maybe('mkdirSync', () => fs.mkdirSync(d, o)),
      renameSync: (a, b) => maybe('renameSync', () => fs.renameSync(a, b)),
      unlinkSync: (f) => maybe('unlinkSync', () => fs.unlinkSync(f)),
    };
  };
  const stale = withLists([gen('tools', 'a/vso.gen.yaml', 'kind: A v0'), gen('cms', 'gone/x.gen.tf', 'x'), gen('tools', 'c/old.gen.tf', 'old')]);

  for (const what of ['writeFileSync', 'mkdirSync', 'renameSync', 'unlinkSync'] as const) {
    for (const at of [0, 1, 3, 5]) {
      it(`GIVEN ${what} failing at call ${at} WHEN synth runs THEN a clear error, every file whole, and a re-run converges`, () => {
        const out = path.join(tmp, 'dist');
        writeTree(out, stale);
        let error: unknown;
        try {
          writeTree(out, files('v2'), failing(what, at));
        } catch (e) {
          error = e;
        }
        if (error !== undefined) {
          expect(error).toBeInstanceOf(JoinkeyError);
          expect((error as Error).message).toMatch(
            /^could not write .*(no space left on the device \(ENOSPC\)).*(the previous .* is unchanged|already replaced, each whole; run synth again)/,
          );
        }
        everyFileWhole(out, stale, files('v2'));
        writeTree(out, files('v2'));
        expect(readTree(out)).toEqual(asTree(files('v2')));
        expect(fs.readdirSync(tmp)).toEqual(['dist']);
      });
    }
  }

  it('GIVEN a render that throws midway WHEN synth runs THEN the error is not dressed as a user error, files are whole, and a re-run converges', () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    function* broken(): Generator<RenderedFile> {
      yield* files('v2').slice(0, 2);
      throw new Error('internal: render failed');
    }
    expect(() => writeTree(out, broken())).toThrow(/^internal: render failed$/);
    everyFileWhole(out, files('v1'), files('v2'));
    writeTree(out, files('v2'));
    expect(readTree(out)).toEqual(asTree(files('v2')));
  });

  it("GIVEN temp files and a journal left by a killed run WHEN synth runs THEN the journaled files are taken as joinkey's and the writer dir is gone", () => {
    const out = path.join(tmp, 'dist');
    writeTree(out, files('v1'));
    // What a kill right after one rename leaves: the new file in place, its hash in the journal,
    // the ownership list still the old one, and a temp file of the next file.
    const next = files('v2').find((f) => f.path === 'a/vso.gen.yaml')!;
    fs.mkdirSync(path.join(out, WRITER_DIR));
    fs.writeFileSync(path.join(out, WRITER_DIR, 'journal'), `${contentHash(next.content)} ${JSON.stringify('tools/a/vso.gen.yaml')}\n0123`);
    fs.writeFileSync(path.join(out, 'tools', 'a', 'vso.gen.yaml'), next.content);
    fs.writeFileSync(path.join(out, WRITER_DIR, '99999-3.tmp'), 'half a fi');
    writeTree(out, files('v2'));
    expect(readTree(out)).toEqual(asTree(files('v2')));
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
      changed: ['docs/.joinkey/files.json', 'tools/.joinkey/files.json', 'tools/a/iac/app_roles.gen.tf', 'tools/a/vso.gen.yaml'],
      missing: ['docs/secret-paths.gen.md'],
      extra: ['tools/extra.gen.tf'],
    });
    expect(walk(out)).toContain('tools/extra.gen.tf');
  });
});
