import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { JoinkeyError } from '../errors';
import { explainApp, explanationRows, formatTable } from '../explain';
import { renderFiles } from '../render';
import { appFileIndex } from '../render/provenance';
import { environmentHeading, readModel, selectEnvironments } from './common';

const HELP = `Usage: joinkey explain <app> [--config apps.yaml] [--env NAME] [--format text|json]

Prints every object the app name produces across the repos: namespace, service accounts, Vault
role, policies and their paths, CI role, Postgres role and database, VSO objects, Kubernetes
Secrets, generated files and the tofu state prefix.

  --config FILE    the apps.yaml to read (default apps.yaml)
  --env NAME       only this environment (apps.yaml environments:); default: every environment
                   that holds the app, each under its name (in json, an object by environment)
  --format FORMAT  text (default, a table) or json
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { config: { type: 'string' }, env: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new JoinkeyError(`--format must be text or json, not "${format}"`);
  if (positionals.length !== 1) throw new JoinkeyError(`explain takes exactly one app name, e.g. "joinkey explain webapp"`);
  const name = positionals[0]!;
  const loaded = readModel(io.cwd, values.config);
  const explained = selectEnvironments(loaded, values.env).flatMap((env) => {
    const e = explainApp(env.model, name, appFileIndex(renderFiles(env.model)));
    return e ? [{ env, e }] : [];
  });
  if (!explained.length) {
    const known = [...new Set(selectEnvironments(loaded, values.env).flatMap((env) => env.model.apps.map((a) => a.name)))].sort();
    throw new JoinkeyError(
      `no app "${name}" in ${values.config ?? 'apps.yaml'}${values.env ? ` for environment ${values.env}` : ''}; known apps: ${known.join(', ') || '(none)'}`,
    );
  }
  if (!loaded.environments.length) {
    const { e } = explained[0]!;
    io.stdout.write(format === 'json' ? `${JSON.stringify(e, null, 2)}\n` : formatTable(explanationRows(e)));
    return 0;
  }
  io.stdout.write(
    format === 'json'
      ? `${JSON.stringify(Object.fromEntries(explained.map(({ env, e }) => [env.name, e])), null, 2)}\n`
      : explained.map(({ env, e }) => `${environmentHeading(env)}${formatTable(explanationRows(e))}`).join('\n'),
  );
  return 0;
}
