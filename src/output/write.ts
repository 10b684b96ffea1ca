import * as fs from 'node:fs';
import * as path from 'node:path';
import { JoinkeyError } from '../errors';
import { hasMarker, OWNERSHIP_FILE, type RenderedFile } from '../render/files';

/** File system calls the writer makes, so tests can fail one of them midway. */
export interface WriterFs {
  writeFileSync(file: string, data: string): void;
  mkdirSync(dir: string, opts: { recursive: true }): unknown;
  renameSync(from: string, to: string): void;
}

export interface WriteResult {
  readonly files: number;
}

/**
 * Replaces `outDir` with exactly the rendered files, atomically: they are streamed into a sibling
 * temp dir, which then takes outDir's place by rename. Any failure leaves the old outDir as it was.
 * An outDir holding anything joinkey does not own is refused, never wiped.
 */
export function writeTree(outDir: string, files: Iterable<RenderedFile>, io: WriterFs = fs): WriteResult {
  const out = path.resolve(outDir);
  assertReplaceable(out);
  const parent = path.dirname(out);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(out)}.joinkey-tmp-`));
  let count = 0;
  try {
    const made = new Set<string>();
    for (const f of files) {
      const target = path.join(tmp, f.repo, ...f.path.split('/'));
      const dir = path.dirname(target);
      if (!made.has(dir)) { io.mkdirSync(dir, { recursive: true }); made.add(dir); }
      io.writeFileSync(target, f.content);
      count++;
    }
    swapIn(tmp, out, io);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (e instanceof JoinkeyError) throw e;
    throw new JoinkeyError(`could not write ${outDir}: ${(e as Error).message}; the previous ${outDir} is unchanged`);
  }
  return { files: count };
}

function swapIn(tmp: string, out: string, io: WriterFs): void {
  if (!fs.existsSync(out)) { io.renameSync(tmp, out); return; }
  const old = `${tmp}-old`;
  io.renameSync(out, old);
  try {
    io.renameSync(tmp, out);
  } catch (e) {
    fs.renameSync(old, out);
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** Refuses an outDir that is not a directory or holds a file joinkey did not write. */
export function assertReplaceable(out: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(out);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new JoinkeyError(`refusing to write to ${out}: it exists and is not a directory`);
  const foreign = foreignFiles(out);
  if (foreign.length) {
    const shown = foreign.slice(0, 10).map((f) => `  ${f}`).join('\n');
    const more = foreign.length > 10 ? `\n  ... and ${foreign.length - 10} more` : '';
    throw new JoinkeyError(`refusing to replace ${out}: it holds files joinkey did not generate (no joinkey marker):\n${shown}${more}\nMove them away or pick another --out.`);
  }
}

/** Paths under root (relative, '/'-separated) that carry no joinkey marker and no ownership entry. */
export function foreignFiles(root: string): string[] {
  const owned = new Set<string>();
  for (const top of safeReaddir(root)) {
    const list = path.join(root, top.name, ...OWNERSHIP_FILE.split('/'));
    if (!top.isDirectory() || !fs.existsSync(list)) continue;
    const text = fs.readFileSync(list, 'utf8');
    if (!hasMarker(text)) continue;
    try {
      const files = (JSON.parse(text) as { files?: unknown }).files;
      if (Array.isArray(files)) for (const f of files) if (typeof f === 'string') owned.add(`${top.name}/${f}`);
    } catch { /* an unreadable list owns nothing; its files are checked one by one */ }
  }
  const foreign: string[] = [];
  for (const rel of walk(root)) {
    if (owned.has(rel)) continue;
    const full = path.join(root, ...rel.split('/'));
    if (!fs.lstatSync(full).isFile() || !hasMarker(readHead(full))) foreign.push(rel);
  }
  return foreign.sort();
}

export interface TreeDiff {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/** Compares the rendered files with what outDir holds, without writing anything. */
export function diffTree(outDir: string, files: Iterable<RenderedFile>): TreeDiff {
  const out = path.resolve(outDir);
  const changed: string[] = [];
  const missing: string[] = [];
  const expected = new Set<string>();
  for (const f of files) {
    const rel = `${f.repo}/${f.path}`;
    expected.add(rel);
    let current: string;
    try {
      current = fs.readFileSync(path.join(out, f.repo, ...f.path.split('/')), 'utf8');
    } catch {
      missing.push(rel);
      continue;
    }
    if (current !== f.content) changed.push(rel);
  }
  const extra = fs.existsSync(out) ? walk(out).filter((rel) => !expected.has(rel)) : [];
  return { changed: changed.sort(), missing: missing.sort(), extra: extra.sort() };
}

function walk(root: string, prefix = ''): string[] {
  const result: string[] = [];
  for (const entry of safeReaddir(path.join(root, prefix))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) result.push(...walk(root, rel));
    else result.push(rel);
  }
  return result;
}

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
