import type { EnvironmentModel } from '../model/environments';
import type { Model, SecretModel } from '../model/model';
import { ENVIRONMENTS_DOC, MODULE_READER_KEY_PATH, mountPath, SEED_DOC, stateLocation, STATE_BACKEND_KEY_PATH } from '../model/names';
import { DOCS_REPO, markerLine, type RenderedFile } from '../render/files';
import { withProvenance } from '../render/provenance';

/**
 * The docs of environments (apps.yaml `environments:`): per environment, the admin-seeded secrets
 * its own Vault needs ("seed these": a prod seed does not exist in the sandbox), and across
 * them, the matrix of where each app and secret exists. Pure.
 */

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (s: string) => `\`${cell(s)}\``;

/** How a secret's value comes to exist in an environment's Vault. */
function secretSource(s: SecretModel): 'generated' | 'seed' | 'app CI' {
  return s.generate.length ? 'generated' : s.keys.length ? 'seed' : 'app CI';
}

/** docs/seed.gen.md of one environment: every kv secret an admin must seed in its Vault. */
export function seedDoc(model: Model): RenderedFile {
  const env = model.environment ?? '(default)';
  const seeded = model.apps.flatMap((app) => app.secrets.filter((s) => secretSource(s) === 'seed').map((s) => ({ app, s })));
  const lines = [
    markerLine(SEED_DOC),
    '',
    `# Seed these in the ${env} Vault`,
    '',
    `Vault \`${model.vault.address}\`. Nothing seeded in another environment's Vault exists here: an admin writes each of these before the apps that read them start.`,
    '',
    '| Path | Keys | App | Read by |',
    '|---|---|---|---|',
    ...seeded.map(
      ({ app, s }) =>
        `| ${code(mountPath(s.mount, s.kvPath))} | ${cell(s.keys.join(', '))} | ${cell(app.name)} | ${cell(`SA ${s.serviceAccount} in ns ${s.namespace}`)} |`,
    ),
    `| ${code(MODULE_READER_KEY_PATH)} | (platform) | every app's CI | the app_roles module pull |`,
    `| ${code(STATE_BACKEND_KEY_PATH)} | (platform) | every app's CI | the GCS state backend |`,
  ];
  return withProvenance(
    { repo: DOCS_REPO, path: SEED_DOC, content: `${lines.join('\n')}\n` },
    { kind: 'docs' },
    ['environments', env],
    seeded.map(({ app, s }) => ({
      kind: 'doc' as const,
      path: mountPath(s.mount, s.kvPath),
      owner: { kind: 'app' as const, name: app.name },
      origin: s.origin,
    })),
  );
}

/** OUT/docs/environments.gen.md: apps and secrets by environment, and where each environment lives. */
export function environmentMatrixDoc(envs: readonly EnvironmentModel[]): RenderedFile {
  const names = envs.map((e) => e.name);
  const apps = [...new Set(envs.flatMap((e) => e.model.apps.map((a) => a.name)))].sort();
  const header = (first: string) => [`| ${first} | ${names.map(cell).join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`];
  const appRows = apps.map((name) => `| ${cell(name)} | ${envs.map((e) => (e.model.apps.some((a) => a.name === name) ? 'yes' : '-')).join(' | ')} |`);
  const secretKeys = [...new Set(envs.flatMap((e) => e.model.apps.flatMap((a) => a.secrets.map((s) => mountPath(s.mount, s.kvPath)))))].sort();
  const secretRows = secretKeys.map((path) => {
    const cells = envs.map((e) => {
      const s = e.model.apps.flatMap((a) => a.secrets).find((x) => mountPath(x.mount, x.kvPath) === path);
      return s ? secretSource(s) : '-';
    });
    return `| ${code(path)} | ${cells.join(' | ')} |`;
  });
  const where = envs.map(({ name, model }) => {
    const branches = model.repos.map((r) => `${r.id}: ${r.branch}${r.path === undefined ? '' : ` in ${r.path}/`}`).join(', ');
    return `| ${cell(name)} | ${code(model.vault.address)} | ${cell(model.vault.connection)} | ${code(model.state.prefix === undefined ? model.state.bucket : stateLocation(model.state.bucket, model.state.prefix))} | ${cell(branches)} |`;
  });
  const lines = [
    markerLine(ENVIRONMENTS_DOC),
    '',
    '# Environments',
    '',
    `Promotion order (publish): ${names.map(code).join(' -> ')}. Each environment has its own docs in \`<env>/docs/\`, with the secrets to seed in its own Vault in \`<env>/docs/${SEED_DOC}\`.`,
    '',
    '## Apps',
    '',
    ...header('App'),
    ...appRows,
    '',
    '## Secrets',
    '',
    "`seed`: an admin writes it in that environment's Vault; `generated`: its IaC writes a random_password of its own; `app CI`: the app's CI writes it; `-`: not there.",
    '',
    ...header('Secret'),
    ...secretRows,
    '',
    '## Where each environment lives',
    '',
    '| Environment | Vault | VaultConnection | State | Repos (branch) |',
    '|---|---|---|---|---|',
    ...where,
  ];
  return withProvenance({ repo: DOCS_REPO, path: ENVIRONMENTS_DOC, content: `${lines.join('\n')}\n` }, { kind: 'docs' }, ['environments'], []);
}
