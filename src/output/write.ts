import * as fs from 'node:fs';
import * as path from 'node:path';
import { JoinkeyError } from '../errors';
import { contentHash, isSafeRepoPath, OWNERSHIP_FILE, ownershipOf, parseOwnership, type OwnershipList } from '../ownership';
import type { RenderedFile } from '../render/files';
import { describeFsError, isFsError } from '../util/errno';
import { PlaceThread } from './fs-thread';

/**
 * The output writer, the projen way: it writes only the files whose bytes changed, each through a
 * temp file and a rename; deletes only the files it owns that are no longer generated; writes the
 * ownership lists last. A synth whose output is unchanged writes nothing at all.
 *
 * The guarantee, whatever the point at which a run is killed or fails:
 * - every file in OUT is whole, its old content or its new one, never a part of either;
 * - OUT itself is never removed or recreated, so its mode and owner stay as they are;
 * - the next run converges: it takes the files the interrupted run wrote as joinkey's (they are
 *   in the journal), finishes the job and removes the temp dir, leaving nothing behind.
 *
 * The journal (OUT/.joinkey-tmp/journal) gets one line per file, `<hash> <json path>`, before the
 * file is renamed into place; it is removed once the ownership lists are written.
 *
 * OUT may only hold joinkey's files (src/ownership.ts): a hand-written file, a hand-edited one or
 * a symlink refuses the whole run before anything is touched.
 */

/** File system calls the writer makes, so tests can fail one of them midway. */
export interface WriterFs {
  writeFileSync(file: string, data: string): void;
  mkdirSync(dir: string, opts: { recursive: true }): unknown;
  renameSync(from: string, to: string): void;
  unlinkSync?(file: string): void;
}

export interface WriteOptions {
  /** Files that must never be written or deleted (the config synth reads): an OUT holding one is refused. */
  readonly protect?: readonly string[];
  /** How to name OUT in messages (the --out the user gave); outDir itself by default. */
  readonly shown?: string;
  /**
   * Called for each file this run adds, replaces or deletes (`<repo>/<path>`), just before it
   * does: `previous()` reads what OUT holds there now (undefined for a new file). The live guard
   * of synth reads the previous render of what changes through it.
   */
  readonly onChange?: (rel: string, previous: () => string | undefined) => void;
}

export interface WriteResult {
  /** Files rendered. */
  readonly files: number;
  /** Files written (new or changed) and deleted (owned, no longer generated). */
  readonly written: number;
  readonly deleted: number;
}

/** The writer's own dir inside OUT: temp files and the journal of a run under way. */
export const WRITER_DIR = '.joinkey-tmp';
const JOURNAL = 'journal';
const TEMP_FILE = /^\d+-\d+\.tmp$/;
/** Files a run places itself before it hands the rest to the file system thread (below that, starting the thread costs more than it saves). */
const THREAD_AFTER = 200;

/** What OUT holds, every file verified as joinkey's. */
interface OutState {
  readonly exists: boolean;
  /** `<repo>/<path>` -> content hash of every owned file (ownership lists excluded). */
  readonly owned: Map<string, string>;
  /** Repo ids that have an ownership list, with its hash. */
  readonly lists: Map<string, string>;
  /** Temp files an interrupted run left in WRITER_DIR. */
  readonly leftovers: string[];
  readonly journal: boolean;
}

export function writeTree(outDir: string, files: Iterable<RenderedFile>, io: WriterFs = fs, options: WriteOptions = {}): WriteResult {
  const out = path.resolve(outDir);
  const shown = options.shown ?? outDir;
  for (const file of options.protect ?? []) {
    if (isInside(realPath(file), realPath(out))) {
      throw new JoinkeyError(`refusing to write to ${shown}: it holds ${file}, the config file synth reads; pick an --out that does not contain it`);
    }
  }
  const state = scanOut(out, shown);
  const run = new WriteRun(out, shown, io, state, options.onChange);
  try {
    return run.write(files);
  } catch (e) {
    run.abandon();
    if (e instanceof WriteFailure) {
      const done = run.changedSoFar();
      const after =
        done === 0
          ? `the previous ${shown} is unchanged`
          : `${done} file${done === 1 ? ' was' : 's were'} already replaced, each whole; run synth again to finish`;
      throw new JoinkeyError(`could not write ${e.target}: ${describeFsError(e.cause)}; ${after}`);
    }
    throw e;
  }
}

