import { posix } from 'node:path';
import { adopt, type AdoptFinding, type Superseded } from '../adopt';
import { assumedNamespaceObjects, handOverBlockers, planHandOver } from '../adopt/hand-over';
import { publishedTrees, type HclParser } from '../inventory';
import type { RepoTrees } from '../inventory/types';
import { deployedNames } from '../live';
import type { LiveEffect } from '../live/types';
import type { Model } from '../model/model';
import type { FileTree } from '../render/files';
import { ownershipFileIn, parseOwnership } from '../ownership';
import { markdownCell as cell } from '../util/markdown';
import { liveObjectName } from './live';
import { handedOverFiles, type HandOver, type HandOverChange } from './plan';

/**
 * publish --adopt: the hand-written declarations of the base branches that the render takes
 * over (src/adopt), decided for every repo at once before anything is pushed. Only what belongs
 * to a name apps.yaml still deploys (or to the central maps) is handed over: an app taken out of
 * the adopted apps.yaml stays hand-written. The change plan of the hand-over (publish's live
 * effects, computed on `handedOver`) must change nothing live: whyNotHandedOver says what stops it.
 */

/** The hand-over of one repo, and what the PR body says about it. */
export interface RepoAdoption {
  /** Absent when the repo is refused. */
  readonly handOver?: HandOver;
  /** Why nothing of this repo may be handed over, with the blocks to remove by hand. */
  readonly refused?: string;
  /** The declarations of this repo the render takes over. */
  readonly superseded: readonly Superseded[];
  /** What adopt leaves hand-written in this repo, and why (adopt-unmapped, adopt-kept, adopt-review). */
  readonly findings: readonly AdoptFinding[];
  /** The root modules of this repo whose state the hand-over would move (stateMoves), one line each. */
  readonly stateMoves: readonly string[];
}

export interface Adoption {
  readonly byRepo: ReadonlyMap<string, RepoAdoption>;
  /** The base trees as the hand-overs leave them (a refused repo's as it is): what the render is laid over. */
  readonly handedOver: RepoTrees;
  /** Every adopt finding, for the blockers' rule. */
  readonly findings: readonly AdoptFinding[];
}

/** The central maps' settings belong to every app (src/adopt/recognize.ts). */
const CENTRAL_OWNER = '(central)';

export async function planAdoption(model: Model, checkouts: RepoTrees, tree: FileTree, parser: HclParser): Promise<Adoption> {
  const result = await adopt(checkouts, { parser });
  const deployed = new Set([...deployedNames(model), CENTRAL_OWNER]);
  // a file joinkey wrote is the render's to change, never the hand-over's
  const listed = new Map(
    [...checkouts].map(([repo, files]) => [repo, parseOwnership(files.get(ownershipFileIn(model.repos.find((r) => r.id === repo)?.path))).files] as const),
  );
  const superseded = result.superseded.filter((s) => deployed.has(s.owner) && !listed.get(s.at.repo)?.has(s.at.path));
  const plans = await planHandOver(checkouts, tree, { ...result, superseded }, parser);
  const handedOver = new Map<string, ReadonlyMap<string, string>>();
  for (const [repo, files] of checkouts) {
    const plan = plans.find((p) => p.repo === repo);
    handedOver.set(repo, plan && !plan.refused ? handedOverFiles(files, plan) : files);
  }
  const moves = await stateMoves(checkouts, publishedTrees(handedOver, new Map([...tree].filter(([repo]) => checkouts.has(repo)))), parser);
  const byRepo = new Map<string, RepoAdoption>();
  for (const repo of checkouts.keys()) {
    const plan = plans.find((p) => p.repo === repo);
    const common = {
      superseded: superseded.filter((s) => s.at.repo === repo),
      findings: result.findings.filter((f) => f.at.repo === repo && f.rule !== 'adopt-conflict'),
      stateMoves: moves.filter((m) => m.repo === repo).map((m) => m.line),
    };
    if (plan && !plan.refused) byRepo.set(repo, { ...common, handOver: { deletes: plan.deletes, edits: plan.edits, adds: plan.adds } });
    else
      byRepo.set(repo, {
        ...common,
        ...(plan?.refused
          ? {
              refused: `the hand-over cannot be proven: ${plan.refused.reason}; remove by hand: ${plan.refused.blocks.map((b) => `${b.at.path}:${b.at.line} ${b.what}`).join(', ')}`,
            }
          : {}),
      });
  }
  return { byRepo, handedOver, findings: result.findings };
}

/** Why the hand-over of a repo may not be published, one line each ([] when nothing stops it): an edit that cannot be proven, an effect that changes something live, a state that would move. */
export function whyNotHandedOver(repo: string, effects: readonly LiveEffect[], adoption: Adoption): string[] {
  const mine = adoption.byRepo.get(repo);
  return [
    ...(mine?.refused ? [mine.refused] : []),
    ...handOverBlockers(effects, adoption.findings).map(
      (e) =>
        `publish --adopt hands over with no live change, but this would ${e.effect === 'update' ? `break ${e.breaking}` : e.effect} ${liveObjectName(e)}${e.causes.length ? ` (${e.causes.join(', ')})` : ''}: make apps.yaml declare it exactly as the hand-written file does (joinkey adopt writes such an apps.yaml), or publish that change after the hand-over`,
    ),
    ...(mine?.stateMoves ?? []),
  ];
}

