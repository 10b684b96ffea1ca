import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { JoinkeyError } from '../errors';
import { createGiteaClient, giteaTokenProblem } from '../gitea';
import { branchNameProblem } from '../model/names';
import { configCommit, gitEnvironment, gitFactory } from '../publish/git';
import { DEFAULT_BOT_BRANCH, DEFAULT_CACHE_DIR, publish, type PublishReport } from '../publish';
import type { PromotedAfter } from '../publish/summary';
import { formatReport, progressWriter } from '../publish/report';
import { makeRedactor } from '../util/redact';
import { renderFiles } from '../render';
import { environmentHeading, readCheckedModel, selectEnvironments, type SelectedEnvironment } from './common';

const HELP = `Usage: joinkey publish [--config apps.yaml] [--env NAME] [--adopt] [--dry-run] [--no-pr]
                       [--branch joinkey/sync] [--repos id,id] [--gitea-url URL] [--cache-dir DIR]

Commits the rendered files of each target repo (repos.<id>.url, .branch in apps.yaml) as the
bot branch: the base branch plus exactly one commit, pushed with --force-with-lease. Then opens
or updates exactly one pull request per repo on Gitea. Repos go in dependency order: the central
postgres repo (factory) first. A second run with the same input changes nothing.

Joinkey never overwrites a file it does not own (not in .joinkey/files.json with its hash and
marker line) nor reverts one edited by hand: such a repo is refused and nothing is pushed for it.
It stops when the bot branch holds anything but the one commit joinkey made (an amend, a rebase,
a commit on top). It writes only to a cache dir it created (marked by a .joinkey-cache file).

  --config FILE     the apps.yaml to read (default apps.yaml)
  --env NAME        only this environment (apps.yaml environments:). Without it, every environment
                    in promotion order (promote:, else the order of environments:), each on its own
                    base branches with its own bot branch <branch>-<env>; it stops at the first
                    environment that fails, and each PR body links the previous environment's PRs
  --adopt           hand the hand-written platform over (see joinkey adopt): the same commit adds
                    the generated files and deletes the hand-written ones they supersede, cuts
                    superseded blocks out of mixed files (proven by re-parsing), adds moved blocks
                    that keep each password's and role's state, and updates kustomization
                    references. Only the declarations of apps in apps.yaml are handed over; a repo
                    whose hand-over would destroy, replace or rotate anything live is refused
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
      env: { type: 'string' },
      adopt: { type: 'boolean' },
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
  const envs = selectEnvironments(loaded, values.env);
  const dryRun = !!values['dry-run'];
  const wantPr = !values['no-pr'];
  const bot = values.branch ?? DEFAULT_BOT_BRANCH;
  const botProblem = branchNameProblem(bot);
  if (botProblem) throw new JoinkeyError(`--branch ${JSON.stringify(bot)} is not a valid git branch name: ${botProblem}; e.g. joinkey/sync`);
  /** Each environment has a bot branch of its own, `<bot>-<env>`: two environments may share a repo. */
  const botOf = (env: SelectedEnvironment) => (env.name === undefined ? bot : `${bot}-${env.name}`);
  const giteaUrlOf = (env: SelectedEnvironment) => values['gitea-url'] || io.env.GITEA_URL || env.model.gitea?.url;
  for (const env of envs) {
    const clash = env.model.repos.find((r) => r.branch === botOf(env));
    if (clash)
      throw new JoinkeyError(
        `--branch ${bot} makes the bot branch ${botOf(env)}, the base branch of repo "${clash.id}"${env.name === undefined ? '' : ` in environment ${env.name}`}; the bot branch must differ from the base branch`,
      );
    if (wantPr && !dryRun && !giteaUrlOf(env))
      throw new JoinkeyError('no Gitea URL to open pull requests on: pass --gitea-url, set GITEA_URL or gitea.url in apps.yaml, or pass --no-pr');
  }
  const repos =
    values.repos !== undefined
      ? values.repos
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;

  if (wantPr && !dryRun && !token)
    throw new JoinkeyError(
      'GITEA_TOKEN is not set, so no pull requests can be opened: set it to a Gitea access token with write:repository scope, or pass --no-pr',
    );

  const gitEnv = gitEnvironment(io.env);
  const git = gitFactory(gitEnv);
  const configFile = path.resolve(io.cwd, loaded.file);
  const commitOfConfig = await configCommit(git(path.dirname(configFile)), configFile);

  const cacheDir = path.resolve(io.cwd, values['cache-dir'] ?? DEFAULT_CACHE_DIR);
  let promotedAfter: PromotedAfter | undefined;
  for (const [i, env] of envs.entries()) {
    const giteaUrl = giteaUrlOf(env);
    const gitea =
      wantPr && giteaUrl && token ? { client: createGiteaClient({ url: giteaUrl, token }), labels: [...(env.model.gitea?.labels ?? [])] } : undefined;
    const report = await publish({
      model: env.model,
      files: [...renderFiles(env.model)],
      git,
      // each environment has clones of its own: its repos may be the same as another's, on other branches
      cacheDir: env.name === undefined ? cacheDir : path.join(cacheDir, env.name),
      botBranch: botOf(env),
      ...(repos ? { repos } : {}),
      dryRun,
      ...(values.adopt ? { adopt: true } : {}),
      configCommit: commitOfConfig,
      ...(gitea ? { gitea } : {}),
      ...(promotedAfter ? { promotedAfter } : {}),
      redact,
      progress: progressWriter(io.stderr, redact),
    });
    io.stdout.write(redact(`${environmentHeading(env)}${formatReport(report)}`));
    if (!report.ok) {
      const rest = envs.slice(i + 1).map((e) => e.name);
      if (rest.length) io.stdout.write(`joinkey publish: stopped at environment ${env.name}; not published: ${rest.join(', ')}\n`);
      return 1;
    }
    promotedAfter = { environment: env.name ?? '', prs: openPullRequests(report) };
  }
  return 0;
}

/** The pull requests a publish left open, as the next environment's PR body links them. */
function openPullRequests(report: PublishReport): PromotedAfter['prs'] {
  return report.repos.flatMap((r) =>
    r.pr?.pr && r.pr.action !== 'closed' && r.pr.action !== 'would-close' ? [{ label: `${r.giteaRepo ?? r.repoId}#${r.pr.pr.number}`, url: r.pr.pr.url }] : [],
  );
}
