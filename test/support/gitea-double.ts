import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SwaggerChecker, type MatchedOperation } from './swagger';

/**
 * A Gitea API test double on 127.0.0.1 (ephemeral port) for the PR bot's operations. It keeps
 * repos, PRs and labels in memory and behaves as SOURCE.md describes real Gitea: 201 on create
 * and on PATCH, a 409 "pull request already exists for these targets [...]" on a duplicate
 * create, JSON error bodies {message, url}, both `token` and `Bearer` auth. Every request and
 * response is checked against the swagger subset; problems land in `violations`.
 */

export interface DoublePull {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged: boolean;
  head: string;
  base: string;
  labels: number[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly authorization?: string;
  readonly body: string;
  readonly status: number;
  readonly responseBody: string;
}

export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly body?: unknown;
  /** How many times to fire; default 1. */
  times?: number;
}

export class GiteaDouble {
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly repos = new Map<string, { id: number; pulls: DoublePull[]; labels: { id: number; name: string; color: string }[] }>();
  private readonly faults: Fault[] = [];
  private server?: Server;
  private nextId = 100;
  url = '';
  /** Called before a create is handled: lets a test create a competing PR (a concurrent run). */
  beforeCreate?: (repo: string) => void;

  constructor(
    private readonly checker: SwaggerChecker,
    readonly token: string,
  ) {}

  addRepo(fullName: string, labels: readonly string[] = []): void {
    this.repos.set(fullName, { id: this.nextId++, pulls: [], labels: labels.map((name) => ({ id: this.nextId++, name, color: '00aabb' })) });
  }

  addPull(fullName: string, p: Partial<DoublePull> & { head: string; base: string }): DoublePull {
    const repo = this.repos.get(fullName)!;
    const pull: DoublePull = { id: this.nextId++, number: repo.pulls.length + 1, title: 't', body: '', state: 'open', merged: false, labels: [], ...p };
    repo.pulls.push(pull);
    return pull;
  }

