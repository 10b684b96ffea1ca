import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { diffTree, MAX_EXTRA, writeTree } from '../output/write';
import { renderOutput } from '../render';
import { formatDiagnosticWithSource } from '../errors';
import { mergeEnvironmentFindings } from '../rules/environments';
import type { Finding } from '../rules/finding';
import { readCheckedModel } from './common';
import { SynthChanges } from '../output/changes';

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
  const { model, source, file: configFile } = loaded;
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

  const changed = new SynthChanges();
  const result = writeTree(out, renderOutput(loaded), undefined, { protect: [path.resolve(io.cwd, configFile)], shown: outArg, onChange: changed.record });
  const changes = result.written + result.deleted === 0 ? 'unchanged' : `${result.written} written, ${result.deleted} deleted`;
  const envs = loaded.environments;
  const apps = envs.length
    ? `${new Set(envs.flatMap((e) => e.model.apps.map((a) => a.name))).size} apps in ${envs.length} environments (${envs.map((e) => e.name).join(', ')})`
    : `${model.apps.length} apps`;
  io.stdout.write(`${result.files} files for ${apps} in ${outArg} (${changes})\n`);
  if ([...changed.tofu.values()].some((previous) => previous !== undefined)) {
    // only now: the guard loads HCL's parser
    const { synthGuard } = await import('../output/live-guard');
    // with environments, each environment dir OUT/<env> is guarded against its own model
    const guarded = envs.length
      ? await Promise.all(envs.map(async (e) => ({ name: e.name, ...(await synthGuard(path.join(out, e.name), e.model, changesBelow(changed, e.name))) })))
      : [{ name: '', ...(await synthGuard(out, model, changed)) }];
    const findings: readonly Finding[] = envs.length ? mergeEnvironmentFindings(loaded.config, guarded) : guarded[0]!.findings;
    for (const f of findings) io.stderr.write(`${formatDiagnosticWithSource(source.at({ ...f, severity: 'warning' }))}\n`);
    // the positioned warnings are on stderr; what they add up to, like the file count, on stdout
    if (findings.length > 0)
      io.stdout.write(
        `joinkey synth: ${findings.length} unacknowledged destroy${findings.length === 1 ? '' : 's'} or rotation${findings.length === 1 ? '' : 's'} of live data against the previous ${outArg}; \`joinkey check --repos-dir\` fails on them and publish refuses them until apps.yaml acknowledges each (see the warnings)\n`,
      );
    for (const { name, variablesOnly } of guarded)
      for (const dir of variablesOnly)
        io.stdout.write(
          `joinkey synth: ${outArg}/${name ? `${name}/` : ''}${dir} sets variables of a project whose resources live in the target repo; \`joinkey check --repos-dir\` plans what that change does\n`,
        );
  }
  return 0;
}

/** The changes of one environment dir, OUT/<env>, as paths below it (what synthGuard reads with OUT/<env> as OUT). */
function changesBelow(changed: SynthChanges, env: string): SynthChanges {
  const below = new SynthChanges();
  for (const [rel, previous] of [...changed.tofu, ...changed.lists]) if (rel.startsWith(`${env}/`)) below.record(rel.slice(env.length + 1), () => previous);
  return below;
}
