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
import { readModel } from './common';

const HELP = `Usage: joinkey explain <app> [--config apps.yaml] [--format text|json] [--access [--repos-dir DIR]]

Prints every object the app name produces across the repos: namespace, service accounts, Vault
role, policies and their paths, CI role, Postgres role and database, VSO objects, Kubernetes
Secrets, generated files and the tofu state prefix.

  --config FILE    the apps.yaml to read (default apps.yaml)
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
  const { model } = readModel(io.cwd, values.config);
  const unknownApp = () => {
    const known = model.apps.map((a) => a.name);
    return new JoinkeyError(`no app "${name}" in ${values.config ?? 'apps.yaml'}; known apps: ${known.join(', ') || '(none)'}`);
  };
  if (values.access) {
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
  const e = explainApp(model, name, appFileIndex(renderFiles(model)));
  if (!e) throw unknownApp();
  io.stdout.write(format === 'json' ? `${JSON.stringify(e, null, 2)}\n` : formatTable(explanationRows(e)));
  return 0;
}
