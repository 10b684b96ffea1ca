import { Worker } from 'node:worker_threads';

/**
 * HCL parsing with HashiCorp's own parser (@cdktn/hcl2json, a WebAssembly build), many files per
 * call. Each call into the WebAssembly module costs a scheduler round trip, so files are parsed in
 * batches, each file wrapped in a block of its own:
 *
 *   joinkey_file "0" {
 *   <file 0>
 *   }
 *   joinkey_file "1" { ...
 *
 * A block's body is read exactly like a file's body. A batch is trusted only when it parses and
 * holds exactly one such block per file and nothing else; otherwise (a parse error, or a file
 * whose unbalanced braces, comment or heredoc reach into its neighbours) every file of the batch
 * is parsed on its own, so each gets its own result and its own error message.
 *
 * hcl2json is loaded on first use: it starts its WebAssembly module on import (~0.2-0.8 s), and
 * synth never needs it. `HclThread` runs it on a worker thread, so that this start and the
 * parsing overlap the rendering on the main thread.
 */

export type HclBody = Record<string, unknown>;

/** The JSON form hcl2json gives a file, or the parser's message when it does not parse. */
export type HclParse = { readonly body: HclBody; readonly error?: undefined } | { readonly body?: undefined; readonly error: string };

export interface HclSource {
  /** Used in error messages, e.g. `tools:plausible/iac/secrets.gen.tf`. */
  readonly name: string;
  readonly content: string;
}

/** hcl2json's parse: rejects with the parser's message when the text does not parse. */
export type HclParser = (filename: string, contents: string) => Promise<HclBody>;

/** Files per call; larger batches gain nothing measurable and make a fallback dearer. */
export const HCL_BATCH = 64;
const WRAPPER = 'joinkey_file';

/** hcl2json in this thread (loaded on the first call). */
export const inlineParser: HclParser = async (filename, contents) => (await import('@cdktn/hcl2json')).parse(filename, contents) as Promise<HclBody>;

/** The parser thread died: an internal failure, never a parse error of a file. */
export class HclThreadError extends Error {}

const isBody = (v: unknown): v is HclBody => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one file. */
export async function parseHcl(source: HclSource, parser: HclParser = inlineParser): Promise<HclParse> {
  try {
    return { body: await parser(source.name, source.content) };
  } catch (e) {
    if (e instanceof HclThreadError) throw e;
    return { error: (e as Error).message };
  }
}

/** Parses every file, in order, HCL_BATCH per call; the same results as parseHcl on each. */
export async function parseHclFiles(sources: readonly HclSource[], parser: HclParser = inlineParser): Promise<HclParse[]> {
  const batches: Promise<HclParse[]>[] = [];
  for (let i = 0; i < sources.length; i += HCL_BATCH) batches.push(parseHclBatch(sources.slice(i, i + HCL_BATCH), parser));
  return (await Promise.all(batches)).flat();
}

/** Parses a few files in one call when they split back into their files, else one by one. */
export async function parseHclBatch(batch: readonly HclSource[], parser: HclParser = inlineParser): Promise<HclParse[]> {
  const bodies = batch.length > 1 ? await wrappedBodies(batch, parser) : undefined;
  if (bodies) return bodies.map((body) => ({ body }));
  return Promise.all(batch.map((s) => parseHcl(s, parser)));
}

/** The bodies of a batch, or undefined when the batch cannot be trusted to split into its files. */
async function wrappedBodies(batch: readonly HclSource[], parser: HclParser): Promise<HclBody[] | undefined> {
  const text = batch.map((s, i) => `${WRAPPER} "${i}" {\n${s.content}\n}\n`).join('');
  let doc: HclBody;
  try {
    doc = await parser('joinkey-batch.tf', text);
  } catch (e) {
    if (e instanceof HclThreadError) throw e;
    return undefined;
  }
  const blocks = doc[WRAPPER];
  if (Object.keys(doc).length !== 1 || !isBody(blocks) || Object.keys(blocks).length !== batch.length) return undefined;
  const bodies: HclBody[] = [];
  for (let i = 0; i < batch.length; i++) {
    const list = blocks[String(i)];
    if (!Array.isArray(list) || list.length !== 1 || !isBody(list[0])) return undefined;
    bodies.push(list[0]);
  }
  return bodies;
}

/** The worker's code, plain CommonJS run with `eval` (works from build/ and under vitest alike). */
const WORKER_SOURCE = String.raw`
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { parse } = require(workerData.hcl2json);
parentPort.on('message', ({ id, filename, contents }) => {
  parse(filename, contents).then(
    (body) => parentPort.postMessage({ id, body }),
    (e) => parentPort.postMessage({ id, error: String((e && e.message) || e) }),
  );
});
`;

/**
 * hcl2json on a worker thread, started at once (its WebAssembly start then overlaps whatever this
 * thread does next). `parse` has the inline parser's contract; `close` ends the thread.
 */
export class HclThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (b: HclBody) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hcl2json: require.resolve('@cdktn/hcl2json') }, stdout: false, stderr: false });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; body?: HclBody; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.body!);
    });
    const fail = (why: string) => {
      this.failure ??= new HclThreadError(`internal: the HCL parser thread ${why}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(`failed: ${e.message}`));
    this.worker.on('exit', (code) => fail(`has ended (exit code ${code})`));
  }

  readonly parse: HclParser = (filename, contents) => {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise<HclBody>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref(); // keep the process alive while a reply is due
      this.worker.postMessage({ id, filename, contents });
    });
  };

  /** Ends the thread; a parse still due, or asked for later, fails with HclThreadError. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
