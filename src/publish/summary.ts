import { createHash } from 'node:crypto';
import { explainApp, explanationRows } from '../explain';
import { hashMarker } from '../gitea';
import type { HclParser } from '../inventory';
import { markdownCell as cell } from '../util/markdown';
import type { Model } from '../model/model';
import { BOT_TRAILER } from '../model/names';
import { isOwnershipList, parseOwnership } from '../ownership';
import { appFileIndex, fileKinds, type FileProvenance } from '../render/provenance';
import { handOverSection, type RepoAdoption } from './hand-over';
import { liveEffectsSection, type RepoLiveEffects } from './live';
import type { FileChange, HandOverChange, RepoPlan } from './plan';

/**
 * Pure text for publish: which app and object kinds each changed file carries (from the rendered
 * files' provenance), the bot commit message, and the PR title and body with its content hash.
 */

export const JOINKEY_ROW = '(joinkey)';
export const CENTRAL_ROW = '(all apps)';
export const REMOVED_ROW = '(removed app)';

export type ChangeKind = 'added' | 'changed' | 'deleted';

export interface ChangedFile {
  readonly path: string;
  readonly change: ChangeKind;
  /** The app the file belongs to, or JOINKEY_ROW / CENTRAL_ROW / REMOVED_ROW. */
  readonly app: string;
  /** Kubernetes kinds, OpenTofu resource types, variables, as the rendered file declares them (fileKinds); by extension for a deleted file. */
  readonly kinds: readonly string[];
}

/** What the plan means in apps: per file, plus apps added to or removed from a central map. */
export interface PlanSummary {
  readonly files: readonly ChangedFile[];
  /** Apps whose files or central entries change, sorted. */
  readonly changedApps: readonly string[];
  readonly addedApps: readonly string[];
  readonly removedApps: readonly string[];
  /** `<app>_role`s this plan adds to the central databases file (only in the postgres repo). */
  readonly newRoles: readonly string[];
}