/**
 * Root modules whose state would move: a backend in the base and another (type or settings) once
 * published. The new state starts empty, so tofu would create every object again there (the
 * passwords regenerated) while the old state still holds them; the change plan, which follows
 * objects by module dir, does not see it. One line per module, at its repo.
 */
async function stateMoves(before: RepoTrees, after: RepoTrees, parser: HclParser): Promise<{ repo: string; line: string }[]> {
  // parsed as the inventory parses them (parseAll, by file name and content): adopt's inventory has read the base files already
  const backends = async (trees: RepoTrees) => {
    const tf = [...trees].flatMap(([repo, files]) =>
      [...files].filter(([path]) => path.endsWith('.tf') && !/(^|\/)modules\//.test(path)).map(([path, content]) => ({ repo, path, content })),
    );
    const parsed = await parser.parseAll(tf.map((f) => ({ file: posix.basename(f.path), content: f.content })));
    const out = new Map<string, { repo: string; dir: string; backend: string }>();
    tf.forEach((f, i) => {
      const body = parsed[i]!;
      if (body instanceof Error) return;
      for (const t of (body.terraform ?? []) as Record<string, unknown>[])
        if (t.backend !== undefined)
          out.set(`${f.repo}\u0000${posix.dirname(f.path)}`, { repo: f.repo, dir: posix.dirname(f.path), backend: JSON.stringify(t.backend) });
    });
    return out;
  };
  const was = await backends(before);
  const will = await backends(after);
  const out: { repo: string; line: string }[] = [];
  for (const [key, b] of was) {
    const next = will.get(key);
    if (next && next.backend !== b.backend)
      out.push({
        repo: b.repo,
        line: `the state of ${b.repo}/${b.dir} would move from backend ${b.backend} to ${next.backend}: tofu would create every object of it again in the new, empty state (passwords regenerated); keep it with apps.<app>.statePrefix and state.bucket (joinkey adopt writes them), or handWrittenBackend: true`,
      });
  }
  return out.sort((a, b) => (a.line < b.line ? -1 : 1));
}

const LISTED = 40;

/**
 * The "## Hand-over" section of a PR body: what became generated, the objects of the applier's
 * namespace planned as destroyed and created (the same objects where adopt's namespace holds),
 * and adopt's findings: what to review and what stays hand-written, and why.
 */
export function handOverSection(changes: readonly HandOverChange[], adoption: RepoAdoption, effects: readonly LiveEffect[]): string {
  const out = ['## Hand-over', ''];
  out.push(
    'This PR hands the hand-written declarations below over to joinkey (`publish --adopt`): the same commit adds their generated twins and removes them here, under the same names and with moved blocks for the state, so nothing is destroyed, replaced or rotated. Merge it whole.',
  );
  out.push('', '| file | change | now generated |', '|---|---|---|');
  const byPath = new Map<string, string[]>();
  for (const s of adoption.superseded) byPath.set(s.at.path, [...(byPath.get(s.at.path) ?? []), s.what]);
  for (const c of changes) {
    const blocks = byPath.get(c.path);
    const [change, what] =
      c.change === 'added'
        ? ['added', 'moved blocks: each hand-written address keeps its state at the generated one']
        : c.change === 'deleted'
          ? ['deleted', blocks?.join(', ') ?? '']
          : blocks
            ? ['edited: only these blocks cut out', blocks.join(', ')]
            : ['edited: references to deleted files pointed at the generated ones', ''];
    out.push(`| \`${cell(c.path)}\` | ${change} | ${cell(what)} |`);
  }
  const applier = assumedNamespaceObjects(effects, adoption.findings);
  if (applier.length) {
    out.push(
      '',
      "**Review:** these objects had no namespace of their own (Helm's release namespace, `kubectl -n`), so Live effects plans them as destroyed and created in the namespace adopt wrote. They are the same objects, and nothing is deleted, only when they run in that namespace today:",
      '',
    );
    for (const e of applier) out.push(`- ${e.kind} \`${cell(e.name)}\``);
  }
  if (adoption.findings.length) {
    out.push('', '### To review, and what stays hand-written', '');
    for (const f of adoption.findings.slice(0, LISTED)) out.push(`- \`${cell(`${f.at.path}:${f.at.line}`)}\` (${f.rule}): ${cell(f.message)}`);
    if (adoption.findings.length > LISTED) out.push(`- …and ${adoption.findings.length - LISTED} more: run \`joinkey adopt\` to see them all.`);
  }
  return `${out.join('\n')}\n`;
}
