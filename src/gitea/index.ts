import { GiteaApiError, type GiteaClient, type GiteaPullRequest } from './client';

/**
 * The PR bot's platform adapter: idempotent verbs over ./client.ts, converting API data to
 * domain objects at the boundary (like Renovate's Gitea platform).
 */

export { apiBaseOf, createGiteaClient, GiteaApiError, giteaTokenProblem } from './client';
export type { GiteaClient } from './client';

/** The hidden marker that carries the content hash of a PR's title and body. */
export const HASH_MARKER_PREFIX = '<!-- joinkey:hash=';
const HASH_MARKER_RE = /<!-- joinkey:hash=([0-9a-f]{8,64}) -->/;

export function hashMarker(hash: string): string {
  return `${HASH_MARKER_PREFIX}${hash} -->`;
}

/** The hash in a PR body's marker, or undefined when the body has none (edited by hand, or not ours). */
export function bodyHashOf(body: string | undefined): string | undefined {
  return body ? HASH_MARKER_RE.exec(body)?.[1] : undefined;
}

export interface PullRequestRef {
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly hash?: string;
  readonly labels: readonly string[];
}

export interface PullRequestSpec {
  readonly owner: string;
  readonly repo: string;
  readonly base: string;
  readonly head: string;
  readonly title: string;
  /** The full body, including hashMarker(hash). */
  readonly body: string;
  readonly hash: string;
  /** Label names to put on the PR; looked up by name, since the API takes ids. */
  readonly labels?: readonly string[];
}

export type PullRequestAction = 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update' | 'closed' | 'would-close';

export interface EnsuredPullRequest {
  readonly action: PullRequestAction;
  /** Absent only for 'would-create'. */
  readonly pr?: PullRequestRef;
  readonly labelsAdded: readonly string[];
  readonly warnings: readonly string[];
}

function toRef(pr: GiteaPullRequest): PullRequestRef {
  return {
    number: pr.number,
    url: pr.html_url ?? pr.url ?? `#${pr.number}`,
    title: pr.title,
    hash: bodyHashOf(pr.body),
    labels: (pr.labels ?? []).map((l) => l.name),
  };
}

const PAGE = 50;
const MAX_PAGES = 40;

/**
 * The open PR from head to base, if any. Asks `GET /pulls/{base}/{head}` first (Gitea 1.22+);
 * when that finds nothing open (404, a closed PR, or an older server without the route) it
 * lists the open PRs, which also proves the repository exists.
 */
export async function findOpenPullRequest(client: GiteaClient, owner: string, repo: string, base: string, head: string): Promise<GiteaPullRequest | undefined> {
  if (!base.includes('/')) {
    try {
      const pr = await client.getPullRequestByBaseHead(owner, repo, base, head);
      if (pr && pr.state === 'open' && !pr.merged) return pr;
    } catch (e) {
      if (!(e instanceof GiteaApiError && e.status === 404)) throw e;
    }
  }
  for (let page = 1; page <= MAX_PAGES; page++) {
    const list = await client.listPullRequests(owner, repo, { state: 'open', page, limit: PAGE });
    const hit = (list ?? []).find((p) => p.state === 'open' && p.head?.ref === head && p.base?.ref === base);
    if (hit) return hit;
    if (!list || list.length < PAGE) break;
  }
  return undefined;
}

async function labelIds(client: GiteaClient, owner: string, repo: string, names: readonly string[], warnings: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (!names.length) return ids;
  const byName = new Map<string, number>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const list = await client.listLabels(owner, repo, { page, limit: PAGE });
    for (const l of list ?? []) if (!byName.has(l.name)) byName.set(l.name, l.id);
    if (!list || list.length < PAGE) break;
  }
  for (const n of names) {
    const id = byName.get(n);
    if (id === undefined)
      warnings.push(
        `label "${n}" does not exist in ${owner}/${repo}; create it in Gitea (joinkey adds labels by name and creates none); one listed in gitea.labels may instead be removed there`,
      );
    else ids.set(n, id);
  }
  return ids;
}

/**
 * Ensures exactly one open PR from spec.head to spec.base with spec's title and body. Looks it
 * up first and creates it only when none is open; a 409 on create (another run got there first)
 * reloads it instead. Title and body are written only when the hash in the body's marker differs,
 * and labels only when missing, so a second run with the same input writes nothing.
 * With dryRun it only reads.
 */
export async function ensurePullRequest(client: GiteaClient, spec: PullRequestSpec, options: { dryRun?: boolean } = {}): Promise<EnsuredPullRequest> {
  const { owner, repo, base, head } = spec;
  const warnings: string[] = [];
  let existing = await findOpenPullRequest(client, owner, repo, base, head);
  if (options.dryRun) {
    if (!existing) return { action: 'would-create', labelsAdded: [], warnings };
    const ref = toRef(existing);
    return { action: ref.hash === spec.hash ? 'unchanged' : 'would-update', pr: ref, labelsAdded: [], warnings };
  }

  const wanted = await labelIds(client, owner, repo, spec.labels ?? [], warnings);
  let action: PullRequestAction = 'unchanged';
  if (!existing) {
    try {
      const created = await client.createPullRequest(owner, repo, {
        head,
        base,
        title: spec.title,
        body: spec.body,
        ...(wanted.size ? { labels: [...wanted.values()] } : {}),
      });
      existing = created;
      action = 'created';
    } catch (e) {
      if (!(e instanceof GiteaApiError && e.status === 409)) throw e;
      existing = await findOpenPullRequest(client, owner, repo, base, head);
      const index = /issue_id: (\d+)/.exec(e.apiMessage)?.[1];
      if (!existing && index) existing = await client.getPullRequest(owner, repo, Number(index));
      if (!existing)
        throw new GiteaApiError(`${e.message}; yet no open PR from ${head} to ${base} could be found afterwards`, 409, e.method, e.path, e.apiMessage);
    }
  }
  if (action !== 'created' && bodyHashOf(existing.body) !== spec.hash) {
    existing = await client.editPullRequest(owner, repo, existing.number, { title: spec.title, body: spec.body });
    action = 'updated';
  }
  const has = new Set((existing.labels ?? []).map((l) => l.name));
  const missing = [...wanted.entries()].filter(([name]) => !has.has(name));
  if (missing.length) {
    await client.addIssueLabels(
      owner,
      repo,
      existing.number,
      missing.map(([, id]) => id),
    );
  }
  const ref = toRef(existing);
  return { action, pr: { ...ref, labels: [...new Set([...ref.labels, ...missing.map(([n]) => n)])].sort() }, labelsAdded: missing.map(([n]) => n), warnings };
}

/**
 * Closes the open PR from head to base, if any (its branch proposes nothing the base lacks).
 * Returns undefined when none is open; with dryRun it only reads.
 */
export async function closeOpenPullRequest(
  client: GiteaClient,
  target: { readonly owner: string; readonly repo: string; readonly base: string; readonly head: string },
  options: { dryRun?: boolean } = {},
): Promise<EnsuredPullRequest | undefined> {
  const open = await findOpenPullRequest(client, target.owner, target.repo, target.base, target.head);
  if (!open) return undefined;
  if (options.dryRun) return { action: 'would-close', pr: toRef(open), labelsAdded: [], warnings: [] };
  const closed = await client.editPullRequest(target.owner, target.repo, open.number, { state: 'closed' });
  return { action: 'closed', pr: toRef(closed ?? open), labelsAdded: [], warnings: [] };
}
