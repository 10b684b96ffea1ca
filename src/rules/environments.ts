import type { AppsFile } from '../config/schema';
import { environmentPath, promotionOrder, type EnvironmentModel } from '../model/environments';
import { DOCS_REPO, stateLocation } from '../model/names';
import { finding, type Finding } from './finding';
import { fileTargets } from './files';

/**
 * The rules of `environments:` that need only the file: every environment an app, `promote` or
 * an override names is declared, every override names a declared app, secret, database or repo,
 * and no environment takes the name of the docs' dir. Run before expansion, which relies on them.
 */
export function environmentConfigFindings(config: AppsFile): Finding[] {
  const out: Finding[] = [];
  const declared = Object.keys(config.environments ?? {});
  const known = declared.length ? declared.join(', ') : '(none: there is no environments: mapping)';
  const envRef = (path: (string | number)[], env: string, what: string) =>
    finding('environment-ref', path, `${what} names environment "${env}", which is not declared; declare environments.${env}: {} or use one of: ${known}`);

  for (const [name, app] of Object.entries(config.apps)) {
    (app.environments ?? []).forEach((env, i) => {
      if (!declared.includes(env)) out.push(envRef(['apps', name, 'environments', i], env, `app "${name}"`));
    });
    if (app.environments?.length === 0)
      out.push(
        finding(
          'environment-ref',
          ['apps', name, 'environments'],
          `app "${name}" lists no environment, so it exists nowhere; list at least one or remove the app`,
        ),
      );
  }
  if (config.promote) {
    config.promote.forEach((env, i) => {
      if (!declared.includes(env)) out.push(envRef(['promote', i], env, 'promote'));
    });
    const missing = declared.filter((e) => !config.promote!.includes(e));
    if (missing.length)
      out.push(
        finding(
          'environment-ref',
          ['promote'],
          `promote does not list ${missing.map((m) => `"${m}"`).join(', ')}; list every environment once, in the order publish handles them, e.g. [${[...config.promote, ...missing].join(', ')}]`,
        ),
      );
  }
  if (config.environments !== undefined && declared.length === 0)
    out.push(
      finding(
        'environment-ref',
        ['environments'],
        'environments declares no environment; add one, e.g. prod: {}, or remove environments: for one implicit environment',
      ),
    );
  for (const [env, e] of Object.entries(config.environments ?? {})) {
    const at = ['environments', env];
    if (env === DOCS_REPO)
      out.push(
        finding(
          'environment-ref',
          at,
          `environment name "${DOCS_REPO}" is reserved: synth writes the environments matrix to OUT/${DOCS_REPO}/; rename the environment`,
          { at: 'key' },
        ),
      );
    if (e.gitea && e.gitea.url === undefined && config.gitea === undefined)
      out.push(
        finding(
          'environment-ref',
          [...at, 'gitea'],
          `environment "${env}" sets gitea without url, and there is no top-level gitea.url to inherit; add url: https://gitea.example`,
        ),
      );
    for (const id of Object.keys(e.repos ?? {}))
      if (!Object.hasOwn(config.repos, id))
        out.push(
          finding(
            'environment-ref',
            [...at, 'repos', id],
            `environment "${env}" overrides repo "${id}", which repos does not declare; use one of: ${Object.keys(config.repos).join(', ')}`,
            {
              at: 'key',
            },
          ),
        );
    for (const [name, o] of Object.entries(e.apps ?? {})) {
      const appAt = [...at, 'apps', name];
      const app = Object.hasOwn(config.apps, name) ? config.apps[name] : undefined;
      if (!app) {
        out.push(finding('environment-ref', appAt, `environment "${env}" overrides app "${name}", which apps does not declare`, { at: 'key' }));
        continue;
      }
      if (app.environments && !app.environments.includes(env)) {
        out.push(
          finding(
            'environment-ref',
            appAt,
            `environment "${env}" overrides app "${name}", which exists only in ${app.environments.join(', ')}; add ${env} to apps.${name}.environments or remove the override`,
            { at: 'key' },
          ),
        );
      }
      if (o.database && app.database === false)
        out.push(
          finding('environment-ref', [...appAt, 'database'], `app "${name}" has database: false, so there is no restart list to override; remove the override`),
        );
      for (const secret of Object.keys(o.secrets ?? {}))
        if (!Object.hasOwn(app.secrets ?? {}, secret))
          out.push(
            finding(
              'environment-ref',
              [...appAt, 'secrets', secret],
              `app "${name}" declares no secret "${secret}"; an override only changes what apps.${name}.secrets declares`,
              {
                at: 'key',
              },
            ),
          );
    }
  }
  return out;
}

