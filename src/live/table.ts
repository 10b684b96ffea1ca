import type { Acknowledged } from './guard';
import { markdownCell as cell, markdownCode as code } from '../util/markdown';
import { isStateful, orderLiveEffects } from './plan';
import type { RefactorSuggestion } from './refactor';
import type { LiveEffect } from './types';

/**
 * The "## Live effects" section a PR body opens with: one row per effect, destroys, rotations,
 * replaces, then creates, updates and moves (issue 9 part 4). Pure: markdown text out.
 */

function objectCell(e: LiveEffect): string {
  if (e.object === 'tofu') return `${code(e.type)} in ${code(`${e.repo}/${e.module}`)}`;
  return `${code(e.kind)} in ${code(e.repo)}`;
}

function addressCell(e: LiveEffect): string {
  if (e.object === 'tofu') return code(e.address) + (e.movedFrom ? ` (moved from ${code(e.movedFrom)})` : '');
  return code(`${e.apiVersion} ${e.kind} ${e.namespace === '' ? '' : `${e.namespace}/`}${e.name}`);
}

function effectCell(e: LiveEffect, acknowledgedBy: string | undefined): string {
  const shown = e.effect === 'replace' || e.effect === 'update' || e.effect === 'rotate' ? `${e.effect} (${e.causes.map(cell).join(', ')})` : e.effect;
  const marked = isStateful(e) ? `**${shown}**` : shown;
  const acknowledged = acknowledgedBy === undefined ? '' : `, acknowledged by ${code(acknowledgedBy)}`;
  return `${e.breaking ? `${marked}, breaking` : marked}${acknowledged}`;
}

function dataCell(e: LiveEffect): string {
  const parts = [e.dataEffect === '' ? '-' : e.dataEffect];
  if (e.breaking) parts.push(`Breaking: ${e.breaking}.`);
  if (e.object === 'tofu' && e.avoidableBy) parts.push('Avoidable: see the suggested refactoring blocks.');
  return cell(parts.join(' '));
}

/**
 * The section: heading, table (or a line saying nothing changes) and the suggested blocks. The
 * stateful effects apps.yaml acknowledges (`acknowledged`, from guardLiveChanges) say so, and by what.
 */
export function renderLiveEffects(
  effects: readonly LiveEffect[],
  suggestions: readonly RefactorSuggestion[] = [],
  acknowledged: readonly Acknowledged[] = [],
): string {
  const by = new Map(acknowledged.map((a) => [a.effect, a.by]));
  const lines = ['## Live effects', ''];
  if (effects.length === 0) lines.push('No live object is created, changed or destroyed.');
  else {
    lines.push('| Object | Address or identity | Effect | Data effect |', '| --- | --- | --- | --- |');
    for (const e of orderLiveEffects(effects)) lines.push(`| ${objectCell(e)} | ${addressCell(e)} | ${effectCell(e, by.get(e))} | ${dataCell(e)} |`);
    if (effects.some(isStateful))
      lines.push(
        '',
        `Effects in bold destroy or rotate stateful data${by.size ? '; apps.yaml acknowledges the ones marked so (retired:, a rotation counter)' : ''}.`,
      );
  }
  if (suggestions.length > 0) {
    lines.push('', '### Suggested refactoring blocks', '');
    for (const s of suggestions) {
      if (s.kind === 'moved') lines.push(`In ${code(`${s.repo}/${s.module}`)}:`, '', '```hcl', s.hcl, '```', '');
      else {
        lines.push(`In ${code(`${s.from.repo}/${s.from.module}`)}:`, '', '```hcl', s.removedHcl, '```', '');
        if (s.importHcl) lines.push(`In ${code(`${s.to.repo}/${s.to.module}`)}:`, '', '```hcl', s.importHcl, '```', '');
        for (const n of s.notes) lines.push(`- ${n}`);
        lines.push('');
      }
    }
    while (lines.at(-1) === '') lines.pop();
  }
  return `${lines.join('\n')}\n`;
}