/** A file system call failed; `target` is the path shown to the user. */
class WriteFailure extends Error {
  constructor(
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(describeFsError(cause));
  }
}

class WriteRun {
  private readonly tmpDir: string;
  private journalFd: number | undefined;
  private seq = 0;
  /** Temp files written and not yet renamed or removed. */
  private readonly pendingTemps = new Set<string>();
  private changed = 0;
  private deleted = 0;
  private journaled = false;
  /** This run created or opened the journal (a temp file of an ownership list opens it too). */
  private journalOpened = false;
  /** Directories this run made or found in place (a synth puts several files in one); forgotten when one is removed. */
  private readonly madeDirs = new Set<string>();
  /** The file system thread, once THREAD_AFTER files were placed here (real file system only), and the files queued on it. */
  private thread: PlaceThread | undefined;
  private readonly threadJobs: { rel: string; temp: string }[] = [];
  private placedHere = 0;

  constructor(
    private readonly out: string,
    private readonly shown: string,
    private readonly io: WriterFs,
    private readonly state: OutState,
    private readonly onChange?: (rel: string, previous: () => string | undefined) => void,
  ) {
    this.tmpDir = path.join(out, WRITER_DIR);
  }

  write(files: Iterable<RenderedFile>): WriteResult {
    this.removeLeftovers();
    const seen = new Set<string>();
    const lists: RenderedFile[] = [];
    const deferred: { rel: string; temp: string }[] = [];
    let count = 0;
    for (const f of files) {
      count++;
      const rel = relPath(f);
      if (seen.has(rel)) throw new Error(`internal: ${rel} rendered twice`);
      seen.add(rel);
      if (f.path === OWNERSHIP_FILE) {
        lists.push(f);
        continue;
      }
      const hash = contentHash(f.content);
      if (this.state.owned.get(rel) === hash) continue;
      this.announce(rel, this.state.owned.has(rel));
      if (this.onThread()) this.queue(f.content, hash, rel);
      else {
        const temp = this.writeTemp(f.content);
        this.journal(hash, rel);
        if (!this.placeTemp(temp, rel)) deferred.push({ rel, temp });
      }
    }
    deferred.push(...this.finishThread());
    // Owned files no longer generated, then files that waited for them to go (a file where a
    // stale directory was, or the other way round).
    for (const rel of [...this.state.owned.keys()].sort()) {
      if (!seen.has(rel)) this.remove(rel);
    }
    for (const repo of this.state.lists.keys()) {
      const rel = `${repo}/${OWNERSHIP_FILE}`;
      if (!seen.has(rel)) this.remove(rel);
    }
    for (const d of deferred) {
      if (!this.placeTemp(d.temp, d.rel)) throw new WriteFailure(path.join(this.shown, d.rel), Object.assign(new Error('in the way'), { code: 'EEXIST' }));
    }
    for (const f of lists) {
      if (this.state.lists.get(f.repo) === contentHash(f.content)) continue;
      this.announce(relPath(f), this.state.lists.has(f.repo));
      this.placeTemp(this.writeTemp(f.content), relPath(f), true);
    }
    this.finish();
    return { files: count, written: this.changed, deleted: this.deleted };
  }

  changedSoFar(): number {
    return this.changed + this.deleted;
  }

  /** After a failure: temp files go; the journal stays when a file was replaced, for the next run. */
  abandon(): void {
    try {
      this.finishThread();
    } catch {
      /* the failure being handled is the one to report */
    }
    for (const temp of this.pendingTemps) tryUnlink(temp);
    this.pendingTemps.clear();
    this.closeJournal();
    if (!this.journaled && this.changed + this.deleted === 0) {
      tryUnlink(path.join(this.tmpDir, JOURNAL));
      tryRmdir(this.tmpDir);
    }
  }

  private removeLeftovers(): void {
    for (const name of this.state.leftovers) this.step(path.join(WRITER_DIR, name), () => (this.io.unlinkSync ?? fs.unlinkSync)(path.join(this.tmpDir, name)));
  }

