import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { DEFAULT_CACHE_DIR } from '../publish';
import { diffRepos, formatDiff } from '../publish/diff';
import { gitEnvironment, gitFactory } from '../publish/git';
import { progressWriter } from '../publish/report';
import { renderTree } from '../render';
import { makeRedactor } from '../util/redact';
import { readCheckedModel } from './common';

const HELP = `Usage: joinkey diff [--config apps.yaml] [--repos-dir DIR] [--repos id,id] [--cache-dir DIR]

Shows what joinkey publish would commit: a unified diff per repo between the rendered output
and each repo's base branch (fetched into ${DEFAULT_CACHE_DIR}/), or the checkouts at DIR/<repoId>
with --repos-dir, then a summary table. Colour only on a terminal. Writes nothing but the cache.

  --config FILE     the apps.yaml to read (default apps.yaml)
  --repos-dir DIR   compare with checkouts at DIR/<repoId> instead of fetching
  --repos IDS       only these repo ids, comma-separated
  --cache-dir DIR   where the repos are cloned (default ${DEFAULT_CACHE_DIR}/)

Exit status: 0 when every repo could be compared and no generated path is taken by a
hand-written file, 1 otherwise.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      'repos-dir': { type: 'string' },
      repos: { type: 'string' },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) { io.stdout.write(HELP); return 0; }
  const redact = makeRedactor([io.env.GITEA_TOKEN]);
  const { model } = readCheckedModel(io.cwd, values.config, io.stderr);
  const diffs = await diffRepos({
    model,
    tree: renderTree(model),
    git: gitFactory(gitEnvironment(io.env)),
    cacheDir: path.resolve(io.cwd, values['cache-dir'] ?? DEFAULT_CACHE_DIR),
    ...(values['repos-dir'] ? { reposDir: path.resolve(io.cwd, values['repos-dir']) } : {}),
    ...(values.repos !== undefined ? { repos: values.repos.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    redact,
    progress: progressWriter(io.stderr, redact),
  });
  io.stdout.write(redact(formatDiff(diffs, !!io.stdout.isTTY)));
  return diffs.every((d) => d.plan && d.plan.conflicts.length === 0) ? 0 : 1;
}
