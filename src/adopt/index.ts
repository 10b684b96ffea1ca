import { hcl2jsonParser, inventoryRepos, type HclParser } from '../inventory';
import type { Inventory, Location, RepoTrees } from '../inventory/types';
import { InputError } from '../errors';
import { loadModel } from '../model';
import { emitAppsYaml } from './emit';
import { recognize } from './recognize';
import type { AdoptFinding, AdoptResult } from './types';

/**
 * `joinkey adopt`: hand-written repos -> an apps.yaml that renders the same live objects, the
 * list of what stays hand-written with the reason, and the hand-written declarations the render
 * supersedes. Pure: repo trees in (the CLI reads them), text out; the HCL parser is injected.
 */

export interface AdoptOptions {
  readonly parser?: HclParser;
  /** repo id -> url for `repos:` (the CLI reads each checkout's remote); the id itself when absent. */
  readonly repoUrls?: ReadonlyMap<string, string>;
  /** The inventory of `trees`, when the caller has it already. */
  readonly inventory?: Inventory;
}

const compareAt = (a: { at: Location }, b: { at: Location }) =>
  `${a.at.repo}/${a.at.path}` < `${b.at.repo}/${b.at.path}`
    ? -1
    : `${a.at.repo}/${a.at.path}` > `${b.at.repo}/${b.at.path}`
      ? 1
      : a.at.line - b.at.line || a.at.col - b.at.col;

export async function adopt(trees: RepoTrees, options: AdoptOptions = {}): Promise<AdoptResult> {
  const parser = options.parser ?? hcl2jsonParser();
  const inventory = options.inventory ?? (await inventoryRepos(trees, { parser }));
  const draft = await recognize(trees, inventory, parser);
  const text = emitAppsYaml(draft, options.repoUrls ?? new Map());
  const findings: AdoptFinding[] = [...draft.findings];
  for (const u of inventory.unreadable) findings.push({ at: u.at, rule: 'adopt-kept', message: `not read, so not adopted: ${u.reason}` });
  try {
    loadModel('apps.yaml', text);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // the repos hold something apps.yaml refuses: said at the hand-written side of the app it is about
    const said = draft.findings.some((f) => f.rule === 'adopt-conflict' && f.message.includes('central PostgreSQL'));
    for (const d of e.diagnostics) {
      if (said && d.message.includes('central.postgres')) continue;
      const owner = /^apps\.([^.]+)|^consumers\.([^.]+)/.exec(pathOf(text, d.line))?.slice(1).find(Boolean);
      const at = (owner === undefined ? undefined : (draft.apps.get(owner) ?? draft.consumers.get(owner))?.at) ??
        draft.superseded[0]?.at ?? { repo: draft.repos[0] ?? '', path: '.', line: 1, col: 1 };
      findings.push({ at, rule: 'adopt-conflict', message: `${owner ? `"${owner}": ` : ''}the adopted apps.yaml would be refused: ${d.message}` });
    }
  }
  return { text, findings: findings.sort(compareAt), superseded: [...draft.superseded].sort(compareAt) };
}

/** `apps.<name>` / `consumers.<name>` of the entry a line of the emitted text lies in (two-space indentation). */
function pathOf(text: string, line: number): string {
  const lines = text.split('\n').slice(0, line);
  let section = '';
  let entry = '';
  for (const l of lines) {
    const top = /^([A-Za-z_]+):/.exec(l);
    if (top) {
      section = top[1]!;
      entry = '';
    }
    const second = /^ {2}([^\s#:][^:]*):/.exec(l);
    if (second) entry = second[1]!;
  }
  return `${section}.${entry}`;
}

export type { AdoptFinding, AdoptResult, AdoptRule, Superseded } from './types';
