import { DEFAULTS } from '../model/defaults';
import type { Model } from '../model/model';
import { isDns1123Label, KV_SEGMENT } from '../model/names';
import { DOCS_REPO } from '../model/names';
import { finding, type Finding } from './finding';

/** Policy and role names Vault or VSO own: an app or consumer of that name would overwrite them. */
const RESERVED_VAULT_NAMES: ReadonlySet<string> = new Set(['default', 'root', 'vault-secret-operator', 'edit-vso-client-cache']);

/** Every repo an app or a central target names is declared, and no repo takes the docs' id. */
export function repoReferenceFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const declared = new Set(model.repos.map((r) => r.id));
  const ids = [...declared].sort().join(', ') || '(none declared)';
  for (const app of model.apps) {
    if (app.target && !declared.has(app.target.repo)) {
      out.push(
        finding(
          'repo-ref',
          [...app.origin, 'repo'],
          `repo "${app.target.repo}" is not declared under repos; add repos.${app.target.repo}: { url: ..., branch: main } or use one of: ${ids}`,
        ),
      );
    }
  }
  for (const key of ['vault', 'postgres'] as const) {
    const repo = model.central[key].repo;
    if (declared.has(repo)) continue;
    out.push(
      repo === DEFAULTS.central[key].repo
        ? finding(
            'repo-ref',
            ['repos'],
            `central.${key} defaults to repo "${repo}", which is not declared here; declare repos.${repo} or set central.${key}.repo`,
            { at: 'key' },
          )
        : finding(
            'repo-ref',
            ['central', key, 'repo'],
            `repo "${repo}" is not declared under repos; add repos.${repo}: { url: ..., branch: main } or use one of: ${ids}`,
          ),
    );
  }
  if (declared.has(DOCS_REPO)) {
    out.push(
      finding(
        'repo-ref',
        ['repos', DOCS_REPO],
        `repo id "${DOCS_REPO}" is reserved: synth writes the generated docs to OUT/${DOCS_REPO}/, and they are never published; rename the repo id`,
        { at: 'key' },
      ),
    );
  }
  return out;
}

/** Options that only work together with another one. */
export function appOptionFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  for (const app of model.apps) {
    const db = app.database;
    if (db) {
      const at = [...app.origin, 'database'];
      if (!app.target) {
        if (db.restart.length)
          out.push(finding('app-options', [...at, 'restart'], "restart needs the app's VSO manifests, but the app has no repo; add repo: <id>", { at: 'key' }));
        if (db.urlEnv !== undefined)
          out.push(finding('app-options', [...at, 'urlEnv'], "urlEnv needs the app's VSO manifests, but the app has no repo; add repo: <id>", { at: 'key' }));
      }
      if (db.urlContainer !== undefined && db.urlEnv === undefined) {
        out.push(
          finding(
            'app-options',
            [...at, 'urlContainer'],
            'urlContainer names the container that reads the database URL file, which only exists with urlEnv; add urlEnv: DATABASE_URL or remove urlContainer',
            { at: 'key' },
          ),
        );
      }
      if (db.urlEnv !== undefined && !db.restart.some((t) => t.kind === 'Deployment' || t.kind === 'StatefulSet' || t.kind === 'DaemonSet')) {
        out.push(
          finding(
            'app-options',
            [...at, 'urlEnv'],
            'urlEnv patches the workload that reads the database URL, so restart must name a Deployment, StatefulSet or DaemonSet, e.g. restart: [Deployment/my-app]',
            { at: 'key' },
          ),
        );
      }
    }
    for (const s of app.secrets) {
      if (s.generate.length && s.keys.length) {
        out.push(
          finding(
            'app-options',
            [...s.origin, 'generate'],
            'a secret is either generated (generate) or admin-seeded (keys), not both: tofu would overwrite the seeded keys; split it into two secrets',
            { at: 'key' },
          ),
        );
      }
      if (s.generate.length && !app.target) {
        out.push(
          finding(
            'app-options',
            [...s.origin, 'generate'],
            "generated keys are written by the app's own IaC, but the app has no repo; add repo: <id> and iac: <dir>",
            { at: 'key' },
          ),
        );
      }
    }
  }
  return out;
}

/** No app or consumer takes a Vault policy or role name that is already used. */
export function vaultNameFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const opsPolicies = new Map(model.apps.map((a) => [a.vault.opsPolicy, a.name]));
  for (const app of model.apps) {
    if (RESERVED_VAULT_NAMES.has(app.name)) {
      out.push(
        finding(
          'vault-name-reserved',
          app.origin,
          `app "${app.name}" would name a Vault policy or role that Vault or VSO already uses (${[...RESERVED_VAULT_NAMES].join(', ')}); rename the app`,
          { at: 'key' },
        ),
      );
    }
    const opsOf = opsPolicies.get(app.vault.policy);
    if (opsOf !== undefined) {
      out.push(
        finding('vault-name-reserved', app.origin, `app "${app.name}" would share its Vault policy name with app "${opsOf}"'s ops policy; rename the app`, {
          at: 'key',
        }),
      );
    }
  }
  const taken = new Map<string, string>();
  for (const app of model.apps) {
    taken.set(app.vault.policy, `app "${app.name}"'s policy and role`);
    taken.set(app.vault.opsPolicy, `app "${app.name}"'s ops policy`);
  }
  for (const c of model.consumers) {
    const owner = RESERVED_VAULT_NAMES.has(c.policy) ? 'a policy or role Vault or VSO already uses' : taken.get(c.policy);
    if (owner)
      out.push(
        finding('vault-name-reserved', c.origin, `consumer "${c.name}" would share its Vault policy and role name with ${owner}; rename the consumer`, {
          at: 'key',
        }),
      );
  }
  return out;
}

/**
 * Why a consumer's read path is not allowed: it must start with a declared app's name (its own
 * segment, no glob), then name segments, `+` for exactly one segment, and `*` only at the end.
 */
export function consumerReadProblem(read: string, apps: ReadonlySet<string>): string | undefined {
  const example = 'e.g. cms/factory/*';
  if (read === '*' || read === '+') return `"${read}" alone would read every app's secrets; name the app and path, ${example}`;
  const segments = read.split('/');
  const [app, ...rest] = segments;
  if (app === undefined || !isDns1123Label(app)) {
    return `"${read}" must start with an app name as its own segment (no "*", "+" or "/" before it), ${example}`;
  }
  if (!apps.has(app))
    return `"${read}" lies outside every app's kv space: no app "${app}" is declared under apps; declare it, or start the path with a declared app's name`;
  if (rest.length === 0) return `"${read}" names the app's whole space without a glob; add a path or "/*", ${example}`;
  for (let i = 0; i < rest.length; i++) {
    const seg = rest[i]!;
    const last = i === rest.length - 1;
    if (seg === '+') continue;
    const body = last && seg.endsWith('*') ? seg.slice(0, -1) : seg;
    if (body === '' && last && seg === '*') continue;
    if (!KV_SEGMENT.test(body)) {
      return `"${read}" has an invalid segment "${seg}": use names, "+" for one segment, and "*" only at the very end; ${example}`;
    }
  }
  return undefined;
}
