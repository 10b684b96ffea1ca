import { createHash } from 'node:crypto';
import { explainApp, explanationRows } from '../explain';
import { hashMarker } from '../gitea';
import type { Model } from '../model/model';
import { BOT_TRAILER } from '../model/names';
import { renderFiles } from '../render';
import { appFileIndex } from '../render/provenance';
import { isOwnershipList } from '../ownership';
import type { FileChange, RepoPlan } from './plan';

/**
 * Pure text for publish: which app and object kinds each changed file carries, the bot commit
 * message, and the PR title and body with its content hash.
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
  /** Kubernetes kinds, OpenTofu resource types, variables, as found in the content. */
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

export function summarizePlan(model: Model, plan: RepoPlan): PlanSummary {
  const changed = new Set<string>();
  const added = new Set<string>();
  const removed = new Set<string>();
  const newRoles = new Set<string>();
  const central = new Set([model.central.vault.applicationsFile, model.central.postgres.databasesFile]);
  const isCentralRepo = (path: string) =>
    (path === model.central.vault.applicationsFile && plan.repoId === model.central.vault.repo) ||
    (path === model.central.postgres.databasesFile && plan.repoId === model.central.postgres.repo) ||
    (path === model.central.vault.consumersFile && plan.repoId === model.central.vault.repo);
  const known = new Set(model.apps.map((a) => a.name));

  const changes = changesOf(plan);
  /** Central map file -> the apps whose entries it adds, changes or removes. */
  const centralApps = new Map<string, Set<string>>();
  // Central maps first, so removed apps are known when files are attributed.
  for (const f of changes) {
    if (!isCentralRepo(f.path) || !central.has(f.path)) continue;
    const before = appBlocks(f.before ?? '');
    const after = appBlocks(f.after ?? '');
    const touched = new Set<string>();
    centralApps.set(f.path, touched);
    for (const [app, block] of after) if (before.get(app) !== block) touched.add(app);
    const isApplications = f.path === model.central.vault.applicationsFile;
    for (const [app, block] of after) {
      if (!before.has(app)) {
        // Every app has an entry in the applications map; the databases map only has apps with a database.
        (isApplications ? added : changed).add(app);
        if (!isApplications) {
          const role = model.apps.find((a) => a.name === app)?.database?.role;
          if (role) newRoles.add(role);
        }
      } else if (before.get(app) !== block) changed.add(app);
    }
    for (const app of before.keys()) {
      if (after.has(app)) continue;
      (known.has(app) ? changed : removed).add(app);
      touched.add(app);
    }
  }

  const files: ChangedFile[] = changes.map((f) => {
    const inMap = centralApps.get(f.path);
    const app = inMap?.size ? [...inMap].sort().join(', ') : attribute(model, plan.repoId, f.path, removed, isCentralRepo(f.path));
    for (const a of app.split(', ')) if (known.has(a)) changed.add(a);
    const kinds = objectKinds(f.path, f.after ?? f.before ?? '');
    return { path: f.path, change: f.change, app, kinds };
  });
  // An app whose own files all appear in this plan is new here too (an app repo without central maps).
  for (const a of model.apps) {
    const own = files.filter((f) => f.app === a.name);
    if (own.length && own.every((f) => f.change === 'added') && !plan.previouslyOwned.some((p) => ownedBy(model, a.name, p))) added.add(a.name);
  }
  for (const a of added) changed.add(a);
  for (const r of removed) changed.add(r);
  const sorted = (s: Set<string>) => [...s].sort();
  return { files, changedApps: sorted(changed), addedApps: sorted(added), removedApps: sorted(removed), newRoles: sorted(newRoles) };
}

function ownedBy(model: Model, app: string, path: string): boolean {
  const t = model.apps.find((a) => a.name === app)?.target;
  return !!t && Object.values(t.files).includes(path);
}

function attribute(model: Model, repoId: string, path: string, removed: ReadonlySet<string>, central: boolean): string {
  if (isOwnershipList(path)) return JOINKEY_ROW;
  if (central) return CENTRAL_ROW;
  for (const a of model.apps) {
    const t = a.target;
    if (!t || t.repo !== repoId) continue;
    if (Object.values(t.files).includes(path) || path.startsWith(`${t.manifestsDir}/`) || path.startsWith(`${t.iacDir}/`)) return a.name;
  }
  const segs = path.split('/');
  const byName = [...removed].find((r) => segs.includes(r));
  return byName ?? REMOVED_ROW;
}

/** `"<app>" = { ... }` entries of a central map, keyed by app, with their text. */
export function appBlocks(content: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)"([a-z0-9]([-a-z0-9]*[a-z0-9])?)"\s*=\s*\{(\})?\s*$/.exec(lines[i]!);
    if (!m) continue;
    const indent = m[1]!;
    if (m[4]) {
      blocks.set(m[2]!, lines[i]!);
      continue;
    }
    let j = i + 1;
    while (j < lines.length && lines[j] !== `${indent}}`) j++;
    blocks.set(m[2]!, lines.slice(i, j + 1).join('\n'));
    i = j;
  }
  return blocks;
}

/** Object kinds in a generated file: Kubernetes `kind:`s, OpenTofu blocks, tfvars variables. */
export function objectKinds(path: string, content: string): string[] {
  if (isOwnershipList(path)) return ['ownership list'];
  const kinds = new Set<string>();
  if (/\.ya?ml$/.test(path)) {
    for (const m of content.matchAll(/^kind:\s*["']?([A-Za-z0-9.]+)/gm)) kinds.add(m[1]!);
  } else if (/\.tfvars$/.test(path)) {
    for (const m of content.matchAll(/^([A-Za-z_][A-Za-z0-9_-]*)\s*=/gm)) kinds.add(`var.${m[1]}`);
  } else if (/\.tf$/.test(path)) {
    for (const m of content.matchAll(/^(resource|data|module|terraform|provider|variable|output|locals)\b\s*(?:"([^"]+)")?/gm)) {
      const [, block, label] = m;
      kinds.add(block === 'resource' ? label! : block === 'data' ? `data.${label}` : block === 'module' ? `module.${label}` : block!);
    }
  } else if (path.endsWith('.md')) kinds.add('doc');
  if (!kinds.size) kinds.add(path.includes('.') ? path.slice(path.lastIndexOf('.') + 1) : 'file');
  return [...kinds].sort();
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
    '',
    BOT_TRAILER,
  ].join('\n');
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

export function pullRequestText(model: Model, repoId: string, base: string, bot: string, summary: PlanSummary, note?: OrderingNote): PullRequestText {
  const apps = summary.changedApps;
  const title = `joinkey: sync generated files${apps.length ? ` (${apps.length <= 3 ? apps.join(', ') : `${apps.slice(0, 3).join(', ')} and ${apps.length - 3} more`})` : ''}`;
  const out: string[] = [];
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
    const rendered = appFileIndex(renderFiles(model));
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

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
