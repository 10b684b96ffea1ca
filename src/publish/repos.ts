import { JoinkeyError } from '../errors';
import type { Model } from '../model/model';
import { DOCS_REPO } from '../render/files';
import type { Redactor } from '../util/redact';
import { repoUrlProblem } from './plan';

/** What publish and diff share about the target repos: which, in what order, where on Gitea, and how progress is told. */

export const DEFAULT_BOT_BRANCH = 'joinkey/sync';

export interface ProgressEvent {
  readonly repo: string;
  readonly message: string;
  /** True for a long step that is starting (a TTY may show it transiently). */
  readonly step?: boolean;
}

/** Refuses repo urls with credentials in them, naming every such repo (before anything is fetched). */
export function checkRepoUrls(model: Model, ids: readonly string[], redact: Redactor): void {
  const problems = ids.flatMap((id) => {
    const repo = model.repos.find((r) => r.id === id)!;
    const problem = repoUrlProblem(repo.url);
    return problem ? [`repos.${id}.url (${redact(repo.url)}) ${problem}`] : [];
  });
  if (problems.length) throw new JoinkeyError(problems.join('\n'));
}

/** The repos to publish, factory (the central postgres repo) first, the rest sorted. */
export function publishOrder(model: Model, only?: readonly string[]): string[] {
  const ids = model.repos.map((r) => r.id).filter((id) => id !== DOCS_REPO);
  if (only) {
    const unknown = only.filter((id) => !ids.includes(id));
    if (unknown.length)
      throw new JoinkeyError(`--repos names ${unknown.map((u) => `"${u}"`).join(', ')}, which apps.yaml does not declare; known repos: ${ids.join(', ')}`);
  }
  const factory = model.central.postgres.repo;
  const chosen = ids.filter((id) => !only || only.includes(id)).sort();
  return [...chosen.filter((id) => id === factory), ...chosen.filter((id) => id !== factory)];
}

/** owner/name of a repo on Gitea: `repos.<id>.gitea`, else the last two path segments of its URL. */
export function giteaRepoOf(repo: { readonly id: string; readonly url: string; readonly gitea?: string }): { owner: string; name: string } {
  const spec =
    repo.gitea ??
    repo.url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
  const parts = spec.split(/[/:]/).filter(Boolean);
  const [owner, name] = parts.slice(-2);
  if (!owner || !name || parts.length < 2) {
    throw new JoinkeyError(`cannot tell the Gitea owner/name of repo "${repo.id}" from its url; set repos.${repo.id}.gitea: owner/name in apps.yaml`);
  }
  return { owner, name };
}
