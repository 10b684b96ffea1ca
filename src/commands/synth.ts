import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { diffTree, MAX_EXTRA, writeTree } from '../output/write';
import { renderFiles } from '../render';
import { formatDiagnosticWithSource } from '../errors';
import { readCheckedModel } from './common';
import { SynthChanges } from './synth-changes';

const HELP = `Usage: joinkey synth [--config apps.yaml] [--out dist] [--check]

Checks the invariants of apps.yaml (as \`joinkey check\` does, without the slower schema
validation of the output), then renders it into OUT/<repo>/<path>. Only files whose bytes changed
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
  const { model, source, file: configFile } = readCheckedModel(io.cwd, values.config, io.stderr);
  const outArg = values.out ?? 'dist';
  const out = path.resolve(io.cwd, outArg);

  if (values.check) {
    const diff = diffTree(out, renderFiles(model));
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

  const changed = new SynthChanges();
  const result = writeTree(out, renderFiles(model), undefined, { protect: [path.resolve(io.cwd, configFile)], shown: outArg, onChange: changed.record });
  const changes = result.written + result.deleted === 0 ? 'unchanged' : `${result.written} written, ${result.deleted} deleted`;
  io.stdout.write(`${result.files} files for ${model.apps.length} apps in ${outArg} (${changes})\n`);
  if ([...changed.tofu.values()].some((previous) => previous !== undefined)) {
    // only now: the guard loads HCL's parser
    const { synthGuard } = await import('./synth-guard');
    const guard = await synthGuard(out, model, changed);
    for (const f of guard.findings) io.stderr.write(`${formatDiagnosticWithSource(source.at({ ...f, severity: 'warning' }))}\n`);
    if (guard.findings.length > 0)
      io.stderr.write(
        `joinkey synth: ${guard.findings.length} unacknowledged destroy${guard.findings.length === 1 ? '' : 's'} or rotation${guard.findings.length === 1 ? '' : 's'} of live data against the previous ${outArg}; \`joinkey check --repos-dir\` fails on them and publish refuses them until apps.yaml acknowledges each (see the warnings)\n`,
      );
    for (const dir of guard.variablesOnly)
      io.stderr.write(`joinkey synth: ${outArg}/${dir} sets variables of a project whose resources live in the target repo; \`joinkey check --repos-dir\` plans what that change does\n`);
  }
  return 0;
}
