import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { posix, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';
import { checkModel } from '../../src/rules';
import { loadModel } from '../../src/model';
import { BOT_IDENTITY, BOT_TRAILER } from '../../src/publish/git';
import { hcl2jsonParser, inventoryRepos } from '../../src/inventory';
import { deployedNames, guardLiveChanges, kubeIdentity, liveAppDirectory, liveChangePlan, liveInputs } from '../../src/live';
import { META_ARGUMENTS } from '../../src/live/replacement';
import type { Model } from '../../src/model/model';
import { renderTree } from '../../src/render';
import { markerLine, MARKER, OWNERSHIP_FILE } from '../../src/render/files';
import {
  appsDoc,
  dnsLabel,
  PG_RESERVED,
  printYaml,
  RESERVED_VAULT,
  secretKey,
  VSO_ROLE,
  type AppsDoc,
  type AppSpec,
  type SecretSpec,
} from '../support/arbitraries';
import { captureIo, HUMAN, makeFixture, type Fixture } from '../support/git-fixture';
import { PROPERTY_RUNS, propertyParams } from '../support/params';

// Property 7, no data lost, for publish: GIVEN target repos whose base branch holds hand-written
// files (at unrelated paths, next to generated files, and sometimes exactly at, above or below a
// path joinkey generates), WHEN a generated sequence of apps.yaml edits is published one by one
// with the real CLI (`joinkey publish --no-pr`), sometimes with a human merging the bot branch
// into base in between, THEN on the remote repos:
// - the base branch is never moved by publish;
// - every hand-written file is byte-identical (same mode and blob) on base and on the bot branch;
// - a repo where a generated path collides with a hand-written file (also one that quotes the
//   marker, and a generated file a human edited on base after a merge) is refused (exit 1, the
//   message names the path) and its bot branch does not move;
// - the bot branch is base + exactly one joinkey commit (or, when nothing is left to publish,
//   absent or already merged into base);
// - it holds exactly the rendered files, none of the files joinkey owned before and no longer
//   generates, and differs from base only at rendered or previously owned paths.
// Every run does real git work on bare repos (about 1.2 s per publish on 2 cores), so the default
// is 5 runs (JOINKEY_PROPERTY_RUNS / 8); shrinking a failure re-runs whole scenarios, which can
// take minutes: JOINKEY_NO_SHRINK=1 reports the first counterexample unshrunk.

type Mode = '100644' | '100755' | '120000';
interface Entry {
  readonly mode: string;
  readonly sha: string;
}
type Tree = Map<string, Entry>;
interface HandFile {
  readonly repo: string;
  readonly path: string;
  readonly mode: Mode;
  readonly content: Buffer;
}

// ---------------------------------------------------------------------------------------------
// git, synchronously: small and fast enough for a few hundred calls per run

let fx: Fixture | undefined;
const roots: Fixture[] = [];
afterAll(() => {
  for (const f of roots) f.cleanup();
});

function git(cwd: string, args: string[], input?: Buffer | string): Buffer {
  return execFileSync('git', args, { cwd, env: fx!.env, input, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
}
const gitText = (cwd: string, args: string[], input?: Buffer | string) => git(cwd, args, input).toString('utf8');

const blobSha = (content: Buffer | string) => {
  const b = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
};

function heads(bare: string): Map<string, string> {
  const out = gitText(bare, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads']);
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}

function lsTree(bare: string, sha: string): Tree {
  const tree: Tree = new Map();
  for (const rec of gitText(bare, ['ls-tree', '-r', '-z', '--full-tree', sha]).split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode, , obj] = rec.slice(0, tab).split(' ');
    tree.set(rec.slice(tab + 1), { mode: mode!, sha: obj! });
  }
  return tree;
}

/** The paths of an ownership file in a tree, or [] when absent or not a list. */
function ownedAt(bare: string, tree: Tree | undefined): string[] {
  const e = tree?.get(OWNERSHIP_FILE);
  if (!e) return [];
  try {
    // Version 2 maps paths to hashes; version 1 was an array of paths.
    const files = JSON.parse(gitText(bare, ['cat-file', 'blob', e.sha]))?.files;
    if (Array.isArray(files)) return files.filter((f): f is string => typeof f === 'string');
    return files && typeof files === 'object' ? Object.keys(files) : [];
  } catch {
    return [];
  }
}

function isAncestorCommit(bare: string, maybeAncestor: string, of: string): boolean {
  try {
    git(bare, ['merge-base', '--is-ancestor', maybeAncestor, of]);
    return true;
  } catch {
    return false;
  }
}

function commitInfo(bare: string, sha: string): { parents: string[]; authorEmail: string; message: string } {
  const raw = gitText(bare, ['cat-file', 'commit', sha]);
  const blank = raw.indexOf('\n\n');
  const head = raw.slice(0, blank).split('\n');
  return {
    parents: head.filter((l) => l.startsWith('parent ')).map((l) => l.slice(7)),
    authorEmail: /<([^>]*)>/.exec(head.find((l) => l.startsWith('author ')) ?? '')?.[1] ?? '',
    message: raw.slice(blank + 2),
  };
}

/** One human commit (on top of `from`, or a root commit) with `files` added, via fast-import. */
function humanCommit(bare: string, branch: string, from: string | undefined, files: readonly HandFile[], message: string): void {
  const chunks: Buffer[] = [];
  const text = (s: string) => chunks.push(Buffer.from(s, 'utf8'));
  const msg = Buffer.from(message, 'utf8');
  text(`commit refs/heads/${branch}\ncommitter ${HUMAN.name} <${HUMAN.email}> 1700000000 +0000\ndata ${msg.length}\n`);
  chunks.push(msg);
  text('\n');
  if (from) text(`from ${from}\n`);
  for (const f of files) {
    text(`M ${f.mode} inline ${f.path}\ndata ${f.content.length}\n`);
    chunks.push(f.content);
    text('\n');
  }
  text('\n');
  git(bare, ['fast-import', '--quiet', '--done'], Buffer.concat([...chunks, Buffer.from('done\n')]));
}

// ---------------------------------------------------------------------------------------------
// apps.yaml edits

const REPO_MANIFEST_DIRS = ['apps', 'k8s', 'charts', 'deploy'] as const;
const MANIFEST_LEAVES = ['resources', 'templates', 'chart/templates', 'k8s', 'manifests'] as const;

const secretsArb = fc.uniqueArray(
  fc.record({
    name: dnsLabel(20),
    kind: fc.constantFrom('plain', 'keys', 'generate'),
    keys: fc.uniqueArray(secretKey, { minLength: 1, maxLength: 3 }),
  }),
  { selector: (s) => s.name, maxLength: 3 },
);

const editArb = fc.record({
  kind: fc.constantFrom('add', 'add', 'remove', 'retire', 'retire', 'secrets', 'secrets', 'database', 'namespaces', 'move', 'repo', 'undo'),
  pick: fc.nat(),
  secrets: secretsArb,
  namespaces: fc.uniqueArray(dnsLabel(12), { maxLength: 2 }),
  namespace: fc.option(dnsLabel(12), { nil: undefined }),
  dir: fc.tuple(fc.constantFrom(...REPO_MANIFEST_DIRS), fc.constantFrom(...MANIFEST_LEAVES), fc.boolean()),
  /** After this step's publish: a human fast-forwards base to the bot branch. */
  merge: fc.boolean(),
  /** ... and then commits a new hand-written file next to a generated one, or edits a generated one. */
  handAfterMerge: fc.option(
    fc.record({ pick: fc.nat(), name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/), edit: fc.constantFrom('none', 'none', 'append', 'unmark') }),
    { nil: undefined },
  ),
  freshCache: fc.boolean(),
});
type Edit = typeof editArb extends fc.Arbitrary<infer T> ? T : never;
/** apps.yaml's `retired:` (not in the generated AppsDoc). */
type Retiring = AppsDoc & { retired?: Record<string, { reason: string }> };

const clone = <T>(x: T): T => structuredClone(x);
const apps = (doc: AppsDoc) => Object.keys(doc.apps).sort();
const canHaveDb = (name: string) => /^[a-z][a-z0-9]*$/.test(name) && name.length <= 58 && !PG_RESERVED.has(name);

/** The model's errors for a doc, [] when `joinkey publish` accepts it. */
function problems(doc: AppsDoc): string[] {
  try {
    return checkModel(loadModel('apps.yaml', printYaml(doc)).model)
      .filter((f) => f.severity === 'error')
      .map((f) => f.message);
  } catch (e) {
    return [(e as Error).message.slice(0, 300)];
  }
}

/** Applies one edit; returns undefined when it does not apply (or would make apps.yaml invalid). */
function applyEdit(doc: AppsDoc, edit: Edit, pool: AppsDoc, history: readonly AppsDoc[]): AppsDoc | undefined {
  const next = clone(doc);
  const names = apps(next);
  const repoIds = Object.keys(next.repos).sort();
  const name = names[edit.pick % Math.max(1, names.length)];
  const app: AppSpec | undefined = name === undefined ? undefined : next.apps[name];
  switch (edit.kind) {
    case 'add': {
      const taken = [...names, ...Object.keys(next.consumers ?? {}), VSO_ROLE];
      const ok = (n: string) => !RESERVED_VAULT.has(n) && !taken.some((t) => t.startsWith(n) || n.startsWith(t));
      const candidates = Object.keys(pool.apps).filter(ok);
      const add = candidates[edit.pick % Math.max(1, candidates.length)];
      if (add === undefined) return undefined;
      const spec = clone(pool.apps[add]!);
      if (!repoIds.includes(spec.repo ?? '')) spec.repo = repoIds[edit.pick % repoIds.length]!;
      next.apps[add] = spec;
      break;
    }
    case 'remove':
    case 'retire': {
      if (!name) return undefined;
      delete next.apps[name];
      // retire: apps.yaml acknowledges destroying everything of the app (the name stays reserved)
      if (edit.kind === 'retire') (next as Retiring).retired = { ...(next as Retiring).retired, [name]: { reason: 'retired by the property' } };
      if (next.consumers) {
        for (const [c, spec] of Object.entries(next.consumers)) {
          spec.reads = spec.reads.filter((r) => !r.startsWith(`${name}/`));
          if (!spec.reads.length) delete next.consumers[c];
        }
        if (!Object.keys(next.consumers).length) delete next.consumers;
      }
      break;
    }
    case 'secrets': {
      if (!app || !name) return undefined;
      const secrets: Record<string, SecretSpec> = {};
      for (const s of edit.secrets) {
        if (s.name === 'db-credentials') continue;
        if (s.kind === 'keys') secrets[s.name] = { keys: s.keys };
        else if (s.kind === 'generate' && app.repo !== undefined) secrets[s.name] = { generate: s.keys };
        else secrets[s.name] = {};
      }
      if (Object.keys(secrets).length) app.secrets = secrets;
      else delete app.secrets;
      break;
    }
    case 'database': {
      if (!app || !name || !canHaveDb(name)) return undefined;
      const db = app.database;
      if (db === false || db === undefined) app.database = true;
      else if (db === true) app.database = app.repo !== undefined ? { restart: [`Deployment/${name}`], urlEnv: 'DATABASE_URL' } : { name: `${name}_db` };
      else app.database = false;
      if (app.database !== false && app.secrets) delete app.secrets['db-credentials'];
      break;
    }
    case 'namespaces': {
      if (!app || !name) return undefined;
      if (edit.namespaces.length) app.namespaces = edit.namespaces;
      else delete app.namespaces;
      if (edit.namespace !== undefined) app.namespace = edit.namespace;
      else delete app.namespace;
      const bound = new Set([name, ...(app.namespace ? [app.namespace] : []), ...(app.namespaces ?? [])]);
      for (const s of Object.values(app.secrets ?? {})) if (s.namespace !== undefined && !bound.has(s.namespace)) delete s.namespace;
      break;
    }
    case 'move': {
      if (!app || !name) return undefined;
      if (app.repo === undefined) app.repo = repoIds[edit.pick % repoIds.length]!;
      const [top, leaf, iacToo] = edit.dir;
      const manifests = `${top}/${name}/${leaf}`;
      if (manifests === app.manifests) return undefined;
      app.manifests = manifests;
      if (iacToo) app.iac = `${top}/${name}/iac`;
      break;
    }
    case 'repo': {
      if (!app || !name) return undefined;
      const others = repoIds.filter((r) => r !== app.repo);
      app.repo = others[edit.pick % others.length]!;
      break;
    }
    case 'undo': {
      if (history.length < 2) return undefined;
      return clone(history[history.length - 2]!);
    }
  }
  return problems(next).length ? undefined : next;
}

/**
 * At most 3 target repos (the central ones first: each repo costs real git work per publish), and
 * most repo-less apps get a repo, so that they generate files in the target repos.
 */
function shaped(doc: AppsDoc, seed: number): AppsDoc {
  const next = clone(doc);
  const central = [next.central?.vault?.repo ?? 'tools', next.central?.postgres?.repo ?? 'factory'];
  const keep = [...new Set([...central, ...Object.keys(next.repos).sort()])].filter((id) => id in next.repos).slice(0, 3);
  for (const id of Object.keys(next.repos)) if (!keep.includes(id)) delete next.repos[id];
  apps(next).forEach((n, i) => {
    const app = next.apps[n]!;
    if (app.repo !== undefined && !keep.includes(app.repo)) app.repo = keep[(seed + i) % keep.length]!;
    if (app.repo === undefined && (seed + i) % 4 !== 0) app.repo = keep[(seed + i) % keep.length]!;
  });
  return problems(next).length ? doc : next;
}

// ---------------------------------------------------------------------------------------------
// hand-written files

const contentArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
  fc.constantFrom('# hand-written\n', 'terraform {}\n', 'apiVersion: v1\nkind: ConfigMap\n', '').map((s) => Buffer.from(s)),
  // Quoting the marker does not make a file joinkey's: only the ownership list does.
  fc.constantFrom(`# ${MARKER}\n`, `${markerLine('x.gen.tf')}\nterraform {}\n`, `${markerLine('x.md')}\n`).map((s) => Buffer.from(s)),
);
const modeArb = fc.constantFrom<Mode>('100644', '100644', '100644', '100755', '120000');
// Upper case: never an app name, repo dir or generated file name, so never a generated path.
const handName = fc.stringMatching(/^[A-Za-z0-9_.-]{0,8}$/).map((s) => `HAND-${s}`);
const seg = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);

