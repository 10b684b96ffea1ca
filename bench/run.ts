/**
 * `npm run bench`: times `joinkey synth` on generated apps.yaml files of 5, 100, 1,000 and 10,000
 * apps against the straightforward cdk8s program (bench/baseline-cdk8s.ts) and, on the five
 * default apps, `npx joinkey synth` against the `cdk8s synth` CLI. Prints a table with the ratios
 * of issue 5 and writes bench/results.md and bench/scaling.svg.
 *
 * Every command runs as a child process, as a person would run it; wall time is the median of
 * several runs (joinkey and the baseline alternate, so a busy machine slows both alike); peak RSS
 * comes from /usr/bin/time. Work files go to bench/work/ (gitignored).
 *
 *   npm run bench                       # about 6 minutes on 2 cores
 *   npm run bench -- --quick            # fewer runs, no 10,000-app baseline attempt
 *   npm run bench -- --full-baseline    # also run the 10,000-app baseline to the end (~10 min)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appsYaml } from './gen';
import { scalingSvg, type Series } from './svg';

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH = path.join(ROOT, 'bench');
const WORK = path.join(BENCH, 'work');
const JOINKEY = path.join(ROOT, 'bin', 'joinkey.js');
const BASELINE = path.join(ROOT, 'build', 'bench', 'baseline-cdk8s.js');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const FULL_BASELINE = args.has('--full-baseline');
/** The 10,000-app baseline grows faster than n^2 (~540 s); by default it gets this many seconds, then is extrapolated. */
const BASELINE_CAP_S = FULL_BASELINE ? 3600 : QUICK ? 0 : 60;
const SIZES = [5, 100, 1000, 10000];
/** Extra baseline sizes for the fit that extrapolates the capped 10,000-app baseline. */
const FIT_SIZES = QUICK ? [] : [2000, 4000];

interface Run {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMiB: number | undefined;
  readonly code: number | null;
  readonly timedOut: boolean;
}

interface Stat {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMiB: number | undefined;
  readonly runs: number;
}

function run(cmd: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutS?: number } = {}): Run {
  const timeFile = path.join(WORK, 'time.txt');
  fs.rmSync(timeFile, { force: true });
  const [file, fileArgs] = TIME ? [TIME, ['-f', '%U %S %M', '-o', timeFile, cmd, ...argv]] : [cmd, argv];
  const start = process.hrtime.bigint();
  const r = spawnSync(file, fileArgs, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: opts.timeoutS ? opts.timeoutS * 1000 : undefined,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (!timedOut && r.status !== 0 && !(r.status === 2 && argv.includes('--check'))) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(-2000)}`);
  }
  let cpu = Number.NaN;
  let rssMiB: number | undefined;
  if (TIME && fs.existsSync(timeFile)) {
    const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    if (last.length === 3 && last.every(Number.isFinite)) {
      cpu = last[0]! + last[1]!;
      rssMiB = last[2]! / 1024;
    }
  }
  return { wall, cpu, rssMiB, code: r.status, timedOut };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stat(runs: Run[]): Stat {
  const rss = runs.map((r) => r.rssMiB).filter((x): x is number => x !== undefined);
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)), rssMiB: rss.length ? Math.max(...rss) : undefined, runs: runs.length };
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const secs = (s: number) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));
const mib = (m: number | undefined) => (m === undefined ? 'n/a' : m.toFixed(0));

interface SizeResult {
  readonly apps: number;
  readonly synth: Stat;
  readonly check: Stat;
  readonly baseline: Stat | undefined;
  /** Set when the baseline was stopped at the cap; `baseline` then is undefined. */
  readonly baselineCappedAt?: number;
  baselineExtrapolated?: number;
}

function benchSize(n: number): SizeResult {
  const config = path.join(WORK, `apps-${n}.yaml`);
  const out = path.join(WORK, `dist-${n}`);
  const baseOut = path.join(WORK, `baseline-${n}.yaml`);
  fs.rmSync(out, { recursive: true, force: true });
  const synthArgs = [JOINKEY, 'synth', '--config', config, '--out', out];
  run('node', synthArgs); // the first run creates out; the timed ones replace it, as a re-run does
  const reps = QUICK ? 3 : n >= 10000 ? 3 : n >= 1000 ? 5 : 7;
  const baseReps = n >= 10000 ? 0 : QUICK ? 1 : 3;
  const synth: Run[] = [];
  const check: Run[] = [];
  const baseline: Run[] = [];
  for (let i = 0; i < reps; i++) {
    synth.push(run('node', synthArgs));
    check.push(run('node', [...synthArgs, '--check']));
    if (i < baseReps) baseline.push(run('node', [BASELINE, config, baseOut]));
  }
  let baselineCappedAt: number | undefined;
  if (n >= 10000 && BASELINE_CAP_S > 0) {
    log(`  baseline at ${n} apps: running, stopped after ${BASELINE_CAP_S} s`);
    const r = run('node', [BASELINE, config, baseOut], { timeoutS: BASELINE_CAP_S });
    if (r.timedOut) baselineCappedAt = BASELINE_CAP_S;
    else baseline.push(r);
  }
  fs.rmSync(baseOut, { force: true });
  return { apps: n, synth: stat(synth), check: stat(check), baseline: baseline.length ? stat(baseline) : undefined, ...(baselineCappedAt ? { baselineCappedAt } : {}) };
}

/**
 * The baseline's growth is worse than quadratic (on this machine 2.4 s at 1,000 apps, 9.9 s at
 * 2,000, 52 s at 4,000, 538 s at 10,000), so the 10,000-app time is extrapolated with a power law
 * t = t2 (n / n2)^k through the two largest measured sizes; from 2,000 and 4,000 it predicted
 * 473 s on one run and 593 s on another, for 538 s measured.
 */
function powerFit(points: ReadonlyArray<readonly [number, number]>): { at: (n: number) => number; exponent: number } {
  const [[n1, t1], [n2, t2]] = [...points].sort((a, b) => a[0] - b[0]).slice(-2) as [[number, number], [number, number]];
  const exponent = Math.log(t2 / t1) / Math.log(n2 / n1);
  return { at: (n) => t2 * (n / n2) ** exponent, exponent };
}

/** A consumer project whose node_modules/.bin/joinkey is this checkout, as after `npm install -D joinkey`. */
function consumerProject(): string {
  const dir = path.join(WORK, 'consumer');
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'bench-consumer', private: true, devDependencies: { joinkey: 'file:../../..' } }, null, 2)}\n`);
  const link = (target: string, at: string) => { fs.rmSync(at, { force: true }); fs.symlinkSync(target, at); };
  link(path.relative(path.join(dir, 'node_modules'), ROOT), path.join(dir, 'node_modules', 'joinkey'));
  link('../joinkey/bin/joinkey.js', path.join(dir, 'node_modules', '.bin', 'joinkey'));
  fs.copyFileSync(path.join(ROOT, 'apps.yaml'), path.join(dir, 'apps.yaml'));
  fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  return dir;
}

