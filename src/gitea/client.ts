import { JoinkeyError } from '../errors';
import { makeRedactor } from '../util/redact';

/**
 * One typed function per Gitea API endpoint the PR bot uses (the operations of
 * ../shared/gitea/swagger-pulls-subset.json). fetch-based; the token goes in
 * `Authorization: token ...` and is redacted from every error. No retries, no domain logic:
 * that lives in ./index.ts.
 */

export interface GiteaUser {
  readonly id?: number;
  readonly login?: string;
}
export interface GiteaLabel {
  readonly id: number;
  readonly name: string;
}
export interface GiteaBranchInfo {
  readonly ref: string;
  readonly sha?: string;
  readonly label?: string;
}
export interface GiteaPullRequest {
  readonly id?: number;
  readonly number: number;
  readonly title: string;
  readonly body?: string;
  readonly state: string;
  readonly merged?: boolean;
  readonly html_url?: string;
  readonly url?: string;
  readonly head?: GiteaBranchInfo;
  readonly base?: GiteaBranchInfo;
  readonly labels?: readonly GiteaLabel[];
  readonly user?: GiteaUser;
}
export interface GiteaRepository {
  readonly id: number;
  readonly full_name?: string;
  readonly default_branch?: string;
  readonly html_url?: string;
}
export interface GiteaServerVersion {
  readonly version: string;
}
export interface GiteaComment {
  readonly id: number;
  readonly body?: string;
  readonly html_url?: string;
}

export interface CreatePullRequestOption {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body?: string;
  readonly labels?: readonly number[];
}
export interface EditPullRequestOption {
  readonly title?: string;
  readonly body?: string;
  readonly labels?: readonly number[];
  readonly state?: 'open' | 'closed';
}

export interface GiteaClientOptions {
  /** The Gitea server, e.g. https://gitea.example.org; `/api/v1` is appended unless present. */
  readonly url: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

/** A failed API call: status (0 when the server could not be reached) and a message a person can act on. */
export class GiteaApiError extends JoinkeyError {
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly path: string,
    /** The `message` of Gitea's JSON error body, redacted. */
    readonly apiMessage: string,
  ) {
    super(message);
    this.name = 'GiteaApiError';
  }
}

export interface GiteaClient {
  readonly apiBase: string;
  getVersion(): Promise<GiteaServerVersion>;
  getRepo(owner: string, repo: string): Promise<GiteaRepository>;
  listPullRequests(owner: string, repo: string, query?: { state?: 'open' | 'closed' | 'all'; page?: number; limit?: number }): Promise<GiteaPullRequest[]>;
  createPullRequest(owner: string, repo: string, body: CreatePullRequestOption): Promise<GiteaPullRequest>;
  getPullRequestByBaseHead(owner: string, repo: string, base: string, head: string): Promise<GiteaPullRequest>;
  getPullRequest(owner: string, repo: string, index: number): Promise<GiteaPullRequest>;
  editPullRequest(owner: string, repo: string, index: number, body: EditPullRequestOption): Promise<GiteaPullRequest>;
  createIssueComment(owner: string, repo: string, index: number, body: string): Promise<GiteaComment>;
  addIssueLabels(owner: string, repo: string, index: number, labelIds: readonly number[]): Promise<GiteaLabel[]>;
  listLabels(owner: string, repo: string, query?: { page?: number; limit?: number }): Promise<GiteaLabel[]>;
}

/**
 * Why a token cannot be sent in an Authorization header, or undefined. Says where, never what:
 * the token is not printed.
 */
export function giteaTokenProblem(token: string): string | undefined {
  const at = [...token].findIndex((c) => !/[\x21-\x7e]/.test(c));
  if (at < 0) return undefined;
  const c = [...token][at]!;
  const what = /\s/.test(c)
    ? c === '\n' || c === '\r'
      ? 'a line break'
      : 'a space'
    : /\p{Cc}/u.test(c)
      ? 'a control character'
      : 'a character outside printable ASCII';
  return `GITEA_TOKEN has ${what} at character ${at + 1} of ${[...token].length}; a Gitea token is printable ASCII without spaces. Copy it again without surrounding whitespace or line breaks (e.g. GITEA_TOKEN="$(tr -d '[:space:]' < token-file)")`;
}

/** `https://host/sub/` -> `https://host/sub/api/v1`; a URL already ending in /api/v1 is kept. */
export function apiBaseOf(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}