export function changesOf(plan: RepoPlan): (FileChange & { change: ChangeKind })[] {
  return [
    ...plan.adds.map((f) => ({ ...f, change: 'added' as const })),
    ...plan.changes.map((f) => ({ ...f, change: 'changed' as const })),
    ...plan.deletes.map((f) => ({ ...f, change: 'deleted' as const })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The entries of joinkey's central maps (tfvars files of the central repos keyed by app) that a
 * plan changes, read on both sides with the real HCL parser: file -> app -> the entry's JSON.
 * The files are the plan's changes whose rendered file (or, for a deleted one, whose base file)
 * the provenance calls central.
 */
export type CentralEntries = ReadonlyMap<string, { readonly before: ReadonlyMap<string, string>; readonly after: ReadonlyMap<string, string> }>;

export async function readCentralEntries(plan: RepoPlan, files: readonly FileProvenance[], parser: HclParser): Promise<CentralEntries> {
  const central = new Set(files.filter((f) => f.repo === plan.repoId && f.owner?.kind === 'central' && f.path.endsWith('.tfvars')).map((f) => f.path));
  const entries = async (path: string, content: string | undefined): Promise<Map<string, string>> => {
    if (content === undefined) return new Map();
    const body = await parser.parse(path, content).catch(() => ({}));
    const out = new Map<string, string>();
    for (const value of Object.values(body)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      for (const [app, entry] of Object.entries(value as Record<string, unknown>)) out.set(app, JSON.stringify(entry));
    }
    return out;
  };
  const out = new Map<string, { before: Map<string, string>; after: Map<string, string> }>();
  for (const f of changesOf(plan)) {
    if (!central.has(f.path)) continue;
    out.set(f.path, { before: await entries(f.path, f.before), after: await entries(f.path, f.after) });
  }
  return out;
}

/**
 * What the plan means in apps, from the provenance of the rendered files (`files`: this render,
 * any repo), the app record of the base's ownership list (for files of apps no longer rendered)
 * and the central map entries read on both sides (readCentralEntries).
 */
export function summarizePlan(model: Model, plan: RepoPlan, files: readonly FileProvenance[], centralEntries: CentralEntries = new Map()): PlanSummary {
  const changed = new Set<string>();
  const added = new Set<string>();
  const removed = new Set<string>();
  const newRoles = new Set<string>();
  const known = new Map(model.apps.map((a) => [a.name, a]));
  const rendered = new Map(files.filter((f) => f.repo === plan.repoId).map((f) => [f.path, f]));
  // The base's ownership list records each app's files; it changes whenever a file is deleted.
  const recorded = parseOwnership([...plan.changes, ...plan.deletes].find((f) => isOwnershipList(f.path))?.before).apps;

  /** Central map file -> the apps whose entries it adds, changes or removes. */
  const centralApps = new Map<string, Set<string>>();
  for (const [path, { before, after }] of centralEntries) {
    const touched = new Set<string>();
    centralApps.set(path, touched);
    const keyedByDatabase = plan.repoId === model.central.postgres.repo && path === model.central.postgres.databasesFile;
    for (const [app, entry] of after) {
      if (before.get(app) === entry) continue;
      touched.add(app);
      if (before.has(app)) changed.add(app);
      else if (keyedByDatabase) {
        // Every app has an entry in the applications map; the databases map only has apps with a database.
        changed.add(app);
        const role = known.get(app)?.database?.role;
        if (role) newRoles.add(role);
      } else added.add(app);
    }
    for (const app of before.keys()) {
      if (after.has(app)) continue;
      touched.add(app);
      (known.has(app) ? changed : removed).add(app);
    }
  }

  const summaryFiles: ChangedFile[] = changesOf(plan).map((f) => {
    const provenance = rendered.get(f.path);
    const inMap = centralApps.get(f.path);
    let app: string;
    if (isOwnershipList(f.path)) app = JOINKEY_ROW;
    else if (inMap?.size) app = [...inMap].sort().join(', ');
    else if (provenance?.owner?.kind === 'app') app = provenance.owner.app;
    else if (provenance?.owner?.kind === 'central' || provenance?.owner?.kind === 'docs') app = CENTRAL_ROW;
    else {
      const was = recorded.get(f.path);
      app = was ?? REMOVED_ROW;
      if (was !== undefined && !known.has(was)) removed.add(was);
    }
    for (const a of app.split(', ')) if (known.has(a)) changed.add(a);
    const kinds = provenance ? fileKinds(provenance) : fileKinds({ repo: plan.repoId, path: f.path });
    return { path: f.path, change: f.change, app, kinds };
  });
  // An app whose own files all appear in this plan, none of them recorded before, is new here too (an app repo without central maps).
  const recordedApps = new Set(recorded.values());
  for (const a of model.apps) {
    const own = summaryFiles.filter((f) => f.app === a.name);
    if (own.length && own.every((f) => f.change === 'added') && !recordedApps.has(a.name) && !plan.previouslyOwned.some((p) => ownedBy(a, p)))
      added.add(a.name);
  }
  for (const a of added) changed.add(a);
  for (const r of removed) changed.add(r);
  const sorted = (s: Set<string>) => [...s].sort();
  return { files: summaryFiles, changedApps: sorted(changed), addedApps: sorted(added), removedApps: sorted(removed), newRoles: sorted(newRoles) };
}

function ownedBy(app: Model['apps'][number], path: string): boolean {
  return !!app.target && Object.values(app.target.files).includes(path);
}

export interface CommitInfo {
  readonly repoId: string;
  readonly configCommit: string;
}

export function commitMessage(info: CommitInfo, plan: RepoPlan, summary: PlanSummary): string {
  const short = /^[0-9a-f]{40,64}/.test(info.configCommit) ? info.configCommit.slice(0, 12) : info.configCommit;
  const apps = summary.changedApps.length ? summary.changedApps.join(', ') : 'none (ownership list only)';
  return [
    `joinkey: sync ${info.repoId} from apps.yaml ${short}`,
    '',
    `apps.yaml commit: ${info.configCommit}`,
    `Apps changed: ${apps}`,
    ...(summary.addedApps.length ? [`Apps added: ${summary.addedApps.join(', ')}`] : []),
    ...(summary.removedApps.length ? [`Apps removed: ${summary.removedApps.join(', ')}`] : []),
    `Files: ${plan.adds.length} added, ${plan.changes.length} changed, ${plan.deletes.length} deleted`,
    ...(plan.handOver.length ? [`Hand-over (--adopt): ${handOverCounts(plan.handOver)}`] : []),
    '',
    BOT_TRAILER,
  ].join('\n');
}

/** `2 hand-written files deleted, 1 edited, 1 added`. */
export function handOverCounts(changes: readonly HandOverChange[]): string {
  const n = (c: HandOverChange['change']) => changes.filter((h) => h.change === c).length;
  return `${n('deleted')} hand-written file${n('deleted') === 1 ? '' : 's'} deleted, ${n('edited')} edited, ${n('added')} added`;
}

export interface PullRequestText {
  readonly title: string;
  readonly body: string;
  readonly hash: string;
}

export interface OrderingNote {
  /** The roles this PR's apps need from the postgres repo. */
  readonly roles: readonly string[];
  readonly factoryRepo: string;
  /** Link or description of the factory PR, e.g. "owner/factory#3" with its URL. */
  readonly factoryPr?: { readonly label: string; readonly url?: string };
  /** With environments: the environment published before this one (promotion order) and its PRs. */
  readonly promotedAfter?: PromotedAfter;
}

export interface PromotedAfter {
  readonly environment: string;
  readonly prs: readonly { readonly label: string; readonly url?: string }[];
}

/**
 * The PR title and body: it opens with the "## Live effects" table, then (publish --adopt) the
 * hand-over, then the generated files.
 * `files` is the render publish commits (provenance only), for the added apps' explanations.
 */
export function pullRequestText(
  model: Model,
  repoId: string,
  base: string,
  bot: string,
  summary: PlanSummary,
  live: RepoLiveEffects,
  files: readonly FileProvenance[],
  note?: OrderingNote,
  handOver?: { readonly changes: readonly HandOverChange[]; readonly adoption: RepoAdoption },
): PullRequestText {
  const apps = summary.changedApps;
  const title = `joinkey: sync generated files${apps.length ? ` (${apps.length <= 3 ? apps.join(', ') : `${apps.slice(0, 3).join(', ')} and ${apps.length - 3} more`})` : ''}`;
  const out: string[] = [liveEffectsSection(live).trimEnd(), ''];
  if (handOver) out.push(handOverSection(handOver.changes, handOver.adoption, live.effects).trimEnd(), '');
  out.push(`## Generated files for \`${repoId}\``);
  out.push('');
  out.push(
    `Opened by \`joinkey publish\`. \`${bot}\` is \`${base}\` plus exactly one commit holding the files joinkey renders from apps.yaml. Do not push to \`${bot}\`: change apps.yaml and publish again.`,
  );
  if (note && note.roles.length) {
    out.push('');
    const link = note.factoryPr
      ? note.factoryPr.url
        ? `[${note.factoryPr.label}](${note.factoryPr.url})`
        : note.factoryPr.label
      : `the pending \`${note.factoryRepo}\` PR`;
    out.push(
      `> **merge factory first**: this PR needs the new PostgreSQL role${note.roles.length === 1 ? '' : 's'} ${note.roles.map((r) => `\`${r}\``).join(', ')}, created by ${link}. The app_roles dynamic role fails without ${note.roles.length === 1 ? 'it' : 'them'}.`,
    );
  }
  if (note?.promotedAfter) {
    const { environment, prs } = note.promotedAfter;
    const links = prs.map((p) => (p.url ? `[${p.label}](${p.url})` : p.label));
    out.push('');
    out.push(
      `> **promoted after \`${environment}\`**: this environment comes after \`${environment}\` in apps.yaml's promotion order; ${links.length ? `merge and verify ${links.join(', ')} first` : `\`${environment}\` had no pull request open for this apps.yaml`}.`,
    );
  }
  out.push('');
  out.push('### Changed files');
  out.push('');
  out.push('| app | object kinds | file | change |');
  out.push('|---|---|---|---|');
  const byApp = [...summary.files].sort((a, b) => (a.app + '\0' + a.path < b.app + '\0' + b.path ? -1 : 1));
  for (const f of byApp) out.push(`| ${cell(f.app)} | ${cell(f.kinds.join(', '))} | \`${cell(f.path)}\` | ${f.change} |`);
  const kindCounts = new Map<string, number>();
  for (const f of summary.files) for (const k of f.kinds) kindCounts.set(k, (kindCounts.get(k) ?? 0) + 1);
  out.push('');
  out.push('| object kind | files |');
  out.push('|---|---|');
  for (const [k, n] of [...kindCounts].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`| ${cell(k)} | ${n} |`);
  const added = summary.addedApps.slice(0, 10);
  if (added.length) {
    const rendered = appFileIndex(files);
    out.push('');
    out.push('### Added apps');
    for (const name of added) {
      const e = explainApp(model, name, rendered);
      out.push('');
      out.push(`#### ${name}`);
      if (!e) continue;
      out.push('');
      out.push('| object | name | detail |');
      out.push('|---|---|---|');
      for (const r of explanationRows(e)) out.push(`| ${cell(r.object)} | ${cell(r.name)} | ${cell(r.detail)} |`);
    }
    if (summary.addedApps.length > added.length) out.push('', `…and ${summary.addedApps.length - added.length} more; run \`joinkey explain <app>\`.`);
  }
  if (summary.removedApps.length) {
    out.push('');
    out.push('### Removed apps');
    out.push('');
    for (const name of summary.removedApps) out.push(`- \`${name}\`: no longer in apps.yaml; its generated files and central entries are removed here.`);
  }
  const text = out.join('\n');
  const hash = contentHash(`${title}\n${text}`);
  return { title, body: `${text}\n\n${hashMarker(hash)}\n`, hash };
}

export function contentHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}
