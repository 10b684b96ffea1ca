import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { diffTree, MAX_EXTRA, writeTree } from '../output/write';
import { renderOutput } from '../render';
import { readCheckedModel } from './common';

const HELP = `Usage: joinkey synth [--config apps.yaml] [--out dist] [--check]

Checks the invariants of apps.yaml (as \`joinkey check\` does, without the slower schema
validation of the output), then renders it into OUT/<repo>/<path>, or OUT/<env>/<repo>/<path> for each environment when
apps.yaml declares environments (plus the matrix OUT/docs/environments.gen.md). Only files whose bytes changed
are written, each through a temp file and a rename, so every file is always whole; files joinkey
wrote that are no longer generated are deleted. OUT may only hold joinkey's own files.

  --config FILE  the apps.yaml to read (default apps.yaml)
  --out DIR      output dir (default dist)
  --check        render in memory and compare with OUT: exit 0 when equal, 2 when not
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, out: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const loaded = readCheckedModel(io.cwd, values.config, io.stderr);
  const { model, file: configFile } = loaded;
  const outArg = values.out ?? 'dist';
  const out = path.resolve(io.cwd, outArg);

  if (values.check) {
    const diff = diffTree(out, renderOutput(loaded));
    const lines = [
      ...diff.changed.map((p) => `changed  ${p}`),
      ...diff.missing.map((p) => `missing  ${p}`),
      ...diff.extra.map((p) => `stale    ${p}`),
      ...(diff.extra.length >= MAX_EXTRA ? [`...      (stopped after ${MAX_EXTRA} stale files)`] : []),
    ];
    if (lines.length === 0) {
      io.stdout.write(`${outArg} is up to date with ${values.config ?? 'apps.yaml'}\n`);
      return 0;
    }
    io.stdout.write(
      `${lines.join('\n')}\n${outArg} is out of date (${lines.length} file${lines.length === 1 ? '' : 's'}); run "npx joinkey synth" and commit the result\n`,
    );
    return 2;
  }

  const result = writeTree(out, renderOutput(loaded), undefined, { protect: [path.resolve(io.cwd, configFile)], shown: outArg });
  const changes = result.written + result.deleted === 0 ? 'unchanged' : `${result.written} written, ${result.deleted} deleted`;
  const envs = loaded.environments;
  const apps = envs.length
    ? `${new Set(envs.flatMap((e) => e.model.apps.map((a) => a.name))).size} apps in ${envs.length} environments (${envs.map((e) => e.name).join(', ')})`
    : `${model.apps.length} apps`;
  io.stdout.write(`${result.files} files for ${apps} in ${outArg} (${changes})\n`);
  return 0;
}