const handArb = fc.record({
  unrelated: fc.array(
    fc.record({ repo: fc.nat(), dir: fc.array(fc.oneof(seg, handName), { maxLength: 2 }), name: handName, mode: modeArb, content: contentArb }),
    { maxLength: 3 },
  ),
  nextTo: fc.array(fc.record({ pick: fc.nat(), name: handName, mode: modeArb, content: contentArb }), { minLength: 1, maxLength: 4 }),
  collide: fc.option(fc.record({ pick: fc.nat(), kind: fc.constantFrom('at', 'at', 'at', 'above', 'below'), mode: modeArb, content: contentArb }), {
    nil: undefined,
    freq: 2,
  }),
});
type HandSpec = typeof handArb extends fc.Arbitrary<infer T> ? T : never;

const isAncestor = (dir: string, p: string) => p.startsWith(`${dir}/`);
const clash = (a: string, b: string) => a === b || isAncestor(a, b) || isAncestor(b, a);

/** Resolves the hand-file specs against every path the sequence will render. */
function handFiles(spec: HandSpec, repoIds: readonly string[], rendered: ReadonlyMap<string, ReadonlySet<string>>): HandFile[] {
  const all = [...rendered].flatMap(([repo, ps]) => [...ps].map((path) => ({ repo, path }))).sort((a, b) => (a.repo + a.path < b.repo + b.path ? -1 : 1));
  const out: HandFile[] = repoIds.map((repo) => ({ repo, path: 'README.md', mode: '100644' as const, content: Buffer.from(`# ${repo}\nhand-written\n`) }));
  const add = (f: HandFile) => {
    if (!out.some((o) => o.repo === f.repo && clash(o.path, f.path))) out.push(f);
  };
  if (spec.collide && all.length) {
    const target = all[spec.collide.pick % all.length]!;
    const dir = posix.dirname(target.path);
    const path = spec.collide.kind === 'above' && dir !== '.' ? dir : spec.collide.kind === 'below' ? `${target.path}/HAND-below` : target.path;
    add({ repo: target.repo, path, mode: spec.collide.mode, content: spec.collide.content });
  }
  for (const u of spec.unrelated) add({ repo: repoIds[u.repo % repoIds.length]!, path: [...u.dir, u.name].join('/'), mode: u.mode, content: u.content });
  for (const n of spec.nextTo) {
    if (!all.length) break;
    const target = all[n.pick % all.length]!;
    const dir = posix.dirname(target.path);
    add({ repo: target.repo, path: dir === '.' ? n.name : `${dir}/${n.name}`, mode: n.mode, content: n.content });
  }
  return out;
}

