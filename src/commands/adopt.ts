import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { adopt, type AdoptFinding } from '../adopt';
import type { CliIo } from '../cli-io';
import { formatFinding, JoinkeyError } from '../errors';
import { hcl2jsonParser } from '../inventory';
import { readRepoDir } from '../inventory/load';
import { DNS1123_LABEL } from '../model/names';
import { DEFAULT_BOT_BRANCH, DEFAULT_CACHE_DIR, publishOrder } from '../publish';
import { claimCacheRoot, gitEnvironment, gitFactory, RepoCache } from '../publish/git';
import { OWNERSHIP_FILE } from '../render/files';
import { errnoWords } from '../util/errno';
import { makeRedactor } from '../util/redact';
import { readModel } from './common';

const HELP = `Usage: joinkey adopt [--repos-dir DIR] [--out FILE] [--config apps.yaml] [--cache-dir DIR]

Reads hand-written repos through the live inventory and writes the apps.yaml that renders the
same live objects: the central applications maps, app_roles calls and their backends,
random_password -> vault_kv_secret_v2 pairs, VSO objects and DATABASE_URL patches, consumer
policy + role pairs. Existing names and values win (override fields such as objectName,
secretName, vaultAuthNames, statePrefix). Each finding is FILE:LINE:COL: rule: message:

  adopt-review    a value adopt assumed, or a live change the adopted apps.yaml brings (ops_policies)
  adopt-unmapped  a join-key object apps.yaml cannot express: it stays hand-written, with the reason
  adopt-kept      not a join-key object: it stays hand-written as it is
  adopt-conflict  the repos contradict themselves or apps.yaml would refuse them: nothing is written

  --repos-dir DIR   read the checkouts DIR/<repo> (every subdirectory named like a repo id)
  --config FILE     without --repos-dir: fetch the base branches of this apps.yaml's repos
  --cache-dir DIR   where those are cloned (default ${DEFAULT_CACHE_DIR}/)
  --out FILE        write the apps.yaml there (never over an existing file); default: stdout

Exit status: 0 when the apps.yaml was written, 1 on an adopt-conflict or bad input.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'repos-dir': { type: 'string' },
      out: { type: 'string' },
      config: { type: 'string' },
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
  const out = values.out === undefined ? undefined : path.resolve(io.cwd, values.out);
  if (out !== undefined && fs.existsSync(out)) throw new JoinkeyError(`${values.out} exists; adopt never writes over a file: pass --out with a new path`);
  const { trees, urls, shown } =
    values['repos-dir'] !== undefined
      ? readCheckouts(path.resolve(io.cwd, values['repos-dir']), values['repos-dir'])
      : await fetchRepos(io, values.config, values['cache-dir'], redact);
  const result = await adopt(trees, { parser: hcl2jsonParser(), repoUrls: urls });
  const conflicts = result.findings.filter((f) => f.rule === 'adopt-conflict');
  for (const f of result.findings) io.stderr.write(`${redact(formatFinding(diagnosticOf(f, shown)))}\n`);
  if (conflicts.length) {
    io.stderr.write(`joinkey: ${conflicts.length} adopt-conflict${conflicts.length === 1 ? '' : 's'}; nothing was written\n`);
    return 1;
  }
  if (out === undefined) io.stdout.write(result.text);
  else writeNew(out, values.out!, result.text);
  const count = (rule: AdoptFinding['rule']) => result.findings.filter((f) => f.rule === rule).length;
  io.stderr.write(
    `joinkey adopt: ${out === undefined ? 'apps.yaml on stdout' : `wrote ${values.out}`}; ${result.superseded.length} hand-written declarations it renders instead, ${count('adopt-review')} to review, ${count('adopt-unmapped')} unmapped, ${count('adopt-kept')} kept\n`,
  );
  return 0;
}

function diagnosticOf(f: AdoptFinding, shown: (repo: string) => string) {
  return {
    file: path.posix.join(shown(f.at.repo), f.at.path),
    line: f.at.line,
    col: f.at.col,
    rule: f.rule,
    severity: f.rule === 'adopt-conflict' ? ('error' as const) : ('warning' as const),
    message: f.message,
  };
}

/** Each subdirectory of DIR named like a repo id, and its origin url (from .git/config) when it has one. */
function readCheckouts(dir: string, arg: string) {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new JoinkeyError(`cannot read --repos-dir ${arg}: ${errnoWords((e as NodeJS.ErrnoException).code) ?? 'the system refused'}`);
  }
  const ids = entries
    .filter((d) => d.isDirectory() && DNS1123_LABEL.test(d.name))
    .map((d) => d.name)
    .sort();
  if (!ids.length) throw new JoinkeyError(`--repos-dir ${arg} holds no repo checkouts (subdirectories named like a repo id, e.g. tools)`);
  const trees = new Map(ids.map((id) => [id, readRepoDir(path.join(dir, id))]));
  const urls = new Map<string, string>();
  for (const id of ids) {
    const url = originUrl(path.join(dir, id, '.git', 'config'));
    urls.set(id, url ?? path.join(dir, id));
  }
  return { trees, urls, shown: (repo: string) => path.posix.join(arg, repo) };
}

/** remote "origin"'s url in a git config file, its credentials (if any) left out; undefined without one. */
export function originUrl(configFile: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch {
    return undefined;
  }
  const section = /^\s*\[remote\s+"origin"\]\s*$([\s\S]*?)(?=^\s*\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
  const url = /^\s*url\s*=\s*(\S+)\s*$/m.exec(section)?.[1];
  // over http(s) a user name may itself be a token: all of it goes; over ssh the user (git@) stays, a password never
  return url?.replace(/^(https?:\/\/)[^/@]*@/i, '$1').replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1@');
}

async function fetchRepos(io: CliIo, config: string | undefined, cacheArg: string | undefined, redact: (s: string) => string) {
  const { model } = readModel(io.cwd, config);
  const cacheDir = path.resolve(io.cwd, cacheArg ?? DEFAULT_CACHE_DIR);
  await claimCacheRoot(cacheDir);
  const git = gitFactory(gitEnvironment(io.env));
  const trees = new Map<string, ReadonlyMap<string, string>>();
  const urls = new Map<string, string>();
  for (const id of publishOrder(model)) {
    const repo = model.repos.find((r) => r.id === id)!;
    io.stderr.write(`${id}: fetching ${repo.branch} from ${redact(repo.url)}\n`);
    const cache = await RepoCache.open(git, path.join(cacheDir, id), repo.url, redact);
    try {
      const heads = await cache.fetch(repo.branch, DEFAULT_BOT_BRANCH);
      trees.set(id, (await cache.baseTree(heads.baseSha, () => [], OWNERSHIP_FILE, { everyFile: true })).contents);
      urls.set(id, repo.url);
    } finally {
      await cache.close();
    }
  }
  return { trees, urls, shown: (repo: string) => repo };
}

/** The text at a path that did not exist: through a temp file linked into place, so no file is overwritten or half-written. */
function writeNew(file: string, shown: string, text: string): void {
  const tmp = `${file}.joinkey-tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, text, { flag: 'wx' });
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new JoinkeyError(
      `cannot write ${shown}: ${code === 'EEXIST' ? 'it exists (adopt never writes over a file)' : (errnoWords(code) ?? 'the system refused')}`,
    );
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
