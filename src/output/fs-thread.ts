import { receiveMessageOnPort, MessageChannel, Worker } from 'node:worker_threads';

/**
 * The writer's file system thread. Creating directories and files is the dearest part of a synth
 * (on the bench machine ~0.4 ms per inode), while rendering is plain CPU work; so writeTree hands
 * the file operations to a worker thread and keeps rendering on the main thread. The API stays
 * synchronous: `finish()` blocks (Atomics.wait) until every job has run and returns the first
 * error, if any. After an error the thread skips the remaining jobs.
 *
 * A job puts one file into the new tree: its directory is created when new, then the file is
 * hard-linked from the previous tree when the content there is the same, else written.
 */

export interface FileJob {
  /** Directory to create first (recursive), when this is the first file in it. */
  readonly dir?: string;
  readonly target: string;
  /** The same file in the previous output, to hard-link when unchanged. */
  readonly previous?: string;
  readonly content: string;
}

/** How far rendering may run ahead of the disk, in files, before it waits (bounds memory). */
const MAX_PENDING = 2000;
/** Jobs per message. */
const BATCH = 64;
/** A thread that makes no progress for this long is taken for dead. */
const STALL_MS = 120_000;

// Slots of the shared state.
const DONE = 0;
const FINISHED = 1;

/** The worker's code, plain CommonJS run with `eval`, so it works from build/ and under vitest alike. */
const WORKER_SOURCE = String.raw`
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Int32Array(workerData.state);
const result = workerData.result;
let error;
let linking = true;
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV', 'ENOSYS']);
function sameContent(file, content) {
  let fd;
  try { fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW); } catch { return false; }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size !== Buffer.byteLength(content)) return false;
    return fs.readFileSync(fd, 'utf8') === content;
  } finally { fs.closeSync(fd); }
}
function run(job) {
  if (job.dir !== undefined) fs.mkdirSync(job.dir, { recursive: true });
  if (linking && job.previous !== undefined && sameContent(job.previous, job.content)) {
    try { fs.linkSync(job.previous, job.target); return; } catch (e) { if (!NO_LINK.has(e && e.code)) throw e; linking = false; }
  }
  fs.writeFileSync(job.target, job.content);
}
parentPort.on('message', (jobs) => {
  if (jobs === null) {
    result.postMessage(error === undefined ? null : { message: String(error && error.message), code: error && error.code });
    Atomics.store(state, ${FINISHED}, 1);
    Atomics.notify(state, ${FINISHED});
    parentPort.close();
    return;
  }
  for (const job of jobs) {
    if (error === undefined) { try { run(job); } catch (e) { error = e; } }
  }
  Atomics.add(state, ${DONE}, jobs.length);
  Atomics.notify(state, ${DONE});
});
`;

export class FileThread {
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly result: MessageChannel = new MessageChannel();
  private batch: FileJob[] = [];
  private posted = 0;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { state: this.state.buffer, result: this.result.port2 },
      transferList: [this.result.port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
  }

  add(job: FileJob): void {
    this.batch.push(job);
    if (this.batch.length >= BATCH) this.flush();
  }

  /** Runs every job still queued; the first error any job raised, or undefined. */
  finish(): Error | undefined {
    this.flush();
    this.worker.postMessage(null);
    this.waitFor(FINISHED, () => Atomics.load(this.state, FINISHED) === 1);
    const reply = receiveMessageOnPort(this.result.port1)?.message as { message: string; code?: string } | null | undefined;
    this.result.port1.close();
    void this.worker.terminate();
    if (reply === undefined) return new Error('internal: the writer thread ended without a reply');
    return reply === null ? undefined : Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.worker.postMessage(this.batch);
    this.posted += this.batch.length;
    this.batch = [];
    // Backpressure: never hold more than MAX_PENDING rendered files in the queue.
    this.waitFor(DONE, () => this.posted - Atomics.load(this.state, DONE) <= MAX_PENDING);
  }

  private waitFor(slot: number, ready: () => boolean): void {
    let last = Atomics.load(this.state, DONE);
    let since = Date.now();
    while (!ready()) {
      Atomics.wait(this.state, slot, Atomics.load(this.state, slot), 1000);
      const now = Atomics.load(this.state, DONE);
      if (now !== last) { last = now; since = Date.now(); }
      else if (Date.now() - since > STALL_MS) throw new Error('internal: the writer thread stopped making progress');
    }
  }
}