interface DefaultResult {
  readonly npxJoinkey: Stat;
  readonly npxJoinkeyFirst: Run;
  readonly nodeJoinkey: Stat;
  readonly npxNoop: Stat;
  readonly cdk8sCli: Stat;
  readonly cdk8sProgram: Stat;
}

function benchDefault(): DefaultResult {
  const dir = consumerProject();
  const noop = path.join(dir, 'node_modules', '.bin', 'noop');
  fs.writeFileSync(noop, '#!/usr/bin/env node\n');
  fs.chmodSync(noop, 0o755);
  const first = run('npx', ['joinkey', 'synth'], { cwd: dir });
  const reps = QUICK ? 3 : 7;
  const npx: Run[] = [];
  const direct: Run[] = [];
  const noops: Run[] = [];
  const cli: Run[] = [];
  const program: Run[] = [];
  const cdk8sOut = path.join(WORK, 'cdk8s-out');
  const apps = path.join(dir, 'apps.yaml');
  for (let i = 0; i < reps; i++) {
    npx.push(run('npx', ['joinkey', 'synth'], { cwd: dir }));
    direct.push(run('node', ['node_modules/.bin/joinkey', 'synth'], { cwd: dir }));
    noops.push(run('npx', ['noop'], { cwd: dir }));
    if (i < 3) {
      cli.push(run('npx', ['cdk8s', 'synth', '--output', cdk8sOut], { env: { JOINKEY_BENCH_APPS: apps } }));
      program.push(run('node', [BASELINE, apps, path.join(WORK, 'baseline-default.yaml')]));
    }
  }
  return { npxJoinkey: stat(npx), npxJoinkeyFirst: first, nodeJoinkey: stat(direct), npxNoop: stat(noops), cdk8sCli: stat(cli), cdk8sProgram: stat(program) };
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function main(): void {
  fs.mkdirSync(WORK, { recursive: true });
  const started = Date.now();
  const load0 = os.loadavg()[0]!;
  for (const n of [...SIZES, ...FIT_SIZES]) fs.writeFileSync(path.join(WORK, `apps-${n}.yaml`), appsYaml(n));
  log(`joinkey bench on ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, load ${load0.toFixed(2)}${TIME ? '' : ' (no /usr/bin/time: no RSS or CPU)'}`);

  log('5 default apps (apps.yaml), cold processes: npx joinkey synth vs npx cdk8s synth');
  const def = benchDefault();

  const results: SizeResult[] = [];
  for (const n of SIZES) {
    log(`${n} apps ...`);
    results.push(benchSize(n));
  }
  const fitPoints: Array<[number, number]> = results.filter((r) => r.baseline).map((r) => [r.apps, r.baseline!.wall]);
  for (const n of FIT_SIZES) {
    log(`baseline at ${n} apps (for the extrapolation) ...`);
    const r = run('node', [BASELINE, path.join(WORK, `apps-${n}.yaml`), path.join(WORK, `baseline-${n}.yaml`)]);
    fs.rmSync(path.join(WORK, `baseline-${n}.yaml`), { force: true });
    fitPoints.push([n, r.wall]);
  }
  const fit = fitPoints.length >= 2 ? powerFit(fitPoints) : undefined;
  for (const r of results) if (!r.baseline && fit) r.baselineExtrapolated = fit.at(r.apps);

  const by = (n: number) => results.find((r) => r.apps === n)!;
  const r1k = by(1000);
  const r10k = by(10000);
  const baseline1k = r1k.baseline!.wall;
  const ratio1k = r1k.synth.wall / baseline1k;
  const scale = r10k.synth.wall / r1k.synth.wall;
  const checkRatio = r10k.check.wall / r10k.synth.wall;
  const goals = [
    `1,000 apps: joinkey ${secs(r1k.synth.wall)} s = 1/${(1 / ratio1k).toFixed(1)} of the one-App cdk8s program's ${secs(baseline1k)} s (goal: at most 1/5): ${verdict(ratio1k <= 0.2)}`,
    `10,000 apps: ${secs(r10k.synth.wall)} s = ${scale.toFixed(1)}x the 1,000-app time (goal: at most 12x): ${verdict(scale <= 12)}; peak RSS ${mib(r10k.synth.rssMiB)} MiB (goal: under 512): ${verdict((r10k.synth.rssMiB ?? Infinity) < 512)}`,
    `5 default apps, cold, \`npx joinkey synth\`: ${secs(def.npxJoinkey.wall)} s (goal: under 0.5 s): ${verdict(def.npxJoinkey.wall < 0.5)}; 1/${(def.cdk8sCli.wall / def.npxJoinkey.wall).toFixed(1)} of \`npx cdk8s synth\` (${secs(def.cdk8sCli.wall)} s) on the same apps.yaml`,
    `\`synth --check\` at 10,000 apps: ${secs(r10k.check.wall)} s = ${checkRatio.toFixed(2)}x synth (goal: at most 1x): ${verdict(checkRatio <= 1)}`,
  ];

  const head = '| apps | joinkey synth (s) | CPU (s) | peak RSS (MiB) | synth --check (s) | one-App cdk8s program (s) | joinkey / cdk8s | x previous size |';
  const rows = results.map((r, i) => {
    const base = r.baseline ? secs(r.baseline.wall) : r.baselineExtrapolated !== undefined
      ? `~${secs(r.baselineExtrapolated)} (extrapolated${r.baselineCappedAt ? `; stopped unfinished at ${r.baselineCappedAt} s` : ''})` : 'n/a';
    const baseWall = r.baseline?.wall ?? r.baselineExtrapolated;
    const ratio = baseWall ? `1/${(baseWall / r.synth.wall).toFixed(1)}` : 'n/a';
    const prev = i ? `${(r.synth.wall / results[i - 1]!.synth.wall).toFixed(1)}x` : '';
    return `| ${r.apps.toLocaleString('en-US')} | ${secs(r.synth.wall)} | ${secs(r.synth.cpu)} | ${mib(r.synth.rssMiB)} | ${secs(r.check.wall)} | ${base} | ${ratio} | ${prev} |`;
  });
  const table = [head, '|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
  const defTable = [
    '| command (5 default apps, cwd = a project with joinkey installed) | wall (s) | CPU (s) | peak RSS (MiB) |',
    '|---|---:|---:|---:|',
    `| \`npx joinkey synth\` | ${secs(def.npxJoinkey.wall)} | ${secs(def.npxJoinkey.cpu)} | ${mib(def.npxJoinkey.rssMiB)} |`,
    `| \`npx joinkey synth\`, very first run | ${secs(def.npxJoinkeyFirst.wall)} | ${secs(def.npxJoinkeyFirst.cpu)} | ${mib(def.npxJoinkeyFirst.rssMiB)} |`,
    `| \`node node_modules/.bin/joinkey synth\` | ${secs(def.nodeJoinkey.wall)} | ${secs(def.nodeJoinkey.cpu)} | ${mib(def.nodeJoinkey.rssMiB)} |`,
    `| \`npx noop\` (npx and node starting an empty script) | ${secs(def.npxNoop.wall)} | ${secs(def.npxNoop.cpu)} | ${mib(def.npxNoop.rssMiB)} |`,
    `| \`npx cdk8s synth\` (cdk8s.yaml: \`node build/bench/cdk8s-app.js\`) | ${secs(def.cdk8sCli.wall)} | ${secs(def.cdk8sCli.cpu)} | ${mib(def.cdk8sCli.rssMiB)} |`,
    `| the same cdk8s program without the CLI | ${secs(def.cdk8sProgram.wall)} | ${secs(def.cdk8sProgram.cpu)} | ${mib(def.cdk8sProgram.rssMiB)} |`,
  ].join('\n');

  log('');
  log(defTable);
  log('');
  log(table);
  log('');
  for (const g of goals) log(`- ${g}`);

  const series: Series[] = [
    { name: 'joinkey synth', points: results.map((r) => [r.apps, r.synth.wall]), color: '#1f77b4' },
    { name: 'joinkey synth --check', points: results.map((r) => [r.apps, r.check.wall]), color: '#2ca02c' },
    { name: 'one-App cdk8s program', points: [...results.filter((r) => r.baseline).map((r): [number, number] => [r.apps, r.baseline!.wall]), ...FIT_SIZES.map((n): [number, number] => [n, fitPoints.find(([m]) => m === n)![1]])].sort((a, b) => a[0] - b[0]), color: '#d62728' },
  ];
  const extra = results.filter((r) => r.baselineExtrapolated !== undefined);
  if (extra.length && fit) {
    const last = series[2]!.points[series[2]!.points.length - 1]!;
    series.push({ name: 'one-App cdk8s program, extrapolated', points: [last, ...extra.map((r): [number, number] => [r.apps, r.baselineExtrapolated!])], color: '#d62728', dashed: true });
  }
  fs.writeFileSync(path.join(BENCH, 'scaling.svg'), scalingSvg(series, 'apps in apps.yaml', 'wall time (s)'));

  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const md = `# joinkey bench results

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}. Load average ${load0.toFixed(2)} at the start and ${os.loadavg()[0]!.toFixed(2)} at the end; the whole run took ${minutes} min.${QUICK ? ' Quick mode: fewer runs.' : ''}

Every number is the wall time of a child process, the median of several runs (joinkey and the baseline alternate, so a busy machine slows both alike); CPU is user + system time; peak RSS is the largest of the runs. Input: \`bench/gen.ts\`, each app with a repo, a namespace, a database with a restart target, a generated secret and a seeded secret. joinkey writes the full output (VSO manifests, OpenTofu, the central files, docs) and replaces an existing output dir, as a re-run does; \`--check\` compares with it. The baseline (\`bench/baseline-cdk8s.ts\`) is one cdk8s App with one Chart per app (a VaultAuth, two VaultStaticSecrets and a VaultDynamicSecret), then \`app.synthYaml()\` to one file.

## Goals (issue 5)

${goals.map((g) => `- ${g}`).join('\n')}

## Scaling

![time against apps, log axes](scaling.svg)

${table}

${extra.length && fit ? `The one-App cdk8s program grows faster than n^2, and at 10,000 apps takes about 9 minutes (538 s measured once on this machine), so by default it runs for ${BASELINE_CAP_S} s and is then stopped, and its time is extrapolated with a power law through the two largest measured sizes (${fitPoints.slice(-2).map(([n]) => n.toLocaleString('en-US')).join(' and ')} apps: t ~ n^${fit.exponent.toFixed(2)}); on two runs the method predicted 473 s and 593 s, against the 538 s measured. \`npm run bench -- --full-baseline\` measures it to the end.\n` : ''}
## Five default apps, cold

${defTable}

\`npx\` resolves \`joinkey\` from the project's \`node_modules/.bin\` (bench/work/consumer links this checkout there); its own start-up is the \`npx noop\` row.
`;
  fs.writeFileSync(path.join(BENCH, 'results.md'), md);
  log(`\nwrote bench/results.md and bench/scaling.svg (${minutes} min)`);
}

main();