  /** True when this file goes to the file system thread (started here after THREAD_AFTER files). */
  private onThread(): boolean {
    if (this.thread) return true;
    if (this.io !== fs || this.placedHere++ < THREAD_AFTER) return false;
    if (this.journalFd === undefined) this.openJournal();
    this.thread = new PlaceThread(this.journalFd!);
    return true;
  }

  /** Hands one file's temp write, journal line and rename to the thread. */
  private queue(content: string, hash: string, rel: string): void {
    const temp = this.nextTemp();
    const target = this.target(rel);
    this.threadJobs.push({ rel, temp });
    this.thread!.add({ temp, content, line: journalLine(hash, rel), dir: path.dirname(target), target });
  }

  /**
   * Waits for the thread's jobs and takes over their outcome, as if this thread had run them:
   * the files placed, the temp files left, the failure (a WriteFailure naming the same path).
   * Returns the files to place once the stale ones are gone.
   */
  private finishThread(): { rel: string; temp: string }[] {
    const thread = this.thread;
    if (!thread) return [];
    this.thread = undefined;
    const result = thread.finish();
    this.changed += result.placed;
    if (result.journaled > 0) this.journaled = true;
    const deferred = new Set(result.deferred);
    const end = result.failure?.index ?? this.threadJobs.length;
    this.threadJobs.forEach((job, i) => {
      if (i < end && !deferred.has(i)) this.pendingTemps.delete(job.temp);
    });
    if (result.failure) {
      const { index, step, error } = result.failure;
      const job = this.threadJobs[index]!;
      if (step === 'place') throw new WriteFailure(path.join(this.shown, job.rel), error);
      this.step(path.join(WRITER_DIR, step === 'temp' ? path.basename(job.temp) : JOURNAL), () => {
        throw error;
      });
    }
    return result.deferred.map((i) => this.threadJobs[i]!);
  }

  private nextTemp(): string {
    if (this.journalFd === undefined) this.openJournal();
    const temp = path.join(this.tmpDir, `${process.pid}-${this.seq++}.tmp`);
    this.pendingTemps.add(temp);
    return temp;
  }

  private writeTemp(content: string): string {
    const temp = this.nextTemp();
    this.step(path.join(WRITER_DIR, path.basename(temp)), () => this.io.writeFileSync(temp, content));
    return temp;
  }

  private openJournal(): void {
    this.step(WRITER_DIR, () => this.io.mkdirSync(this.tmpDir, { recursive: true }));
    this.journalFd = this.step(path.join(WRITER_DIR, JOURNAL), () => fs.openSync(path.join(this.tmpDir, JOURNAL), 'a'));
    this.journalOpened = true;
  }

  private journal(hash: string, rel: string): void {
    // One write per line: a kill cannot leave half a line followed by another.
    this.step(path.join(WRITER_DIR, JOURNAL), () => fs.writeSync(this.journalFd!, journalLine(hash, rel)));
    this.journaled = true;
  }

  private closeJournal(): void {
    if (this.journalFd === undefined) return;
    try {
      fs.closeSync(this.journalFd);
    } catch {
      /* already closed */
    }
    this.journalFd = undefined;
  }

