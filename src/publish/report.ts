import { formatFinding } from '../errors';
import type { Redactor } from '../util/redact';
import type { ProgressEvent, PublishReport, RepoResult } from './index';
import { prLine } from './index';
import { liveObjectName, type RepoLiveEffects } from './live';
import { handOverCounts } from './summary';

/** Progress lines on stderr; on a TTY a long step's line is replaced by the next one. */
export function progressWriter(stream: { write(s: string): unknown; readonly isTTY?: boolean }, redact: Redactor): (e: ProgressEvent) => void {
  const tty = !!stream.isTTY;
  let transient = false;
  return (e) => {
    const line = redact(`${e.repo}: ${e.message}`);
    if (tty) {
      stream.write(`${transient ? '\r\x1b[K' : ''}${line}${e.step ? '' : '\n'}`);
      transient = !!e.step;
    } else {
      stream.write(`${line}\n`);
    }
  };
}

/** Pure: the text `joinkey publish` prints after the run (the plan, with --dry-run). */
export function formatReport(report: PublishReport): string {
  const out: string[] = [];
  for (const r of report.repos) out.push(...repoSection(r, report.dryRun), '');
  out.push(report.dryRun ? 'Dry run: nothing was written, pushed or opened.' : 'Summary:');
  if (!report.dryRun) {
    const w = Math.max(...report.repos.map((r) => r.repoId.length), 4);
    for (const r of report.repos)
      out.push(`  ${r.repoId.padEnd(w)}  ${statusWord(r, false)}${r.pr ? `; ${prLine(r.pr)}` : ''}${r.prError ? '; PR FAILED' : ''}`);
    const pushed = report.repos.filter((r) => r.status === 'pushed').map((r) => r.repoId);
    const prs = report.repos.filter((r) => r.pr && (r.pr.action === 'created' || r.pr.action === 'updated'));
    out.push(`Pushed: ${pushed.length ? pushed.join(', ') : 'none'}.`);
    out.push(`PRs created or updated: ${prs.length ? prs.map((r) => `${r.repoId} #${r.pr!.pr?.number} (${r.pr!.action})`).join(', ') : 'none'}.`);
  }
  if (!report.ok) out.push('Some repos were not published; see above. Exit status 1.');
  return `${out.join('\n')}\n`;
}

function statusWord(r: RepoResult, dryRun: boolean): string {
  switch (r.status) {
    case 'pushed':
      return `pushed ${r.branch} (${r.commit?.slice(0, 12)})`;
    case 'up-to-date':
      return `${r.branch} already up to date, nothing pushed`;
    case 'no-changes':
      return `${r.base} already holds the generated files, nothing pushed${r.staleBranchDeleted ? `; the stale ${r.branch} ${dryRun ? 'would be' : 'was'} deleted` : ''}`;
    case 'would-push':
      return `would push one commit to ${r.branch}`;
    case 'refused':
      return `REFUSED (${[
        ...(r.conflicts?.length ? ['files joinkey does not own, or edited by hand, at generated paths'] : []),
        ...(r.liveConflicts?.length
          ? ['the render conflicts with hand-written files: remove the hand-written side, or keep it and take that object out of apps.yaml']
          : []),
        ...(r.liveEffects?.unacknowledged.length ? ['it destroys or rotates stateful data that apps.yaml does not acknowledge'] : []),
        ...(r.handOverRefusals?.length ? ['the hand-over (--adopt) would change live objects or cannot be proven'] : []),
      ].join('; ')}), nothing pushed`;
    case 'stopped':
      return `STOPPED (${r.branch} has commits not made by joinkey), nothing pushed`;
    case 'failed':
      return 'FAILED, nothing pushed';
  }
}

function repoSection(r: RepoResult, dryRun: boolean): string[] {
  const lines = [`${r.repoId}: ${r.base} -> ${r.branch} (${r.url})`];
  lines.push(`  ${statusWord(r, dryRun)}`);
  if (r.reason && r.status !== 'refused') lines.push(`  ${r.reason}`);
  for (const c of r.conflicts ?? []) lines.push(`  conflict: ${c.path} ${c.reason}`);
  for (const f of r.liveConflicts ?? []) lines.push(`  live conflict: ${formatFinding(f).replace(/\n/g, '\n  ')}`);
  for (const line of r.liveEffects?.refusals ?? []) lines.push(`  unacknowledged: ${line}`);
  for (const line of r.handOverRefusals ?? []) lines.push(`  hand-over: ${line}`);
  if (r.liveEffects?.effects.length) lines.push(`  live effects: ${liveEffectCounts(r.liveEffects)}`);
  for (const a of r.liveEffects?.acknowledged ?? []) lines.push(`    acknowledged by ${a.by}: ${a.effect.effect} ${liveObjectName(a.effect)}`);
  if (r.plan && (dryRun || r.status !== 'refused')) {
    const { adds, changes, deletes } = r.plan;
    if (dryRun || r.status === 'pushed') {
      lines.push(`  files: ${adds.length} added, ${changes.length} changed, ${deletes.length} deleted, ${r.plan.unchanged.length} unchanged`);
      for (const f of adds) lines.push(`    add     ${f.path}`);
      for (const f of changes) lines.push(`    change  ${f.path}`);
      for (const f of deletes) lines.push(`    delete  ${f.path}`);
      if (r.plan.handOver.length) lines.push(`  hand-over: ${handOverCounts(r.plan.handOver)}`);
      for (const f of r.plan.handOver) lines.push(`    ${f.change === 'deleted' ? 'delete' : f.change === 'edited' ? 'edit  ' : 'add   '}  ${f.path}`);
    }
  }
  if (r.summary && r.summary.changedApps.length && r.status !== 'refused') lines.push(`  apps: ${r.summary.changedApps.join(', ')}`);
  if (r.pr) lines.push(`  PR${r.giteaRepo ? ` in ${r.giteaRepo}` : ''}: ${prLine(r.pr)}`);
  else if (dryRun && (r.status === 'would-push' || r.status === 'up-to-date'))
    lines.push(`  PR: would ensure one PR ${r.branch} -> ${r.base} (not checked: no Gitea URL or token, or --no-pr)`);
  if (r.prError) lines.push(`  PR failed: ${r.prError}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

/** `1 destroy, 2 create` in the table's order of effects. */
function liveEffectCounts(live: RepoLiveEffects): string {
  const counts = new Map<string, number>();
  for (const e of live.effects) counts.set(e.effect, (counts.get(e.effect) ?? 0) + 1);
  return [...counts].map(([effect, n]) => `${n} ${effect}`).join(', ');
}
