import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The thin effectful edge of the inventory: a checkout read into the map the pure core takes.
 * Skips .git and node_modules, symlinks and files that are not UTF-8 text (a NUL byte), and files
 * over `maxBytes`.
 */

const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform']);

/** The largest file the inventory reads from a checkout or a base branch; larger ones are left out. */
export const MAX_TEXT_FILE_BYTES = 4 * 1024 * 1024;

export function readRepoDir(dir: string, maxBytes = MAX_TEXT_FILE_BYTES): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const a = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(a);
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(a, r);
      } else if (st.isFile() && st.size <= maxBytes) {
        const buf = readFileSync(a);
        if (!buf.includes(0)) files.set(r, buf.toString('utf8'));
      }
    }
  };
  walk(dir, '');
  return files;
}

/** `<reposDir>/<repo>` for each repo id that has a directory there. */
export function readReposDir(reposDir: string, repoIds: Iterable<string>): Map<string, Map<string, string>> {
  const trees = new Map<string, Map<string, string>>();
  for (const id of repoIds) {
    const dir = join(reposDir, id);
    try {
      if (!lstatSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    trees.set(id, readRepoDir(dir));
  }
  return trees;
}