/** The lines of a repo's section of publish's report (`<id>: <base> -> <bot> (...)` up to the blank line). */
function sectionOf(out: string, id: string, base: string): string[] {
  const head = `${id}: ${base} -> ${BOT} (`;
  const at = out.startsWith(head) ? 0 : out.indexOf(`\n${head}`) + 1;
  if (at === 0 && !out.startsWith(head)) return [];
  const end = out.indexOf('\n\n', at);
  return out.slice(at, end < 0 ? undefined : end).split('\n');
}

/**
 * The live conflicts publish printed in a repo's section (`<id>: <base> -> <bot> (...)` up to the
 * blank line): each `live conflict: <repo/path>:L:C: ...` with its `also at <repo/path>:L:C`.
 */
function liveConflictsIn(out: string, id: string, base: string): { file: string; related: string }[] {
  const lines = sectionOf(out, id, base);
  const found: { file: string; related: string }[] = [];
  lines.forEach((l, i) => {
    const m = /^ {2}live conflict: (\S+?):\d+:\d+: /.exec(l);
    const also = / {4}also at (\S+?):\d+:\d+$/.exec(lines[i + 1] ?? '');
    if (m) found.push({ file: m[1]!, related: also?.[1] ?? '' });
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// live effects of what was pushed

const parser = hcl2jsonParser();

/** Every text file of a commit of a bare repo, as publish reads a base tree. */
function textFiles(bare: string, sha: string): Map<string, string> {
  const blobs = [...lsTree(bare, sha)].filter(([, e]) => e.mode === '100644' || e.mode === '100755');
  const files = new Map<string, string>();
  if (!blobs.length) return files;
  const out = git(bare, ['cat-file', '--batch'], `${blobs.map(([, e]) => e.sha).join('\n')}\n`);
  let at = 0;
  for (const [path] of blobs) {
    const nl = out.indexOf(10, at);
    const size = Number(out.subarray(at, nl).toString('utf8').split(' ')[2]);
    const bytes = out.subarray(nl + 1, nl + 1 + size);
    at = nl + 1 + size + 1;
    if (!bytes.includes(0)) files.set(path, bytes.toString('utf8'));
  }
  return files;
}

/**
 * From the remote repos as they are after a publish (base branches, and the open bot branches on
 * top): the change plan classifies every resource address and Kubernetes object that was added,
 * removed or changed; no repo whose bot branch this run pushed holds a stateful effect apps.yaml
 * does not acknowledge; and each acknowledged one is listed in publish's report.
 */
async function checkPublishedEffects(
  model: Model,
  repoIds: readonly string[],
  baseOf: (id: string) => string,
  headsBefore: ReadonlyMap<string, ReadonlyMap<string, string>>,
  out: string,
  ctx: string,
): Promise<void> {
  const before = new Map<string, Map<string, string>>();
  const after = new Map<string, Map<string, string>>();
  const pushed: string[] = [];
  for (const id of repoIds) {
    const h = heads(fx!.bare(id));
    const baseSha = h.get(`refs/heads/${baseOf(id)}`)!;
    const bot = h.get(`refs/heads/${BOT}`);
    const open = bot !== undefined && !isAncestorCommit(fx!.bare(id), bot, baseSha);
    before.set(id, textFiles(fx!.bare(id), baseSha));
    after.set(id, open ? textFiles(fx!.bare(id), bot) : before.get(id)!);
    if (open && bot !== headsBefore.get(id)?.get(`refs/heads/${BOT}`)) pushed.push(id);
  }
  if (!pushed.length) return;
  const apps = liveAppDirectory(model, before);
  const plan = await liveChangePlan(before, after, { parser, apps, deployedApps: deployedNames(model) });
  const verdict = guardLiveChanges(plan, model);
  const side = async (trees: Map<string, Map<string, string>>) => liveInputs(await inventoryRepos(trees, { parser }), trees, { parser, apps });
  const [b, a] = [await side(before), await side(after)];
  const resources = (x: typeof a) => new Map(x.resources.map((r) => [`${r.repo}\u0000${r.module}\u0000${r.address}`, r]));
  const objects = (x: typeof a) => new Map(x.objects.map((o) => [`${o.repo}\u0000${kubeIdentity(o)}`, o]));
  const withoutMeta = (args: Readonly<Record<string, unknown>>) => JSON.stringify(Object.entries(args).filter(([k]) => !META_ARGUMENTS.has(k)));
  for (const id of pushed) {
    const [rb, ra] = [resources(b), resources(a)];
    for (const key of new Set([...rb.keys(), ...ra.keys()])) {
      const [x, y] = [rb.get(key), ra.get(key)];
      const r = (x ?? y)!;
      if (r.repo !== id || (x && y && withoutMeta(x.args) === withoutMeta(y.args))) continue;
      stats.effectsChecked++;
      const covered = plan.effects.some(
        (e) => e.object === 'tofu' && e.repo === id && e.module === r.module && (e.address === r.address || e.movedFrom === r.address),
      );
      expect(covered, `${id}/${r.module} ${r.address} ${x ? (y ? 'changed' : 'removed') : 'added'} without an effect\n${ctx}`).toBe(true);
    }
    const [ob, oa] = [objects(b), objects(a)];
    for (const key of new Set([...ob.keys(), ...oa.keys()])) {
      const [x, y] = [ob.get(key), oa.get(key)];
      const o = (x ?? y)!;
      if (
        o.repo !== id ||
        (x && y && JSON.stringify([x.body, x.destinationSecret, x.destinationCreate]) === JSON.stringify([y.body, y.destinationSecret, y.destinationCreate]))
      )
        continue;
      stats.effectsChecked++;
      const covered = plan.effects.some((e) => e.object === 'kubernetes' && e.repo === id && e.identity === kubeIdentity(o));
      expect(covered, `${id} ${kubeIdentity(o)} ${x ? (y ? 'changed' : 'removed') : 'added'} without an effect\n${ctx}`).toBe(true);
    }
    const unacknowledged = verdict.unacknowledged.filter((e) => e.repo === id);
    expect(
      unacknowledged.map((e) => `${e.effect} ${e.object === 'tofu' ? e.address : e.identity}`),
      `${id}: published unacknowledged\n${ctx}`,
    ).toEqual([]);
    for (const ack of verdict.acknowledged.filter((x) => x.effect.repo === id)) {
      stats.acknowledgedPublished++;
      expect(out, ctx).toContain(`acknowledged by ${ack.by}: ${ack.effect.effect} `);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the property

const BOT = 'joinkey/sync';
const renderedOf = (doc: AppsDoc): Map<string, ReadonlyMap<string, string>> => new Map(renderTree(loadModel('apps.yaml', printYaml(doc)).model));
const stats = {
  runs: 0,
  publishes: 0,
  refusals: 0,
  liveRefusals: 0,
  guardRefusals: 0,
  effectsChecked: 0,
  acknowledgedPublished: 0,
  pushes: 0,
  merges: 0,
  handEdits: 0,
  deletesSeen: 0,
  skippedEdits: 0,
  collisions: 0,
  publishMs: 0,
};

async function scenario(initial: AppsDoc, repoSeed: number, pool: AppsDoc, edits: readonly Edit[], spec: HandSpec): Promise<void> {
  fx = await makeFixture([]);
  roots.push(fx);
  const f = fx;
  const bare = (id: string) => f.bare(id);
  const withUrls = (doc: AppsDoc): AppsDoc => ({
    ...doc,
    repos: Object.fromEntries(Object.entries(doc.repos).map(([id, r]) => [id, { ...r, url: `file://${bare(id)}` }])),
  });
  const baseOf = (id: string) => initial.repos[id]!.branch ?? 'main';

  // The docs of the sequence: the initial one, then each edit that applies.
  const docs: AppsDoc[] = [shaped(initial, repoSeed)];
  const repoIds = Object.keys(docs[0]!.repos).sort();
  const stepEdits: Edit[] = [];
  for (const e of edits) {
    const next = applyEdit(docs[docs.length - 1]!, e, pool, docs);
    if (next) {
      docs.push(next);
      stepEdits.push(e);
    } else stats.skippedEdits++;
  }
  const renders = docs.map(renderedOf);
  const everRendered = new Map<string, Set<string>>(repoIds.map((id) => [id, new Set()]));
  for (const r of renders) for (const id of repoIds) for (const p of r.get(id)?.keys() ?? []) everRendered.get(id)!.add(p);

  // Seed the remotes: one human commit on each base branch with the hand-written files.
  const hand = handFiles(spec, repoIds, everRendered);
  for (const id of repoIds) {
    mkdirSync(bare(id), { recursive: true });
    git(bare(id), ['init', '--quiet', '--bare', `--initial-branch=${baseOf(id)}`]);
    humanCommit(
      bare(id),
      baseOf(id),
      undefined,
      hand.filter((h) => h.repo === id),
      'hand-written files',
    );
  }

  const cwd = join(f.root, 'work');
  mkdirSync(cwd, { recursive: true });
  const ownedEver = new Map<string, Set<string>>(repoIds.map((id) => [id, new Set()]));

  for (const [step, doc] of docs.entries()) {
    const rendered = renders[step]!;
    const text = printYaml(withUrls(doc));
    writeFileSync(join(cwd, 'apps.yaml'), text);
    const cacheDir = join(f.root, 'cache');
    if (step > 0 && stepEdits[step - 1]!.freshCache) rmSync(cacheDir, { recursive: true, force: true });
    const before = new Map(repoIds.map((id) => [id, heads(bare(id))]));
    const io = captureIo(cwd, { ...f.env });
    const t0 = Date.now();
    const code = await main(['publish', '--no-pr', '--config', 'apps.yaml', '--cache-dir', cacheDir], io);
    stats.publishMs += Date.now() - t0;
    const out = io.out();
    const ctx = `step ${step} of ${docs.length}\n--- apps.yaml\n${text}\n--- hand-written\n${hand.map((h) => `${h.repo}:${h.path} ${h.mode}`).join('\n')}\n--- stdout\n${out}\n--- stderr\n${io.err()}`;
    stats.publishes++;
    let anyRefused = false;

    for (const id of repoIds) {
      const base = baseOf(id);
      const was = before.get(id)!;
      const now = heads(bare(id));
      const baseSha = was.get(`refs/heads/${base}`)!;
      // Publish never moves the base branch, nor touches any branch but the bot branch.
      expect(now.get(`refs/heads/${base}`), ctx).toBe(baseSha);
      expect(
        [...now.keys()].filter((r) => r !== `refs/heads/${base}` && r !== `refs/heads/${BOT}`),
        ctx,
      ).toEqual([]);
      const botBefore = was.get(`refs/heads/${BOT}`);
      const bot = now.get(`refs/heads/${BOT}`);
      const baseTree = lsTree(bare(id), baseSha);
      // A bot branch a human merged (an ancestor of base) is history: only an open one is checked.
      const merged = bot !== undefined && isAncestorCommit(bare(id), bot, baseSha);
      const botTree = bot && !merged ? lsTree(bare(id), bot) : undefined;

      // Every hand-written file is byte-identical on base and on the bot branch.
      for (const h of hand.filter((x) => x.repo === id)) {
        const want = { mode: h.mode, sha: blobSha(h.content) };
        expect(baseTree.get(h.path), `${h.path} on ${base}\n${ctx}`).toEqual(want);
        if (botTree) expect(botTree.get(h.path), `${h.path} on ${BOT}\n${ctx}`).toEqual(want);
      }

      const files = rendered.get(id) ?? new Map<string, string>();
      expect(files.has(OWNERSHIP_FILE)).toBe(true);
      const handHere = hand.filter((h) => h.repo === id);
      const conflicts = [...files.keys()].filter((p) => handHere.some((h) => clash(h.path, p)));
      const line = new RegExp(`^  ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +(.*)$`, 'm').exec(out)?.[1] ?? '';
      const live = liveConflictsIn(out, id, base);
      const guarded = sectionOf(out, id, base).filter((l) => l.startsWith('  unacknowledged: '));
      if (guarded.length) {
        // Refused by the guard: each unacknowledged destroy or rotation named, the bot branch where it was.
        anyRefused = true;
        stats.guardRefusals++;
        expect(line, ctx).toMatch(/^REFUSED .*it destroys or rotates stateful data that apps\.yaml does not acknowledge/);
        for (const g of guarded) expect(g, ctx).toMatch(/ would (destroy|rotate|replace|update)/);
        expect(bot, ctx).toBe(botBefore);
        continue;
      }
      if (conflicts.length || live.length) {
        // Refused, each colliding path named, every live conflict between a generated file and a
        // hand-written one (e.g. a generated file edited by hand, kept when its app moved, and the
        // moved app's file declaring the same Vault role), the bot branch where it was.
        anyRefused = true;
        stats.refusals++;
        if (live.length) stats.liveRefusals++;
        expect(line, ctx).toMatch(/^REFUSED/);
        for (const p of conflicts) expect(out, ctx).toContain(`conflict: ${p} `);
        const isHand = (file: string) => hand.some((h) => `${h.repo}/${h.path}` === file);
        for (const c of live) expect(isHand(c.file) || isHand(c.related), `${c.file} / ${c.related}: neither is hand-written\n${ctx}`).toBe(true);
        expect(bot, ctx).toBe(botBefore);
        continue;
      }
      expect(line, ctx).not.toMatch(/REFUSED|STOPPED|FAILED/);

      // What base and the previous bot commit say joinkey owned.
      const ownedByBase = ownedAt(bare(id), baseTree);
      const previouslyOwned = new Set([...ownedByBase, ...ownedAt(bare(id), botBefore ? lsTree(bare(id), botBefore) : undefined), ...ownedEver.get(id)!]);

      // The open bot branch, else base (nothing to publish, or the bot branch is merged), must
      // hold the rendered state.
      const tipTree = botTree ?? baseTree;
      if (botTree) {
        // An open bot branch is base + exactly one joinkey commit.
        const c = commitInfo(bare(id), bot!);
        expect(c.parents, ctx).toEqual([baseSha]);
        expect(c.authorEmail, ctx).toBe(BOT_IDENTITY.email);
        expect(
          c.message.split('\n').map((l) => l.trim()),
          ctx,
        ).toContain(BOT_TRAILER);
      }
      if (bot !== botBefore) stats.pushes++;

      // The tip holds exactly the rendered files ...
      for (const [p, content] of files) expect(tipTree.get(p), `${id}:${p} on the bot branch\n${ctx}`).toEqual({ mode: '100644', sha: blobSha(content) });
      // ... none of the files joinkey owned and no longer generates ...
      // (a generated file a human edited is hand-written now, and kept).
      const gone = [...previouslyOwned].filter((p) => !files.has(p) && !handHere.some((h) => h.path === p));
      expect(
        gone.filter((p) => tipTree.has(p)),
        `${id}: previously owned, no longer generated\n${ctx}`,
      ).toEqual([]);
      stats.deletesSeen += gone.filter((p) => baseTree.has(p)).length;
      // ... and differs from base only at rendered or previously owned paths.
      const differ = [...new Set([...baseTree.keys(), ...tipTree.keys()])].filter((p) => JSON.stringify(baseTree.get(p)) !== JSON.stringify(tipTree.get(p)));
      expect(
        differ.filter((p) => !files.has(p) && !ownedByBase.includes(p)),
        `${id}: changed outside the owned list\n${ctx}`,
      ).toEqual([]);
      for (const p of files.keys()) ownedEver.get(id)!.add(p);
    }
    expect(code, ctx).toBe(anyRefused ? 1 : 0);
    await checkPublishedEffects(loadModel('apps.yaml', text).model, repoIds, baseOf, before, out, ctx);
    stats.collisions += anyRefused ? 1 : 0;

    // A human merges the bot branch (fast-forward), and maybe adds a file next to generated ones.
    const edit = stepEdits[step];
    if (edit?.merge) {
      for (const id of repoIds) {
        const h = heads(bare(id));
        const base = baseOf(id);
        const baseSha = h.get(`refs/heads/${base}`)!;
        const bot = h.get(`refs/heads/${BOT}`);
        if (!bot || isAncestorCommit(bare(id), bot, baseSha)) continue;
        git(bare(id), ['update-ref', `refs/heads/${base}`, bot, baseSha]);
        stats.merges++;
        if (edit.handAfterMerge) {
          const generated = [...lsTree(bare(id), bot).keys()].filter((p) => (rendered.get(id) ?? new Map()).has(p)).sort();
          const target = generated[edit.handAfterMerge.pick % generated.length]!;
          const dir = posix.dirname(target);
          const path = `${dir === '.' ? '' : `${dir}/`}HAND-merged-${edit.handAfterMerge.name}`;
          const generatedContent = gitText(bare(id), ['show', `${bot}:${target}`]);
          const file: HandFile =
            edit.handAfterMerge.edit === 'none' || target === OWNERSHIP_FILE
              ? { repo: id, path, mode: '100644', content: Buffer.from(`written after merge ${step}\n`) }
              : {
                  repo: id,
                  path: target,
                  mode: '100644',
                  content: Buffer.from(
                    edit.handAfterMerge.edit === 'append'
                      ? `${generatedContent}# edited by hand after merge ${step}\n`
                      : generatedContent.split('\n').slice(1).join('\n'),
                  ),
                };
          if (!hand.some((x) => x.repo === id && clash(x.path, file.path))) {
            humanCommit(bare(id), base, bot, [file], 'a hand-written file next to generated ones');
            hand.push(file);
            if (file.path === target) stats.handEdits++;
          }
        }
      }
    }
  }
  stats.runs++;
  f.cleanup();
  roots.splice(roots.indexOf(f), 1);
}

const PROPERTY_TIMEOUT_MS = Math.max(120_000, PROPERTY_RUNS * 15_000);
/** fast-check's own time limit, inside the test's timeout: a failure always reports its counterexample. */
const SHRINK_BUDGET = { interruptAfterTimeLimit: PROPERTY_TIMEOUT_MS - 20_000, markInterruptAsFailure: true } as const;

describe('property 7: no data lost, publish', () => {
  it(
    'hand-written files in target repos are never overwritten or deleted across sequences of apps.yaml edits',
    async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(
          appsDoc({ maxApps: 3, allowEmpty: false }),
          fc.nat(),
          appsDoc({ maxApps: 4, allowEmpty: false }),
          fc.array(editArb, { minLength: 2, maxLength: 4 }),
          handArb,
          scenario,
        ),
        {
          ...propertyParams(72, 0.125),
          endOnFailure: !!process.env.JOINKEY_NO_SHRINK,
          // Shrinking a failure re-runs whole git scenarios, and ran past any timeout: stop at the
          // budget and report the counterexample shrunk so far (a slow pass fails here too).
          ...SHRINK_BUDGET,
        },
      );

      console.log(`publish no-data-lost: ${JSON.stringify(stats)} in ${Date.now() - started} ms (JOINKEY_PROPERTY_RUNS=${PROPERTY_RUNS})`);
    },
    PROPERTY_TIMEOUT_MS,
  );

  // The acknowledged path on purpose: an app gets a repo and a generated secret, both merged, and
  // is then retired; its passwords and kv data go, acknowledged, and the output lists each.
  const retireAfterMerge = fc.tuple(editArb, editArb, editArb, fc.nat()).map(([a, b, c, pick]): Edit[] => [
    { ...a, kind: 'move', pick, merge: true, handAfterMerge: undefined },
    { ...b, kind: 'secrets', pick, merge: true, handAfterMerge: undefined, secrets: [{ name: 'tokens', kind: 'generate', keys: ['API_TOKEN'] }] },
    { ...c, kind: 'retire', pick, merge: true, handAfterMerge: undefined },
  ]);
  it(
    'a retired app whose generated secrets were merged is published with every destroy acknowledged and listed',
    async () => {
      const before = stats.acknowledgedPublished;
      await fc.assert(
        fc.asyncProperty(appsDoc({ maxApps: 2, allowEmpty: false }), fc.nat(), appsDoc({ maxApps: 2, allowEmpty: false }), retireAfterMerge, handArb, scenario),
        { ...propertyParams(73, 0.1), ...SHRINK_BUDGET },
      );
      expect(stats.acknowledgedPublished).toBeGreaterThan(before);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
