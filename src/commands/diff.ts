import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { DEFAULT_CACHE_DIR } from '../publish';
import { diffRepos, formatDiff } from '../publish/diff';
import { gitEnvironment, gitFactory } from '../publish/git';
import { progressWriter } from '../publish/report';
import { renderTree } from '../render';
import { hcl2jsonParser } from '../inventory';
import { makeRedactor } from '../util/redact';
import { environmentHeading, readCheckedModel, selectEnvironments } from './common';

const HELP = `Usage: joinkey diff [--config apps.yaml] [--env NAME] [--repos-dir DIR] [--repos id,id] [--cache-dir DIR]

Shows what joinkey publish would commit: a unified diff per repo between the rendered output
and each repo's base branch (fetched into ${DEFAULT_CACHE_DIR}/), or the checkouts at DIR/<repoId>
with --repos-dir, then a summary table. Colour only on a terminal. Writes nothing but the cache.

  --config FILE     the apps.yaml to read (default apps.yaml)
  --env NAME        only this environment (apps.yaml environments:); default: each in promotion
                    order, under "### environment NAME", with checkouts and clones in <dir>/<env>/
  --repos-dir DIR   compare with checkouts at DIR/<repoId> instead of fetching
  --repos IDS       only these repo ids, comma-separated
  --cache-dir DIR   where the repos are cloned (default ${DEFAULT_CACHE_DIR}/)

Conflicts: the live objects the render would duplicate in the repos as publish leaves them (the
same Kubernetes object or destination Secret in two files, two backends, provider
configurations, module labels or resource addresses in one root module, a variable set by a
hand-written and a generated tfvars file, a Vault or PostgreSQL object managed twice; see
joinkey check --help) are listed under "Conflicts", each at the generated file with the
hand-written one on the next line, and counted in the summary (LIVE-CONFLICTS). publish refuses
a repo named by an error among them.

Live effects: what applying the repos as publish leaves them would do to live objects, per
tofu address and Kubernetes identity (create, update, replace, destroy, rotate), destroys and
rotations first; then what could not be planned.

Access changes: per identity that logs in to Vault (each ServiceAccount and namespace pair of a
Kubernetes auth role, each JWT role) the Vault paths and capabilities it gains or loses, by
Vault's ACL rules over the roles and policies of both sides; then what could not be reviewed
(a policy whose text is not in the files, a role whose policies are not known).

Exit status: 0 when every repo could be compared and no generated path is taken by a
hand-written file, 1 otherwise. Live conflicts do not change it: diff shows what publish would
do, it is not the gate (joinkey check --repos-dir and publish are; both exit 1 on them).
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      env: { type: 'string' },
      'repos-dir': { type: 'string' },
      repos: { type: 'string' },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const redact = makeRedactor([io.env.GITEA_TOKEN]);
  const loaded = readCheckedModel(io.cwd, values.config, io.stderr);
  let ok = true;
  for (const env of selectEnvironments(loaded, values.env)) {
    const { model } = env;
    // with environments, each has its own checkouts (DIR/<env>/<repoId>) and cache clones
    const inEnv = (dir: string) => (env.name === undefined ? dir : path.join(dir, env.name));
    const {
      repos: diffs,
      conflicts,
      live,
    } = await diffRepos({
      model,
      tree: renderTree(model),
      git: gitFactory(gitEnvironment(io.env)),
      cacheDir: inEnv(path.resolve(io.cwd, values['cache-dir'] ?? DEFAULT_CACHE_DIR)),
      ...(values['repos-dir'] ? { reposDir: inEnv(path.resolve(io.cwd, values['repos-dir'])) } : {}),
      ...(values.repos !== undefined
        ? {
            repos: values.repos
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
      redact,
      progress: progressWriter(io.stderr, redact),
      parser: hcl2jsonParser(),
    });
    io.stdout.write(redact(`${environmentHeading(env)}${formatDiff(diffs, !!io.stdout.isTTY, conflicts, live)}`));
    ok &&= diffs.every((d) => d.plan && d.plan.conflicts.length === 0);
  }
  return ok ? 0 : 1;
}
