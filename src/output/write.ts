import * as fs from 'node:fs';
import * as path from 'node:path';
import { InternalError, JoinkeyError } from '../errors';
import { hasMarker, OWNERSHIP_FILE, type RenderedFile } from '../render/files';
import { FileThread, type FileJob } from './fs-thread';

/** File system calls the writer makes, so tests can fail one of them midway. */
export interface WriterFs {
  writeFileSync(file: string, data: string): void;
  mkdirSync(dir: string, opts: { recursive: true }): unknown;
  renameSync(from: string, to: string): void;
  /** Hard-links an unchanged file of the previous output into the new tree; fs.linkSync when absent. */
  linkSync?(existing: string, link: string): void;
}

export interface WriteResult {
  readonly files: number;
}

/**
 * Replaces `outDir` with exactly the rendered files, atomically: they are streamed into a sibling
 * temp dir, which then takes outDir's place by rename. Any failure leaves the old outDir as it was.
 * An outDir holding anything joinkey does not own is refused, never wiped.
 *
 * A file whose content is unchanged is hard-linked from the old outDir instead of written: creating
 * an inode is by far the dearest file system call (on the bench machine ~20x a link), and a re-run
 * mostly reproduces the same files. The old outDir itself is never modified before the swap.
 * With the real file system, the directories and files of a large tree are made on a worker
 * thread (fs-thread.ts) while this thread goes on rendering.
 */
export function writeTree(outDir: string, files: Iterable<RenderedFile>, io: WriterFs = fs): WriteResult {
  const out = path.resolve(outDir);
  const previous = assertReplaceable(out) ? out : undefined;
  const parent = path.dirname(out);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(out)}.joinkey-tmp-`));
  const local = new LocalFiles(io, previous !== undefined);
  let thread: FileThread | undefined;
  let count = 0;
  try {
    const made = new Set<string>();
    for (const f of files) {
      const rel = [f.repo, ...f.path.split('/')];
      const target = path.join(tmp, ...rel);
      const dir = path.dirname(target);
      const newDir = !made.has(dir);
      if (newDir) made.add(dir);
      const job: FileJob = { ...(newDir ? { dir } : {}), target, ...(previous !== undefined ? { previous: path.join(previous, ...rel) } : {}), content: f.content };
      if (!thread && io === fs && count === THREAD_AFTER_FILES) thread = new FileThread();
      if (thread) thread.add(job);
      else local.put(job);
      count++;
    }
    if (thread) {
      const error = thread.finish();
      thread = undefined;
      if (error) throw error;
    }
    swapIn(tmp, out, io);
  } catch (e) {
    try {
      thread?.finish(); // it must be done with tmp before tmp is removed
    } catch { /* the first error is the one reported */ }
    fs.rmSync(tmp, { recursive: true, force: true });
    if (e instanceof JoinkeyError || e instanceof InternalError) throw e; // a render bug stays a bug (exit 70)
    throw new JoinkeyError(`could not write ${outDir}: ${(e as Error).message}; the previous ${outDir} is unchanged`);
  }
  return { files: count };
}

/** Below this many files, the worker thread would cost more than it saves. */
const THREAD_AFTER_FILES = 200;

/** FileJobs run on this thread, through the (injectable) WriterFs. Same steps as fs-thread.ts. */
class LocalFiles {
  private readonly link: (existing: string, link: string) => void;

  constructor(private readonly io: WriterFs, private linking: boolean) {
    this.link = io.linkSync ? io.linkSync.bind(io) : fs.linkSync;
  }

  put(job: FileJob): void {
    if (job.dir !== undefined) this.io.mkdirSync(job.dir, { recursive: true });
    if (this.linking && job.previous !== undefined && sameContent(job.previous, job.content)) {
      try {
        this.link(job.previous, job.target);
        return;
      } catch (e) {
        // A file system without hard links: write every file from now on.
        if (!isNoLinkError(e)) throw e;
        this.linking = false;
      }
    }
    this.io.writeFileSync(job.target, job.content);
  }
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
  removeTree(old);
}

/**
 * Deletes a tree that only joinkey wrote: one readdir per directory, unlink for every other entry
 * (symlinks are never followed), one rmdir per directory. About 30 % faster than fs.rmSync, whose
 * rimraf first tries rmdir on every directory and lstats every entry. Falls back to rmSync.
 */
function removeTree(dir: string): void {
  try {
    const remove = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) remove(p);
        else fs.unlinkSync(p);
      }
      fs.rmdirSync(d);
    };
    remove(dir);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** True when `file` is a regular file (not a link to one) holding exactly `content`. */
function sameContent(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size !== Buffer.byteLength(content)) return false;
    return fs.readFileSync(fd, 'utf8') === content;
  } finally {
    fs.closeSync(fd);
  }
}

function isNoLinkError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK' || code === 'EXDEV' || code === 'ENOSYS';
}

/**
 * Refuses an outDir that is not a directory or holds a file joinkey did not write. True when
 * outDir exists (and may be replaced), false when there is none yet.
 */
export function assertReplaceable(out: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(out);
  } catch {
    return false;
  }
  if (!stat.isDirectory()) throw new JoinkeyError(`refusing to write to ${out}: it exists and is not a directory`);
  const foreign = foreignFiles(out);
  if (foreign.length) {
    const shown = foreign.slice(0, 10).map((f) => `  ${f}`).join('\n');
    const more = foreign.length > 10 ? `\n  ... and ${foreign.length - 10} more` : '';
    throw new JoinkeyError(`refusing to replace ${out}: it holds files joinkey did not generate (no joinkey marker):\n${shown}${more}\nMove them away or pick another --out.`);
  }
  return true;
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
