import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * The writer's file system thread. Creating files and directories is kernel work (on the bench
 * machine 0.1-0.4 ms per inode) that does not need the render thread, so once a run has many files
 * to place, writeTree hands each file's three steps to a worker thread and keeps rendering:
 * write the temp file, append its journal line, then make its directory (once) and rename the
 * temp file into place. The steps of one file, and the files, run in the order they were added,
 * so the journal still names every file before it appears in OUT.
 *
 * The API is synchronous: `finish()` blocks (Atomics.wait) until every job has run. A rename or
 * mkdir that finds something in the way is not an error: the job is handed back (`deferred`) for
 * the writer to place once the stale files are gone. Any other failure stops the thread; every job
 * after it is skipped, and `finish()` names the job and the step that failed.
 */

export interface PlaceJob {
  readonly temp: string;
  readonly content: string;
  /** The file's journal line, appended to `journalFd` before the rename. */
  readonly line: string;
  readonly dir: string;
  readonly target: string;
}

export type PlaceStep = 'temp' | 'journal' | 'place';

export interface PlaceResult {
  /** Jobs whose file is in place. */
  readonly placed: number;
  /** Journal lines written. */
  readonly journaled: number;
  /** Indexes of the jobs whose rename or mkdir found something in the way, in order. */
  readonly deferred: readonly number[];
  /** The failure that stopped the thread: the job's index, the step and the error (with its errno code). */
  readonly failure?: { readonly index: number; readonly step: PlaceStep; readonly error: Error };
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
const IN_THE_WAY = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY']);
const made = new Set();
const deferred = [];
let index = 0, placed = 0, journaled = 0, failure;
function run(job) {
  let step = 'temp';
  try {
    fs.writeFileSync(job.temp, job.content);
    step = 'journal';
    fs.writeSync(workerData.journalFd, job.line);
    journaled++;
    step = 'place';
    if (!made.has(job.dir)) { fs.mkdirSync(job.dir, { recursive: true }); made.add(job.dir); }
    fs.renameSync(job.temp, job.target);
    placed++;
  } catch (e) {
    if (step === 'place' && IN_THE_WAY.has(e && e.code)) deferred.push(index);
    else failure = { index, step, message: String(e && e.message), code: e && e.code, syscall: e && e.syscall, path: e && e.path };
  }
}
parentPort.on('message', (jobs) => {
  if (jobs === null) {
    workerData.result.postMessage({ placed, journaled, deferred, failure });
    Atomics.store(state, ${FINISHED}, 1);
    Atomics.notify(state, ${FINISHED});
    parentPort.close();
    return;
  }
  for (const job of jobs) {
    if (failure === undefined) run(job);
    index++;
  }
  Atomics.add(state, ${DONE}, jobs.length);
  Atomics.notify(state, ${DONE});
});
`;

export class PlaceThread {
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly result = new MessageChannel();
  private batch: PlaceJob[] = [];
  private posted = 0;

  constructor(journalFd: number) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { state: this.state.buffer, result: this.result.port2, journalFd },
      transferList: [this.result.port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
  }

  add(job: PlaceJob): void {
    this.batch.push(job);
    if (this.batch.length >= BATCH) this.flush();
  }

  /** Runs every job still queued, then ends the thread. */
  finish(): PlaceResult {
    this.flush();
    this.worker.postMessage(null);
    this.waitFor(FINISHED, () => Atomics.load(this.state, FINISHED) === 1);
    const reply = receiveMessageOnPort(this.result.port1)?.message as WorkerReply | undefined;
    this.result.port1.close();
    void this.worker.terminate();
    if (reply === undefined) throw new Error('internal: the writer thread ended without a reply');
    const { failure, ...counts } = reply;
    if (!failure) return counts;
    const { index, step, message, ...errno } = failure;
    const error = Object.assign(new Error(message), Object.fromEntries(Object.entries(errno).filter(([, v]) => v !== undefined)));
    return { ...counts, failure: { index, step, error } };
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
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) throw new Error('internal: the writer thread stopped making progress');
    }
  }
}

interface WorkerReply {
  readonly placed: number;
  readonly journaled: number;
  readonly deferred: number[];
  readonly failure?: { index: number; step: PlaceStep; message: string; code?: string; syscall?: string; path?: string };
}
