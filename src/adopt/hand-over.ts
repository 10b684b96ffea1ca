import { posix } from 'node:path';
import { topLevelRanges } from './hcl-ranges';
import { parseAllDocuments } from 'yaml';
import type { HclParser } from '../inventory/hcl';
import type { RepoTrees } from '../inventory/types';
import { movedBlock } from '../live/refactor';
import type { KubeLiveEffect, LiveEffect } from '../live/types';
import { APPLIER_NAMESPACE_REVIEW, type AdoptFinding, type AdoptResult, type Superseded } from './types';

/**
 * The plan of `publish --adopt` for each repo, pure but for the injected parser: the hand-written
 * files the render supersedes deleted, mixed files edited at exactly the superseded top-level
 * blocks' byte ranges (proven by re-parsing: the same blocks minus the removed ones), `moved`
 * blocks that keep each object's state at its generated address, and kustomization references
 * to deleted files pointed at the generated ones. What cannot be proven refuses the repo, with
 * the blocks to remove by hand. publish --adopt (src/publish/hand-over.ts) puts `deletes`,
 * `edits` and `adds` into the commit of the generated files.
 */

export interface RepoHandOver {
  readonly repo: string;
  readonly deletes: readonly string[];
  /** path -> new content (hand-written files edited at superseded blocks or references). */
  readonly edits: ReadonlyMap<string, string>;
  /** path -> content of files to add (the moved blocks of a root module). */
  readonly adds: ReadonlyMap<string, string>;
  /** When set, nothing of this repo may be changed: the reason, and the blocks to remove by hand. */
  readonly refused?: { readonly reason: string; readonly blocks: readonly Superseded[] };
}

/** The file of moved blocks adopt adds to a root module. */
export const ADOPT_MOVES_FILE = 'adopt-moves.tf';