  fail(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Requests that change state. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const m = this.checker.match(method, url.pathname);
    const send = (status: number, data: unknown) => {
      const text = data === undefined ? '' : JSON.stringify(data);
      if (m) this.violations.push(...this.checker.checkResponse(m, status, text));
      this.requests.push({ method, path: url.pathname, query: url.search, authorization: req.headers.authorization, body, status, responseBody: text });
      res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' });
      res.end(text);
    };
    const error = (status: number, message: string, extra: Record<string, unknown> = {}) => send(status, { ...extra, message, url: `${this.url}/api/swagger` });
    if (!m) {
      this.violations.push(`${method} ${url.pathname}: no such operation in the swagger subset`);
      return error(404, 'not found');
    }
    this.violations.push(...this.checker.checkRequest(m, url.searchParams, req.headers, body));

    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) return error(401, 'user does not exist [uid: 0, name: ]');
    const fault = this.faults.find((f) => f.method === method && f.path.test(url.pathname) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      return send(fault.status, fault.body ?? { message: `injected ${fault.status}`, url: `${this.url}/api/swagger` });
    }
    this.route(m, method, body, url.searchParams, send, error);
  }

  private route(
    m: MatchedOperation,
    method: string,
    body: string,
    query: URLSearchParams,
    send: (s: number, d: unknown) => void,
    error: (s: number, msg: string, extra?: Record<string, unknown>) => void,
  ): void {
    const full = `${m.params.owner}/${m.params.repo}`;
    const repo = this.repos.get(full);
    const notFound = () => error(404, "The target couldn't be found.", { errors: null });
    if (m.template === '/version') return send(200, { version: '1.22.0' });
    if (!repo) return notFound();
    const json = () => JSON.parse(body || '{}') as Record<string, unknown>;
    const view = (p: DoublePull) => this.view(full, p);
    switch (`${m.method} ${m.template}`) {
      case 'GET /repos/{owner}/{repo}':
        return send(200, { id: repo.id, full_name: full, name: m.params.repo, default_branch: 'main' });
      case 'GET /repos/{owner}/{repo}/pulls': {
        const state = query.get('state') ?? 'open';
        const limit = Number(query.get('limit') ?? 30);
        const page = Number(query.get('page') ?? 1);
        const list = repo.pulls.filter((p) => state === 'all' || p.state === state).slice((page - 1) * limit, page * limit);
        return send(200, list.map(view));
      }
      case 'POST /repos/{owner}/{repo}/pulls': {
        this.beforeCreate?.(full);
        const b = json() as { head?: string; base?: string; title?: string; body?: string; labels?: number[] };
        if (!b.head || !b.base) return error(422, 'Invalid PullRequest: base and head must be branches');
        if (b.head === b.base) return error(422, 'Invalid PullRequest: There are no changes between the head and the base');
        const dup = repo.pulls.find((p) => p.state === 'open' && !p.merged && p.head === b.head && p.base === b.base);
        if (dup)
          return error(
            409,
            `pull request already exists for these targets [id: ${dup.id}, issue_id: ${dup.number}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${dup.head}, base_branch: ${dup.base}]`,
          );
        const known = new Set(repo.labels.map((l) => l.id));
        const pull = this.addPull(full, {
          head: b.head,
          base: b.base,
          title: b.title ?? '',
          body: b.body ?? '',
          labels: (b.labels ?? []).filter((id) => known.has(id)),
        });
        return send(201, view(pull));
      }
      case 'GET /repos/{owner}/{repo}/pulls/{base}/{head}': {
        const hit = [...repo.pulls].reverse().find((p) => p.base === m.params.base && p.head === m.params.head);
        return hit ? send(200, view(hit)) : notFound();
      }
      case 'GET /repos/{owner}/{repo}/pulls/{index}': {
        const hit = repo.pulls.find((p) => p.number === Number(m.params.index));
        return hit ? send(200, view(hit)) : notFound();
      }
      case 'PATCH /repos/{owner}/{repo}/pulls/{index}': {
        const hit = repo.pulls.find((p) => p.number === Number(m.params.index));
        if (!hit) return notFound();
        const b = json() as { title?: string; body?: string; state?: 'open' | 'closed' };
        if (b.title) hit.title = b.title;
        if (b.body !== undefined) hit.body = b.body;
        if (b.state) hit.state = b.state;
        return send(201, view(hit));
      }
      case 'GET /repos/{owner}/{repo}/labels': {
        const limit = Number(query.get('limit') ?? 30);
        const page = Number(query.get('page') ?? 1);
        return send(200, repo.labels.slice((page - 1) * limit, page * limit));
      }
      case 'POST /repos/{owner}/{repo}/issues/{index}/labels': {
        const hit = repo.pulls.find((p) => p.number === Number(m.params.index));
        if (!hit) return notFound();
        const known = new Set(repo.labels.map((l) => l.id));
        for (const id of (json().labels as number[] | undefined) ?? []) if (known.has(id) && !hit.labels.includes(id)) hit.labels.push(id);
        return send(
          200,
          repo.labels.filter((l) => hit.labels.includes(l.id)),
        );
      }
      case 'POST /repos/{owner}/{repo}/issues/{index}/comments':
        return send(201, { id: this.nextId++, body: (json().body as string) ?? '' });
      default:
        return notFound();
    }
  }

  private view(full: string, p: DoublePull) {
    const repo = this.repos.get(full)!;
    return {
      id: p.id,
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      merged: p.merged,
      html_url: `${this.url}/${full}/pulls/${p.number}`,
      url: `${this.url}/${full}/pulls/${p.number}`,
      head: { ref: p.head, label: p.head, sha: '0'.repeat(40), repo_id: repo.id },
      base: { ref: p.base, label: p.base, sha: '1'.repeat(40), repo_id: repo.id },
      labels: repo.labels.filter((l) => p.labels.includes(l.id)),
      user: { id: 1, login: 'joinkey-bot' },
      created_at: '2024-05-01T00:00:00Z',
      updated_at: '2024-05-01T00:00:00Z',
    };
  }
}
