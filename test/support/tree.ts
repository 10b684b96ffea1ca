import { contentHash } from '../../src/ownership';
import { markerLine, ownershipFile, type RenderedFile } from '../../src/render/files';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every file under dir, as sorted '/'-separated relative paths. */
export function walk(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      return e.isDirectory() ? walk(dir, rel) : [rel];
    })
    .sort();
}

/** Every file under dir with its content, keyed by relative path. */
export const readTree = (dir: string): Record<string, string> =>
  Object.fromEntries(walk(dir).map((rel) => [rel, fs.readFileSync(path.join(dir, rel), 'utf8')]));

/** A generated file of `repo` at `p`: its marker line, then `body`. */
export const gen = (repo: string, p: string, body: string): RenderedFile => ({ repo, path: p, content: `${markerLine(p)}\n${body}\n` });

/** A render: the files plus one ownership list per repo, as renderFiles yields them. */
export const withLists = (files: RenderedFile[]): RenderedFile[] => {
  const repos = [...new Set(files.map((f) => f.repo))].sort();
  return [
    ...files,
    ...repos.map((r) =>
      ownershipFile(
        r,
        files.filter((f) => f.repo === r).map((f) => ({ path: f.path, hash: contentHash(f.content) })),
      ),
    ),
  ];
};