/** `render` is the render of the adopted apps.yaml (its generated files, by repo). */
export async function planHandOver(trees: RepoTrees, render: RepoTrees, result: AdoptResult, parser: HclParser): Promise<RepoHandOver[]> {
  const out: RepoHandOver[] = [];
  for (const repo of [...trees.keys()].sort()) {
    const files = trees.get(repo)!;
    const mine = result.superseded.filter((s) => s.at.repo === repo);
    const byPath = new Map<string, Superseded[]>();
    for (const s of mine) byPath.set(s.at.path, [...(byPath.get(s.at.path) ?? []), s]);
    const deletes: string[] = [];
    const edits = new Map<string, string>();
    const adds = new Map<string, string>();
    const refuse = (reason: string, blocks: readonly Superseded[]) =>
      out.push({ repo, deletes: [], edits: new Map(), adds: new Map(), refused: { reason, blocks } });
    let refused = false;
    for (const [path, blocks] of [...byPath].sort()) {
      const content = files.get(path) ?? '';
      const edited = /\.(tf|tfvars)$/.test(path) ? await removeHclBlocks(path, content, blocks, parser) : removeYamlDocuments(path, content, blocks);
      if (typeof edited === 'object') {
        refuse(edited.problem, blocks);
        refused = true;
        break;
      }
      if (edited.replace(/#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() === '') deletes.push(path);
      else edits.set(path, edited);
    }
    if (refused) continue;
    // moved blocks, one file per root module
    const moves = new Map<string, string[]>();
    for (const s of mine)
      for (const m of s.moves ?? []) {
        const dir = posix.dirname(s.at.path);
        moves.set(dir, [...(moves.get(dir) ?? []), movedBlock(m.from, m.to)]);
      }
    for (const [dir, blocks] of moves) {
      const file = posix.join(dir, ADOPT_MOVES_FILE);
      if (files.has(file)) {
        refuse(`${file} exists, and adopt writes its moved blocks there; rename that file, then publish --adopt again`, mine);
        refused = true;
        break;
      }
      adds.set(file, `# moved by joinkey adopt: the hand-written addresses now generated\n\n${blocks.join('\n\n')}\n`);
    }
    if (refused) continue;
    // kustomization references to deleted files
    const generated = render.get(repo) ?? new Map<string, string>();
    for (const [path, content] of files) {
      if (!/(^|\/)kustomization\.ya?ml$/.test(path) || deletes.includes(path)) continue;
      const updated = updateReferences(path, edits.get(path) ?? content, new Set(deletes), generated);
      if (typeof updated === 'object') {
        refuse(updated.problem, mine);
        refused = true;
        break;
      }
      if (updated !== content) edits.set(path, updated);
    }
    if (!refused) out.push({ repo, deletes: deletes.sort(), edits, adds });
  }
  return out;
}

/**
 * The effects that stop a hand-over, which must change nothing live: every destroy, replace and
 * rotation, and every update that breaks clients. Allowed: an object of the applier's namespace
 * (Helm's release, kubectl -n: planned as '' before) that comes back under its name in the
 * namespace adopt assumed and reported for review at that repo; the same object when that holds.
 */
export function handOverBlockers(effects: readonly LiveEffect[], findings: readonly AdoptFinding[]): LiveEffect[] {
  const assumed = new Set<LiveEffect>(assumedNamespaceObjects(effects, findings));
  return effects.filter((e) => (e.effect === 'destroy' || e.effect === 'replace' || e.effect === 'rotate' || e.breaking !== undefined) && !assumed.has(e));
}

/** The destroys handOverBlockers lets through: objects of the applier's namespace that come back under their name in the namespace adopt reported. */
export function assumedNamespaceObjects(effects: readonly LiveEffect[], findings: readonly AdoptFinding[]): KubeLiveEffect[] {
  return effects.flatMap((e) =>
    e.object === 'kubernetes' &&
    e.effect === 'destroy' &&
    e.namespace === '' &&
    effects.some((c) => c.object === 'kubernetes' && c.effect === 'create' && c.kind === e.kind && c.name === e.name && c.namespace !== '') &&
    findings.some((f) => f.rule === 'adopt-review' && f.at.repo === e.repo && f.message.includes(APPLIER_NAMESPACE_REVIEW))
      ? [e]
      : [],
  );
}

/**
 * The text without the top-level blocks that hold a superseded position, proven by re-parsing:
 * the edited file parses to what its kept blocks alone parse to, and those with the removed
 * blocks add up to the original file.
 */
async function removeHclBlocks(path: string, text: string, blocks: readonly Superseded[], parser: HclParser): Promise<string | { problem: string }> {
  const ranges = await topLevelRanges(text);
  if (!ranges) return { problem: `${path}: tree-sitter's HCL grammar cannot parse the file, so its blocks cannot be cut exactly` };
  const lineStart = (line: number) =>
    text
      .split('\n')
      .slice(0, line - 1)
      .join('\n').length + (line > 1 ? 1 : 0);
  const remove = new Set<(typeof ranges)[number]>();
  for (const b of blocks) {
    const offset = lineStart(b.at.line) + b.at.col - 1;
    const r = ranges.find((x) => x.start <= offset && offset < x.end);
    if (!r) return { problem: `${path}:${b.at.line}: the block of ${b.what} could not be delimited` };
    remove.add(r);
  }
  const kept = ranges.filter((r) => !remove.has(r));
  let edited = '';
  let at = 0;
  for (const r of [...remove].sort((a, b) => a.start - b.start)) {
    edited += text.slice(at, r.start);
    at = r.end;
  }
  edited += text.slice(at);
  // the proof: the edited file parses to exactly what its kept blocks parse to, and those are the original's minus the removed ones
  const [original, after, keptOnly, removedOnly] = await parser.parseAll([
    { file: posix.basename(path), content: text },
    { file: posix.basename(path), content: edited },
    { file: posix.basename(path), content: kept.map((r) => text.slice(r.start, r.end)).join('\n') },
    { file: posix.basename(path), content: [...remove].map((r) => text.slice(r.start, r.end)).join('\n') },
  ]);
  if ([original, after, keptOnly, removedOnly].some((x) => x instanceof Error))
    return { problem: `${path}: the file does not parse once the superseded blocks are removed` };
  if (JSON.stringify(canonical(after)) !== JSON.stringify(canonical(keptOnly)))
    return { problem: `${path}: removing the superseded blocks changes the others` };
  if (JSON.stringify(merge(keptOnly as Record<string, unknown>, removedOnly as Record<string, unknown>)) !== JSON.stringify(canonical(original)))
    return { problem: `${path}: the superseded blocks and the rest do not add up to the file` };
  return edited;
}

/** hcl2json JSON of two disjoint sets of blocks, merged the way one file holding both parses. */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
  const into = (target: Record<string, unknown>, src: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(src)) {
      if (Array.isArray(v) && Array.isArray(target[k])) target[k] = [...(target[k] as unknown[]), ...(v as unknown[])];
      else if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object')
        into(target[k] as Record<string, unknown>, v as Record<string, unknown>);
      else target[k] = v;
    }
  };
  into(out, b);
  return canonical(out);
}