const seg = (s: string) => encodeURIComponent(s);
/** A branch in the `{base}/*` route: `/` is kept as a path separator, each part encoded. */
const branchPath = (s: string) => s.split('/').map(seg).join('/');
const repoPath = (owner: string, repo: string) => `/repos/${seg(owner)}/${seg(repo)}`;

export function createGiteaClient(options: GiteaClientOptions): GiteaClient {
  const tokenProblem = giteaTokenProblem(options.token);
  if (tokenProblem) throw new JoinkeyError(tokenProblem);
  const apiBase = apiBaseOf(options.url);
  const doFetch = options.fetch ?? fetch;
  const redact = makeRedactor([options.token]);
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(method: string, path: string, query?: Record<string, string | number | undefined>, body?: unknown): Promise<T> {
    const qs = query
      ? Object.entries(query)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${seg(k)}=${seg(String(v))}`)
          .join('&')
      : '';
    const url = `${apiBase}${path}${qs ? `?${qs}` : ''}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: {
          Authorization: `token ${options.token}`,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new GiteaApiError(
        redact(`cannot reach Gitea at ${apiBase} (${method} ${path}): ${networkReason(e)}; check --gitea-url, GITEA_URL or gitea.url in apps.yaml`),
        0,
        method,
        path,
        '',
      );
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      const apiMessage = redact(errorMessageOf(text));
      throw new GiteaApiError(redact(describeStatus(res.status, method, path, apiMessage)), res.status, method, path, apiMessage);
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new GiteaApiError(
        redact(`Gitea answered ${method} ${path} with ${res.status} but the body is not JSON; is ${apiBase} a Gitea API?`),
        res.status,
        method,
        path,
        '',
      );
    }
  }

  return {
    apiBase,
    getVersion: () => call('GET', '/version'),
    getRepo: (o, r) => call('GET', repoPath(o, r)),
    listPullRequests: (o, r, q = {}) => call('GET', `${repoPath(o, r)}/pulls`, { state: q.state, page: q.page, limit: q.limit }),
    createPullRequest: (o, r, b) => call('POST', `${repoPath(o, r)}/pulls`, undefined, b),
    getPullRequestByBaseHead: (o, r, base, head) => call('GET', `${repoPath(o, r)}/pulls/${seg(base)}/${branchPath(head)}`),
    getPullRequest: (o, r, i) => call('GET', `${repoPath(o, r)}/pulls/${i}`),
    editPullRequest: (o, r, i, b) => call('PATCH', `${repoPath(o, r)}/pulls/${i}`, undefined, b),
    createIssueComment: (o, r, i, body) => call('POST', `${repoPath(o, r)}/issues/${i}/comments`, undefined, { body }),
    addIssueLabels: (o, r, i, ids) => call('POST', `${repoPath(o, r)}/issues/${i}/labels`, undefined, { labels: ids }),
    listLabels: (o, r, q = {}) => call('GET', `${repoPath(o, r)}/labels`, { page: q.page, limit: q.limit }),
  };
}

/** Gitea's error bodies are JSON `{message, url}` (404s may add `errors`); fall back to the text. */
function errorMessageOf(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof j.message === 'string' && j.message) parts.push(j.message);
    if (Array.isArray(j.errors) && j.errors.length) parts.push(j.errors.map(String).join('; '));
    if (parts.length) return parts.join(': ');
  } catch {
    // not JSON: an HTML error page or a proxy's text
  }
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function describeStatus(status: number, method: string, path: string, apiMessage: string): string {
  const what = `Gitea ${method} ${path} failed with ${status}`;
  const said = apiMessage ? `: ${apiMessage}` : '';
  switch (status) {
    case 401:
      return `${what} Unauthorized${said}; GITEA_TOKEN is missing, wrong or expired`;
    case 403:
      return `${what} Forbidden${said}; the GITEA_TOKEN user may not do this here (it needs write access to the repository and the write:repository scope)`;
    case 404:
      return `${what} Not Found${said}; check the owner/name (repos.<id>.gitea in apps.yaml) and that the GITEA_TOKEN user can see the repository`;
    case 409:
      return `${what} Conflict${said}`;
    case 412:
      return `${what} Precondition Failed${said}`;
    case 422:
      return `${what} Unprocessable${said}; Gitea refused the request (are base and head branches that differ?)`;
    case 423:
      return `${what} Locked${said}; the repository is archived`;
    default:
      if (status >= 500) return `${what}${said}; the Gitea server had an error, try again later`;
      return `${what}${said}`;
  }
}

function networkReason(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}
