/**
 * The floor of a full synth on this machine: the same tree written from bytes already in memory.
 * Reads a finished output dir into memory first (untimed), then times only creating a fresh dir
 * with every directory and file of it (mkdir parents first, then writeFile per file), and prints
 * `{"seconds", "files", "dirs"}` as JSON. No render, no temp dir, no rename: what no writer can beat.
 *
 *   node build/bench/floor.js <finished OUT> <fresh dir, must not exist>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TreeBytes {
  /** Directories relative to the root, parents before children. */
  readonly dirs: readonly string[];
  readonly files: ReadonlyArray<readonly [string, Buffer]>;
}

export function readTreeBytes(root: string): TreeBytes {
  const dirs: string[] = [];
  const files: Array<[string, Buffer]> = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.push(child);
        walk(child);
      } else if (e.isFile()) files.push([child, fs.readFileSync(path.join(root, child))]);
    }
  };
  walk('');
  return { dirs, files };
}

/** Seconds to write `tree` into `target` (which must not exist). */
export function writeTreeBytes(tree: TreeBytes, target: string): number {
  const start = process.hrtime.bigint();
  fs.mkdirSync(target);
  for (const d of tree.dirs) fs.mkdirSync(path.join(target, d));
  for (const [rel, bytes] of tree.files) fs.writeFileSync(path.join(target, rel), bytes);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

if (require.main === module) {
  const [source, target] = process.argv.slice(2);
  if (!source || !target || fs.existsSync(target)) {
    process.stderr.write('usage: node build/bench/floor.js <finished OUT> <fresh dir, must not exist>\n');
    process.exit(1);
  }
  const tree = readTreeBytes(source);
  const seconds = writeTreeBytes(tree, target);
  process.stdout.write(`${JSON.stringify({ seconds, files: tree.files.length, dirs: tree.dirs.length })}\n`);
}