/** Keys sorted and arrays of blocks sorted by their JSON, so the order of blocks in a file does not count. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical).sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [k, canonical(x)]),
    );
  return v;
}

/**
 * The YAML file without the superseded documents: whole when every object of it is superseded; a
 * plain file's documents as chunks of lines from one `---` marker to the next (a document's marker
 * and leading comments go with it); a templated file only whole. A superseded position in a chunk
 * without an object, or an edit that changes the other documents, refuses.
 */
function removeYamlDocuments(path: string, text: string, blocks: readonly Superseded[]): string | { problem: string } {
  const docs = parseAllDocuments(text.includes('{{') ? text.replace(/\{\{[\s\S]*?\}\}/g, (m) => m.replace(/[^\n]/g, ' ')) : text);
  // a document of comments alone (after a `---`) parses to a null scalar: no object
  const objects = docs.filter((d) => d.contents !== null && d.toJSON() != null);
  const starts = [0, ...[...text.matchAll(/^---(?=[ \t]|\r?$)/gm)].map((m) => m.index).filter((i) => i > 0)];
  const chunks = starts.map((start, i) => {
    const end = starts[i + 1] ?? text.length;
    const firstLine = text.slice(0, start).split('\n').length;
    const lastLine = firstLine + text.slice(start, end).replace(/\n$/, '').split('\n').length - 1;
    const inside = objects.filter((d) => start <= d.range[0] && d.range[0] < end);
    const hit = blocks.filter((b) => firstLine <= b.at.line && b.at.line <= lastLine);
    return { start, end, inside, hit };
  });
  const lost = chunks.find((c) => c.hit.length && !c.inside.length)?.hit[0] ?? blocks.find((b) => !chunks.some((c) => c.hit.includes(b)));
  if (lost) return { problem: `${path}:${lost.at.line}: the document of ${lost.what} could not be delimited` };
  if (chunks.every((c) => c.hit.length || !c.inside.length)) return '';
  if (text.includes('{{')) return { problem: `${path}: a Helm template that also holds other objects; remove ${blocks.map((b) => b.what).join(', ')} by hand` };
  const edited = chunks
    .filter((c) => !c.hit.length)
    .map((c) => text.slice(c.start, c.end))
    .join('');
  const left = parseAllDocuments(edited)
    .filter((d) => d.contents !== null && d.toJSON() != null)
    .map((d) => JSON.stringify(d.toJSON()));
  const expected = chunks.filter((c) => !c.hit.length).flatMap((c) => c.inside.map((d) => JSON.stringify(d.toJSON())));
  if (JSON.stringify(left) !== JSON.stringify(expected)) return { problem: `${path}: removing the superseded documents changes the others` };
  return edited;
}

/**
 * A kustomization's `resources` and `patches` entries naming a deleted file: pointed at the
 * generated file of the same directory that replaces it (once), else removed. Line by line, so
 * the rest of the file keeps its bytes; a flow-style list naming a deleted file is refused.
 */
function updateReferences(path: string, text: string, deleted: ReadonlySet<string>, generated: ReadonlyMap<string, string>): string | { problem: string } {
  const dir = posix.dirname(path);
  const resolve = (entry: string) => posix.normalize(posix.join(dir === '.' ? '' : dir, entry.replace(/^\.\//, '')));
  const replacement = (file: string) => {
    const d = posix.dirname(file);
    const candidates = [...generated.keys()].filter(
      (g) => posix.dirname(g) === d && (file.includes('initcontainer') ? g.includes('initcontainer') : g.endsWith('vso.gen.yaml')),
    );
    return candidates.length === 1 ? posix.relative(dir === '.' ? '' : dir, candidates[0]!) : undefined;
  };
  const used = new Set<string>();
  const lines = text.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const m = /^(\s*-\s*(?:path:\s*)?)(["']?)([^"'\s#]+)\2(\s*(?:#.*)?)$/.exec(line);
    const target = m ? resolve(m[3]!) : undefined;
    if (m && target !== undefined && deleted.has(target)) {
      const r = replacement(target);
      if (r !== undefined && !used.has(r)) {
        used.add(r);
        out.push(`${m[1]}${m[2]}${r}${m[2]}${m[4]}`);
      }
      continue;
    }
    if (/\[[^\]]*\]/.test(line) && [...deleted].some((f) => line.includes(posix.basename(f))))
      return { problem: `${path}: a flow-style list names a superseded file; edit it by hand` };
    out.push(line);
  }
  return out.join('\n');
}
