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
