import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { JoinkeyError } from '../errors';
import { createGiteaClient, giteaTokenProblem } from '../gitea';
import { branchNameProblem } from '../model/names';
import { configCommit, gitEnvironment, gitFactory } from '../publish/git';
import { DEFAULT_BOT_BRANCH, DEFAULT_CACHE_DIR, publish } from '../publish';
import { formatReport, progressWriter } from '../publish/report';
import { makeRedactor } from '../util/redact';
import { renderFiles } from '../render';
import { readCheckedModel } from './common';

const HELP = `Usage: joinkey publish [--config apps.yaml] [--dry-run] [--no-pr] [--branch joinkey/sync]
                       [--repos id,id] [--gitea-url URL] [--cache-dir DIR]

Commits the rendered files of each target repo (repos.<id>.url, .branch in apps.yaml) as the
bot branch: the base branch plus exactly one commit, pushed with --force-with-lease. Then opens
or updates exactly one pull request per repo on Gitea. Repos go in dependency order: the central
postgres repo (factory) first. A second run with the same input changes nothing.

Joinkey never overwrites a file it does not own (not in .joinkey/files.json with its hash and
marker line) nor reverts one edited by hand: such a repo is refused and nothing is pushed for it.
It stops when the bot branch holds anything but the one commit joinkey made (an amend, a rebase,
a commit on top). It writes only to a cache dir it created (marked by a .joinkey-cache file).

  --config FILE     the apps.yaml to read (default apps.yaml)
  --dry-run         print the plan per repo; write, push and open nothing
  --no-pr           push the bot branches but do not call the Gitea API
  --branch NAME     the bot branch (default ${DEFAULT_BOT_BRANCH})
  --repos IDS       only these repo ids, comma-separated
  --gitea-url URL   the Gitea server (else GITEA_URL, else gitea.url in apps.yaml)
  --cache-dir DIR   where the repos are cloned (default ${DEFAULT_CACHE_DIR}/)

Environment: GITEA_TOKEN (required for PRs; sent as "Authorization: token ...", never printed).
Exit status: 0 when every repo was published or up to date, 1 when any repo was refused,
stopped or failed, or any PR step failed.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-pr': { type: 'boolean' },
      branch: { type: 'string' },
      repos: { type: 'string' },
      'gitea-url': { type: 'string' },
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
  const token = io.env.GITEA_TOKEN || undefined;
  const redact = makeRedactor([token]);
  const tokenProblem = token === undefined ? undefined : giteaTokenProblem(token);
  if (tokenProblem) throw new JoinkeyError(tokenProblem);
  const loaded = readCheckedModel(io.cwd, values.config, io.stderr);
  const { model } = loaded;
  const dryRun = !!values['dry-run'];
  const wantPr = !values['no-pr'];
  const giteaUrl = values['gitea-url'] || io.env.GITEA_URL || model.gitea?.url;
  const bot = values.branch ?? DEFAULT_BOT_BRANCH;
  const botProblem = branchNameProblem(bot);
  if (botProblem) throw new JoinkeyError(`--branch ${JSON.stringify(bot)} is not a valid git branch name: ${botProblem}; e.g. joinkey/sync`);
  const clash = model.repos.find((r) => r.branch === bot);
  if (clash) throw new JoinkeyError(`--branch ${bot} is the base branch of repo "${clash.id}"; the bot branch must differ from the base branch`);
  const repos =
    values.repos !== undefined
      ? values.repos
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;

  if (wantPr && !dryRun) {
    if (!giteaUrl) throw new JoinkeyError('no Gitea URL to open pull requests on: pass --gitea-url, set GITEA_URL or gitea.url in apps.yaml, or pass --no-pr');
    if (!token)
      throw new JoinkeyError(
        'GITEA_TOKEN is not set, so no pull requests can be opened: set it to a Gitea access token with write:repository scope, or pass --no-pr',
      );
  }
  const gitea = wantPr && giteaUrl && token ? { client: createGiteaClient({ url: giteaUrl, token }), labels: [...(model.gitea?.labels ?? [])] } : undefined;

  const gitEnv = gitEnvironment(io.env);
  const git = gitFactory(gitEnv);
  const configFile = path.resolve(io.cwd, loaded.file);
  const commitOfConfig = await configCommit(git(path.dirname(configFile)), configFile);

  const report = await publish({
    model,
    files: [...renderFiles(model)],
    git,
    cacheDir: path.resolve(io.cwd, values['cache-dir'] ?? DEFAULT_CACHE_DIR),
    botBranch: bot,
    ...(repos ? { repos } : {}),
    dryRun,
    configCommit: commitOfConfig,
    ...(gitea ? { gitea } : {}),
    redact,
    progress: progressWriter(io.stderr, redact),
  });
  io.stdout.write(redact(formatReport(report)));
  return report.ok ? 0 : 1;
}
