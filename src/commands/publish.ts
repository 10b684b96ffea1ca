import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { CliIo } from '../cli';
import { JoinkeyError } from '../errors';
import { createGiteaClient } from '../gitea';
import { configCommit, type GitFactory } from '../publish/git';
import { DEFAULT_BOT_BRANCH, DEFAULT_CACHE_DIR, publish, type ProgressEvent } from '../publish';
import { branchNameProblem } from '../model/names';
import { makeRedactor, type Redactor } from '../publish/redact';
import { formatReport } from '../publish/report';
import { renderTree } from '../render';
import { readCheckedModel } from './common';

const HELP = `Usage: joinkey publish [--config apps.yaml] [--dry-run] [--no-pr] [--branch joinkey/sync]
                       [--repos id,id] [--gitea-url URL] [--cache-dir DIR]

Commits the rendered files of each target repo (repos.<id>.url, .branch in apps.yaml) as the
bot branch: the base branch plus exactly one commit, pushed with --force-with-lease. Then opens
or updates exactly one pull request per repo on Gitea. Repos go in dependency order: the central
postgres repo (factory) first. A second run with the same input changes nothing.

Joinkey never overwrites a file it does not own (no marker, not in .joinkey/files.json): such a
repo is refused and nothing is pushed for it. It stops when someone else pushed to the bot branch.

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

/** Env vars that would redirect or reconfigure joinkey's git calls, or leak the token to git. */
const DROPPED_GIT_ENV = /^(GITEA_TOKEN|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_OBJECT_DIRECTORY|GIT_ALTERNATE_OBJECT_DIRECTORIES|GIT_NAMESPACE|GIT_CEILING_DIRECTORIES|GIT_AUTHOR_.*|GIT_COMMITTER_.*|GIT_PAGER|PAGER|GIT_EDITOR|EDITOR|VISUAL|GIT_SEQUENCE_EDITOR|GIT_EXTERNAL_DIFF|GIT_TEMPLATE_DIR|PREFIX)$/i;

/** The environment of joinkey's git processes: the user's, minus what would misdirect git, never prompting. */
export function gitEnvironment(env: CliIo['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !DROPPED_GIT_ENV.test(k)) out[k] = v;
  out.GIT_TERMINAL_PROMPT = '0';
  out.LC_ALL = 'C';
  return out;
}

/** simple-git bound to a dir, with the user's ssh/askpass settings allowed (they are the user's own env). */
export function gitFactory(env: Record<string, string>): GitFactory {
  return (dir: string): SimpleGit => simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 4,
    timeout: { block: 10 * 60_000 },
    unsafe: { allowUnsafeSshCommand: true, allowUnsafeAskPass: true, allowUnsafeConfigPaths: true, allowUnsafeConfigEnvCount: true, allowUnsafeGitProxy: true },
  }).env(env);
}

export function progressWriter(stream: CliIo['stderr'], redact: Redactor): (e: ProgressEvent) => void {
  const tty = !!stream.isTTY;
  let transient = false;
  return (e) => {
    const line = redact(`${e.repo}: ${e.message}`);
    if (tty) {
      stream.write(`${transient ? '\r\x1b[K' : ''}${line}${e.step ? '' : '\n'}`);
      transient = !!e.step;
    } else {
      stream.write(`${line}\n`);
    }
  };
}

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
  if (values.help) { io.stdout.write(HELP); return 0; }
  const token = io.env.GITEA_TOKEN || undefined;
  const redact = makeRedactor([token]);
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
  const repos = values.repos !== undefined ? values.repos.split(',').map((s) => s.trim()).filter(Boolean) : undefined;

  if (wantPr && !dryRun) {
    if (!giteaUrl) throw new JoinkeyError('no Gitea URL to open pull requests on: pass --gitea-url, set GITEA_URL or gitea.url in apps.yaml, or pass --no-pr');
    if (!token) throw new JoinkeyError('GITEA_TOKEN is not set, so no pull requests can be opened: set it to a Gitea access token with write:repository scope, or pass --no-pr');
  }
  const gitea = wantPr && giteaUrl && token
    ? { client: createGiteaClient({ url: giteaUrl, token }), labels: [...(model.gitea?.labels ?? [])] }
    : undefined;

  const gitEnv = gitEnvironment(io.env);
  const git = gitFactory(gitEnv);
  const configFile = path.resolve(io.cwd, loaded.file);
  const commitOfConfig = await configCommit(git(path.dirname(configFile)), configFile);

  const report = await publish({
    model,
    tree: renderTree(model),
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
