import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { explainAccess, formatAppAccess } from '../access/explain';
import type { CliIo } from '../cli-io';
import { JoinkeyError } from '../errors';
import { explainApp, explanationRows, formatTable } from '../explain';
import { readReposDir } from '../inventory/load';
import { renderFiles, renderTree } from '../render';
import { appFileIndex } from '../render/provenance';
import { environmentHeading, readModel, selectEnvironments } from './common';

const HELP = `Usage: joinkey explain <app> [--config apps.yaml] [--env NAME] [--format text|json] [--access [--repos-dir DIR]]

Prints every object the app name produces across the repos: namespace, service accounts, Vault
role, policies and their paths, CI role, Postgres role and database, VSO objects, Kubernetes
Secrets, generated files and the tofu state prefix.

  --config FILE    the apps.yaml to read (default apps.yaml)
  --env NAME       only this environment (apps.yaml environments:); default: every environment
                   that holds the app, each under its name (in json, an object by environment)
  --format FORMAT  text (default, a table) or json
  --access         instead, the app's Vault identities (each ServiceAccount and namespace pair, the
                   CI role, the consumers reading its kv space) and what each can do on every path
                   its policies name, with the policies that grant it (Vault's ACL rules)
  --repos-dir DIR  with --access: read the target repos' checkouts at DIR/<repo id>; the access is
                   theirs once the render is published, and the change against them is shown
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      env: { type: 'string' },
      format: { type: 'string' },
      access: { type: 'boolean' },
      'repos-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
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
  if (values['repos-dir'] !== undefined && !values.access)
    throw new JoinkeyError('--repos-dir goes with --access: "joinkey explain <app> --access --repos-dir DIR"');
  const name = positionals[0]!;
  const loaded = readModel(io.cwd, values.config);
  const envs = selectEnvironments(loaded, values.env);
  const unknownApp = () => {
    const known = [...new Set(envs.flatMap((env) => env.model.apps.map((a) => a.name)))].sort();
    return new JoinkeyError(
      `no app "${name}" in ${values.config ?? 'apps.yaml'}${values.env ? ` for environment ${values.env}` : ''}; known apps: ${known.join(', ') || '(none)'}`,
    );
  };
  if (values.access) {
    // --access reads one environment's checkouts: the implicit one, or the one --env names
    if (loaded.environments.length && values.env === undefined)
      throw new JoinkeyError(`explain --access handles one environment; pass --env with one of: ${loaded.environments.map((e) => e.name).join(', ')}`);
    const { model } = envs[0]!;
    if (!model.apps.some((a) => a.name === name)) throw unknownApp();
    const reposDir = values['repos-dir'];
    const full = reposDir === undefined ? undefined : path.resolve(io.cwd, reposDir);
    if (full !== undefined && !fs.statSync(full, { throwIfNoEntry: false })?.isDirectory())
      throw new JoinkeyError(`--repos-dir ${reposDir} is not a directory; pass the dir that holds the checkouts as <dir>/<repo id>`);
    const checkouts =
      full === undefined
        ? undefined
        : readReposDir(
            full,
            model.repos.map((r) => r.id),
          );
    const a = (await explainAccess(model, name, renderTree(model), checkouts ? { checkouts, source: reposDir } : {}))!;
    io.stdout.write(format === 'json' ? `${JSON.stringify(a, null, 2)}\n` : formatAppAccess(a));
    return 0;
  }
  const explained = envs.flatMap((env) => {
    const e = explainApp(env.model, name, appFileIndex(renderFiles(env.model)));
    return e ? [{ env, e }] : [];
  });
  if (!explained.length) throw unknownApp();
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