  /**
   * Renames a temp file to OUT/rel. False when something is in the way (a directory at rel, or a
   * file where a parent directory must be) and `must` is not set: the caller retries after the
   * stale files are gone.
   */
  private placeTemp(temp: string, rel: string, must = false): boolean {
    const target = this.target(rel);
    try {
      const dir = path.dirname(target);
      if (!this.madeDirs.has(dir)) {
        this.io.mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      this.io.renameSync(temp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (!must && (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOTEMPTY')) return false;
      throw new WriteFailure(path.join(this.shown, rel), e);
    }
    this.pendingTemps.delete(temp);
    this.changed++;
    return true;
  }

  /** Tells onChange that rel changes; `existed`: OUT holds joinkey's file there now. */
  private announce(rel: string, existed: boolean): void {
    if (!this.onChange) return;
    this.onChange(rel, () => {
      if (!existed) return undefined;
      try {
        return fs.readFileSync(this.target(rel), 'utf8');
      } catch {
        return undefined;
      }
    });
  }

  private remove(rel: string): void {
    const target = this.target(rel);
    this.announce(rel, true);
    this.step(path.join(this.shown, rel), () => (this.io.unlinkSync ?? fs.unlinkSync)(target));
    this.deleted++;
    // Directories the deletion left empty go too, up to (not including) OUT.
    for (let dir = path.dirname(target); dir !== this.out && dir.startsWith(this.out + path.sep); dir = path.dirname(dir)) {
      if (!tryRmdir(dir)) break;
      this.madeDirs.clear();
    }
  }

  private finish(): void {
    this.closeJournal();
    if (this.journalOpened || this.state.journal)
      this.step(path.join(WRITER_DIR, JOURNAL), () => (this.io.unlinkSync ?? fs.unlinkSync)(path.join(this.tmpDir, JOURNAL)));
    tryRmdir(this.tmpDir);
  }

  private target(rel: string): string {
    return path.join(this.out, ...rel.split('/'));
  }

  private step<T>(shownPath: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof WriteFailure || e instanceof JoinkeyError || !isFsError(e)) throw e;
      throw new WriteFailure(shownPath.startsWith(WRITER_DIR) ? path.join(this.shown, shownPath) : shownPath, e);
    }
  }
}

/** A file's line in the journal, written before the file is renamed into place. */
function journalLine(hash: string, rel: string): string {
  return `${hash} ${JSON.stringify(rel)}\n`;
}

function relPath(f: RenderedFile): string {
  if (!isSafeRepoPath(f.repo) || f.repo.includes('/') || f.repo === WRITER_DIR || !isSafeRepoPath(f.path)) {
    throw new Error(`internal: unsafe output path ${JSON.stringify(`${f.repo}/${f.path}`)}`);
  }
  return `${f.repo}/${f.path}`;
}

/** The path with every symlink resolved, as far as it exists. */
function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function tryUnlink(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* gone already */
  }
}

function tryRmdir(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads OUT and verifies that everything in it is joinkey's: per repo dir, the files its ownership
 * list names with their recorded hash (or a hash the journal of an interrupted run recorded), and
 * the writer's own dir. Stops at the first file that is not, and refuses the run naming it. The
 * walk is iterative, so a deep or huge foreign tree can neither overflow the stack nor be read whole.
 */
function scanOut(out: string, shown: string): OutState {
  const owned = new Map<string, string>();
  const lists = new Map<string, string>();
  const state: OutState = { exists: false, owned, lists, leftovers: [], journal: false };
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw new JoinkeyError(`cannot read ${shown}: ${describeFsError(e)}`);
  }
  if (!stat.isDirectory()) throw new JoinkeyError(`refusing to write to ${shown}: it exists and is not a directory`);
  const refuse = (rel: string, why: string): never => {
    throw new JoinkeyError(
      `refusing to write to ${shown}: ${path.join(shown, rel)} ${why}.\nsynth only replaces files it wrote itself (listed with their hash in <repo>/${OWNERSHIP_FILE}); move that file away or pick another --out.`,
    );
  };
  const accepted = readJournal(out);
  const top = readDir(out, shown);
  const leftovers: string[] = [];
  for (const entry of top) {
    if (entry.name === WRITER_DIR && entry.isDirectory()) {
      for (const e of readDir(path.join(out, WRITER_DIR), path.join(shown, WRITER_DIR))) {
        if (e.isFile() && TEMP_FILE.test(e.name)) leftovers.push(e.name);
        else if (!(e.isFile() && e.name === JOURNAL)) refuse(`${WRITER_DIR}/${e.name}`, 'is not a temp file of joinkey');
      }
      continue;
    }
    if (!entry.isDirectory()) refuse(entry.name, entry.isSymbolicLink() ? 'is a symlink' : 'is not in any repo dir joinkey writes');
    scanRepo(out, shown, entry.name, accepted, owned, lists, refuse);
  }
  return { exists: true, owned, lists, leftovers, journal: accepted.size > 0 || fs.existsSync(path.join(out, WRITER_DIR, JOURNAL)) };
}

function scanRepo(
  out: string,
  shown: string,
  repo: string,
  accepted: ReadonlyMap<string, Set<string>>,
  owned: Map<string, string>,
  lists: Map<string, string>,
  refuse: (rel: string, why: string) => never,
): void {
  const listText = readRegular(path.join(out, repo, ...OWNERSHIP_FILE.split('/')));
  const list: OwnershipList = parseOwnership(listText);
  if (listText !== undefined && list.valid) lists.set(repo, contentHash(listText));
  const stack = [''];
  while (stack.length) {
    const dir = stack.pop()!;
    const entries = readDir(path.join(out, repo, ...dir.split('/').filter(Boolean)), path.join(shown, repo, dir));
    for (const e of entries) {
      const p = dir ? `${dir}/${e.name}` : e.name;
      const rel = `${repo}/${p}`;
      if (e.isDirectory()) {
        stack.push(p);
        continue;
      }
      if (!e.isFile()) refuse(rel, e.isSymbolicLink() ? 'is a symlink' : 'is not a regular file');
      if (p === OWNERSHIP_FILE) {
        if (!list.valid) refuse(rel, 'is not an ownership list joinkey wrote');
        continue;
      }
      if (!list.files.has(p) && !accepted.has(rel)) refuse(rel, 'was not written by joinkey');
      const content = readRegular(path.join(out, ...rel.split('/')));
      if (content === undefined) refuse(rel, 'could not be read');
      const hash = contentHash(content);
      const verdict = ownershipOf(p, content, list, accepted.get(rel), hash);
      if (verdict === 'edited')
        refuse(
          rel,
          `was edited by hand since joinkey wrote it (it differs from what ${repo}/${OWNERSHIP_FILE} recorded); move the change into apps.yaml, then delete the file`,
        );
      if (verdict === 'unowned') refuse(rel, 'was not written by joinkey');
      owned.set(rel, hash);
    }
  }
}

/** Hashes the journal of an interrupted run recorded, per `<repo>/<path>`. A torn last line is ignored. */
function readJournal(out: string): Map<string, Set<string>> {
  const accepted = new Map<string, Set<string>>();
  const text = readRegular(path.join(out, WRITER_DIR, JOURNAL));
  if (text === undefined) return accepted;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) ("(?:[^"\\]|\\.)*")$/.exec(line);
    if (!m) continue;
    let rel: unknown;
    try {
      rel = JSON.parse(m[2]!);
    } catch {
      continue;
    }
    if (typeof rel !== 'string') continue;
    let set = accepted.get(rel);
    if (!set) accepted.set(rel, (set = new Set()));
    set.add(m[1]!);
  }
  return accepted;
}

