import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io';
import { checkGuard, checkLive, checkModel, runChecks, underReposDir, type Finding, type RepoReader } from '../check';
import { compareDiagnostics, formatFinding, InputError, JoinkeyError, type Diagnostic } from '../errors';
import { hcl2jsonParser } from '../inventory';
import { readReposDir } from '../inventory/load';
import { ownEnvironmentFiles } from '../ownership';
import { renderTree } from '../render';
import { HclThread } from '../validate/hcl-parse';
import { readModel, selectEnvironments } from './common';
import { mergeEnvironmentFindings } from '../rules/environments';

const HELP = `Usage: joinkey check [--config apps.yaml] [--env NAME] [--repos-dir DIR] [--format text|json]

Proves the invariants of apps.yaml and of the output it renders: names, service account AND
namespace bindings, policy glob isolation between apps, kv scope, factory ordering, the VSO and
Kubernetes auth pitfalls, and the VSO CRD and provider schemas. Exits 0 when every invariant holds
(warnings are printed but do not fail), else prints FILE:LINE:COL: rule-id: message per finding
and exits 1.

  --config FILE     the apps.yaml to read (default apps.yaml)
  --env NAME        only this environment (apps.yaml environments:); default: every one. The rules
                    across environments (no shared state location or file target) always run
  --repos-dir DIR   checkouts of the target repos as DIR/<repo id>; also checks their variables.tf
                    contract, that no hand-written file sits where joinkey writes, and the live
                    conflicts (below); with environments, DIR/<env>/<repo id>
  --format FORMAT   text (default) or json (an array of {file, line, col, rule, severity, message},
                    plus related {file, line, col} for a conflict)

Live conflicts (--repos-dir): the Kubernetes objects, OpenTofu blocks and Vault/PostgreSQL
objects that the checkouts declare, with the render on top as publish would leave them: the same
object in two files, two VSO objects writing one Secret, two backends, provider configurations,
module labels or resource addresses in one root module, a variable set by a hand-written and a
generated tfvars file, one Vault or PostgreSQL object managed twice. Each is printed at one side,
the other side on the next line ("  also at DIR/<repo>/<path>:LINE:COL"), and says which side to
remove. Files the inventory cannot read (templated, Helm-rendered) are warnings (live-unreadable).
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      env: { type: 'string' },
      'repos-dir': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new JoinkeyError(`--format must be text or json, not "${format}"`);

  let diagnostics: Diagnostic[];
  const hcl = new HclThread(); // starts HCL's WebAssembly parser on a thread now, while apps.yaml is read
  try {
    const loaded = readModel(io.cwd, values.config);
    const envs = selectEnvironments(loaded, values.env);
    const results: { name: string; findings: Finding[] }[] = [];
    const conflicts: Diagnostic[] = [];
    for (const env of envs) {
      // with environments, each has its own checkouts: DIR/<env>/<repo id>
      const shownDir = values['repos-dir'] === undefined ? undefined : env.name === undefined ? values['repos-dir'] : path.join(values['repos-dir'], env.name);
      const reposDir = shownDir === undefined ? undefined : path.resolve(io.cwd, shownDir);
      if (reposDir !== undefined && !isDir(reposDir))
        throw new JoinkeyError(
          `--repos-dir ${shownDir} is not a directory; pass the dir that holds the checkouts as <dir>/${env.name === undefined ? '' : '<env>/'}<repo id>`,
        );
      const { model } = env;
      // the live check needs the render too (rendered once, for both), when the model's rules hold
      const tree = reposDir === undefined || checkModel(model).some((f) => f.severity === 'error') ? undefined : renderTree(model);
      // the live inventory parses on this thread while runChecks' HCL thread validates the render
      const live = async (): Promise<{ conflicts: Diagnostic[]; guard: Finding[] }> => {
        if (reposDir === undefined || tree === undefined) return { conflicts: [], guard: [] };
        const read = readReposDir(
          reposDir,
          model.repos.map((r) => r.id),
        );
        // a dir that holds another environment's ownership list is another environment's target
        const checkouts = new Map([...read].map(([id, files]) => [id, ownEnvironmentFiles(files, model.repos.find((r) => r.id === id)?.path)] as const));
        const parser = hcl2jsonParser();
        const found = await checkLive(tree, checkouts, parser);
        return { conflicts: found, guard: await checkGuard(model, tree, checkouts, parser) };
      };
      const [findings, found] = await Promise.all([
        runChecks(model, { hcl: hcl.parse, ...(reposDir === undefined ? {} : { repos: repoReader(reposDir) }), ...(tree ? { tree } : {}) }),
        live(),
      ]);
      results.push({ name: env.name ?? '', findings: [...findings, ...found.guard] });
      conflicts.push(...found.conflicts.map((d) => underReposDir(shownDir!, d)));
    }
    const findings = loaded.environments.length ? mergeEnvironmentFindings(loaded.config, results) : results[0]!.findings;
    diagnostics = [...findings.map((f) => loaded.source.at(f)), ...conflicts];
  } catch (e) {
    // the shape's errors (rule "input") and the rule layer's, each with its rule id
    if (!(e instanceof InputError)) throw e;
    diagnostics = [...e.diagnostics, ...e.warnings].map((d) => ({ ...d, rule: d.rule ?? 'input' }));
  } finally {
    void hcl.close();
  }
  diagnostics.sort(compareDiagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (format === 'json') {
    io.stdout.write(
      `${JSON.stringify(
        diagnostics.map((d) => ({
          file: d.file,
          line: d.line,
          col: d.col,
          rule: d.rule,
          severity: d.severity,
          message: d.message,
          ...(d.related ? { related: d.related } : {}),
        })),
        null,
        2,
      )}\n`,
    );
  } else {
    const text = diagnostics.map(formatFinding).join('\n');
    (errors ? io.stderr : io.stdout).write(text ? `${text}\n` : '');
    const warnings = diagnostics.length - errors;
    const summary = errors
      ? `joinkey check: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`
      : `joinkey check: every invariant holds${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}\n`;
    (errors ? io.stderr : io.stdout).write(summary);
  }
  return errors ? 1 : 0;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Reads DIR/<repo>/<path>, refusing paths that would leave the checkout. */
export function repoReader(dir: string): RepoReader {
  return (repo, file) => {
    const root = path.resolve(dir, repo);
    const full = path.resolve(root, file);
    if (!full.startsWith(root + path.sep)) return undefined;
    try {
      return fs.readFileSync(full, 'utf8');
    } catch {
      return undefined;
    }
  };
}