/**
 * The findings of each environment's model, positioned for the file: a finding every environment
 * shares is reported once as it is; one that only some environments have names them, and points
 * at the override it comes from when it comes from one (environmentPath).
 */
export function mergeEnvironmentFindings(config: AppsFile, results: readonly { readonly name: string; readonly findings: readonly Finding[] }[]): Finding[] {
  const byKey = new Map<string, { finding: Finding; envs: string[] }>();
  for (const { name, findings } of results) {
    for (const f of findings) {
      const path = environmentPath(config, name, f.path);
      const key = `${f.rule}\u0000${path.join('\u0000')}\u0000${f.message}`;
      const seen = byKey.get(key);
      if (seen) seen.envs.push(name);
      else byKey.set(key, { finding: { ...f, path: [...path] }, envs: [name] });
    }
  }
  return [...byKey.values()].map(({ finding: f, envs: in_ }) =>
    in_.length === results.length ? f : { ...f, message: `in environment${in_.length === 1 ? '' : 's'} ${in_.map((e) => `"${e}"`).join(', ')}: ${f.message}` },
  );
}

/**
 * What two environments must never share, since an apply or a merge in one would undo the other:
 * the tofu state location (bucket + prefix) of an IaC project, and a file target (repo url +
 * branch + path). The same Vault address is allowed: in-cluster DNS names repeat across clusters.
 * Each finding sits at the later environment's entry (promotion order) and names both.
 */
export function crossEnvironmentFindings(config: AppsFile, envs: readonly EnvironmentModel[]): Finding[] {
  const order = promotionOrder(config);
  const sorted = [...envs].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const out: Finding[] = [];
  const stateOwners = new Map<string, { env: string; app: string }>();
  const fileOwners = new Map<string, string>();
  for (const { name, model } of sorted) {
    const sharedState = new Map<string, { app: string; location: string }[]>();
    for (const app of model.apps) {
      if (!app.target) continue;
      const location = stateLocation(model.state.bucket, app.target.stateKeyPrefix);
      const prev = stateOwners.get(location);
      if (prev) sharedState.set(prev.env, [...(sharedState.get(prev.env) ?? []), { app: app.name, location }]);
      else stateOwners.set(location, { env: name, app: app.name });
    }
    for (const [other, shared] of sharedState) {
      const first = shared[0]!;
      out.push(
        finding(
          'environment-shared-state',
          ['environments', name],
          `environments "${other}" and "${name}" share the tofu state of ${shared.length === 1 ? `app "${first.app}"` : `${shared.length} IaC projects (app "${first.app}" and others)`} at gs://${first.location}: an apply in one would destroy the other's resources; give "${name}" its own state.bucket or state.prefix`,
          { at: 'key' },
        ),
      );
    }
    const urlOf = new Map(model.repos.map((r) => [r.id, r]));
    const sharedFiles = new Map<string, string[]>();
    for (const t of fileTargets(model)) {
      const repo = urlOf.get(t.repo);
      if (!repo) continue;
      const key = `${repo.url} ${repo.branch} ${t.path}`;
      const prev = fileOwners.get(key);
      if (prev !== undefined && prev !== name) sharedFiles.set(prev, [...(sharedFiles.get(prev) ?? []), `${t.repo}:${repo.branch}:${t.path}`]);
      else fileOwners.set(key, name);
    }
    for (const [other, files] of sharedFiles) {
      out.push(
        finding(
          'environment-shared-file',
          ['environments', name],
          `environments "${other}" and "${name}" write the same ${files.length === 1 ? 'file' : `${files.length} files`} (repo url, branch and path), e.g. ${files[0]}: one would overwrite the other's; give "${name}" its own branch (repos.<id>.branch) or dir (repos.<id>.path)`,
          { at: 'key' },
        ),
      );
    }
  }
  return out;
}