/** The entries of dir, sorted; `shown` names it in the error. */
function readDir(dir: string, shown: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new JoinkeyError(`cannot read ${shown}: ${describeFsError(e)}`);
  }
}

/** The content of a regular file (never through a symlink), or undefined. */
function readRegular(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return fs.fstatSync(fd).isFile() ? fs.readFileSync(fd, 'utf8') : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export interface TreeDiff {
  readonly changed: string[];
  readonly missing: string[];
  /** Files OUT holds that the render does not, at most MAX_EXTRA of them (the walk stops there). */
  readonly extra: string[];
}

/** Enough stale files to show; walking on (say, `--out /`) would only read the whole disk. */
export const MAX_EXTRA = 1000;

/** Compares the rendered files with what outDir holds, without writing anything. */
export function diffTree(outDir: string, files: Iterable<RenderedFile>): TreeDiff {
  const out = path.resolve(outDir);
  const changed: string[] = [];
  const missing: string[] = [];
  const expected = new Set<string>();
  for (const f of files) {
    const rel = `${f.repo}/${f.path}`;
    expected.add(rel);
    const current = readRegular(path.join(out, f.repo, ...f.path.split('/')));
    if (current === undefined) missing.push(rel);
    else if (current !== f.content) changed.push(rel);
  }
  const extra = walkFiles(out, (rel) => !expected.has(rel), MAX_EXTRA);
  return { changed: changed.sort(), missing: missing.sort(), extra: extra.sort() };
}

/**
 * The non-directories under root that `keep` accepts, relative and '/'-separated, at most
 * `limit` of them; iterative, so no depth or size of tree overflows the stack. None when root is absent.
 */
function walkFiles(root: string, keep: (rel: string) => boolean, limit: number): string[] {
  const result: string[] = [];
  const stack = [''];
  while (stack.length && result.length < limit) {
    const rel = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(p);
      else if (keep(p) && result.push(p) >= limit) break;
    }
  }
  return result;
}
