/**
 * `npm run bench`: times joinkey on generated apps.yaml files of 5, 100, 1,000 and 10,000 apps and
 * prints the ratios of issue 12 (check / synth, a no-op re-synth / synth --check and the files it
 * touched, a full synth / the file system floor, one app changed / synth --check, 10,000 / 1,000
 * apps and peak RSS, five apps cold / Node + cdk8s alone), each with its goal and pass or fail; it
 * also compares joinkey with the straightforward cdk8s program (bench/baseline-cdk8s.ts) as issue
 * 5 did. Writes bench/results.md, bench/scaling.svg and bench/ratios.svg.
 *
 * Every command runs as a child process, as a person would run it; wall time is the median of
 * several runs (the commands alternate, so a busy machine slows all alike); peak RSS comes from
 * /usr/bin/time. Nothing here depends on how the writer works: "touched" compares the inode,
 * mtime, ctime and size of every file under OUT before and after. Work files go to bench/work/.
 *
 *   npm run bench                             # about 10 minutes on 2 cores
 *   npm run bench -- --quick                  # fewer runs, no 10,000-app baseline attempt
 *   npm run bench -- --sizes 5,100,1000       # only these sizes (development)
 *   npm run bench -- --no-baseline            # skip the cdk8s program runs
 *   npm run bench -- --full-baseline          # also run the 10,000-app baseline to the end (~10 min)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appsYaml } from './gen';
import { ratioSvg, scalingSvg, type Ratio, type Series } from './svg';

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH = path.join(ROOT, 'bench');
const WORK = path.join(BENCH, 'work');
const JOINKEY = path.join(ROOT, 'bin', 'joinkey.js');
const BASELINE = path.join(ROOT, 'build', 'bench', 'baseline-cdk8s.js');
const FLOOR = path.join(ROOT, 'build', 'bench', 'floor.js');
const CDK8S_REQUIRE = path.join(ROOT, 'build', 'bench', 'cdk8s-require.js');
const LIVE_PLAN = path.join(ROOT, 'build', 'bench', 'live-plan.js');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const argv = process.argv.slice(2);
const args = new Set(argv);
const QUICK = args.has('--quick');
const FULL_BASELINE = args.has('--full-baseline');
const NO_BASELINE = args.has('--no-baseline');
/** The 10,000-app baseline grows faster than n^2 (~540 s); by default it gets this many seconds, then is extrapolated. */
const BASELINE_CAP_S = FULL_BASELINE ? 3600 : QUICK ? 0 : 60;
const sizesArg = argv[argv.indexOf('--sizes') + 1];
const SIZES =
  argv.includes('--sizes') && sizesArg
    ? sizesArg
        .split(',')
        .map(Number)
        .filter((x) => Number.isInteger(x) && x > 0)
    : [5, 100, 1000, 10000];
/** Extra baseline sizes for the fit that extrapolates the capped 10,000-app baseline. */
const FIT_SIZES = QUICK || NO_BASELINE || !SIZES.includes(10000) ? [] : [2000, 4000];

interface Run {
  readonly wall: number;
  readonly stdout?: string;
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

function run(cmd: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutS?: number; stdout?: boolean } = {}): Run {
  const timeFile = path.join(WORK, 'time.txt');
  fs.rmSync(timeFile, { force: true });
  const [file, fileArgs] = TIME ? [TIME, ['-f', '%U %S %M', '-o', timeFile, cmd, ...argv]] : [cmd, argv];
  const start = process.hrtime.bigint();
  const r = spawnSync(file, fileArgs, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
    timeout: opts.timeoutS ? opts.timeoutS * 1000 : undefined,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const timedOut = r.error !== undefined && 'code' in r.error && r.error.code === 'ETIMEDOUT';
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
  return { wall, cpu, rssMiB, code: r.status, timedOut, ...(opts.stdout ? { stdout: r.stdout.toString() } : {}) };
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
  /** Full synth into an empty OUT: render and write every file. */
  readonly synth: Stat;
  /** Re-synth with the same input, OUT already current. */
  readonly noop: Stat;
  /** Files under OUT whose inode, mtime, ctime or size the no-op re-synth changed, added or removed (largest of the runs). */
  readonly touched: number;
  readonly outFiles: number;
  readonly synthCheck: Stat;
  /** `joinkey check` (no --repos-dir). */
  readonly check: Stat;
  /** Re-synth after one app of the input was edited (OUT current with the unedited input), both ways. */
  readonly oneChanged: Stat;
  /** bench/floor.ts: mkdir + writeFile of the same tree from memory (its own timing, not a process). */
  readonly floor: Stat;
  readonly baseline: Stat | undefined;
  /** Set when the baseline was stopped at the cap; `baseline` then is undefined. */
  readonly baselineCappedAt?: number;
  baselineExtrapolated?: number;
}

/** What a file looks like on disk, for "did the run touch it". */
function fileStates(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(full, r);
      else {
        const st = fs.lstatSync(full, { bigint: true });
        out.set(r, `${st.ino}:${st.mtimeNs}:${st.ctimeNs}:${st.size}`);
      }
    }
  };
  if (fs.existsSync(root)) walk(root, '');
  return out;
}

function touchedFiles(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): number {
  let n = 0;
  for (const [f, st] of after) if (before.get(f) !== st) n++;
  for (const f of before.keys()) if (!after.has(f)) n++;
  return n;
}

/** apps.yaml of n apps with app00000 edited (another namespace and one more secret key). */
function oneAppEdited(text: string): string {
  const edited = text
    .replace(/(\n {2}app00000:\n {4}repo: tools\n {4}namespace: )ns0\n/, '$1ns-edited\n')
    .replace(/(\n {2}app00000:[^]*?config: \{ generate: \[SECRET_KEY)\]/, '$1, SECOND_KEY]');
  if (edited === text || !edited.includes('ns-edited') || !edited.includes('SECOND_KEY'))
    throw new Error('bench: could not edit app00000 in the generated apps.yaml');
  return edited;
}

function benchSize(n: number): SizeResult {
  const config = path.join(WORK, `apps-${n}.yaml`);
  const edited = path.join(WORK, `apps-${n}-edited.yaml`);
  fs.writeFileSync(edited, oneAppEdited(fs.readFileSync(config, 'utf8')));
  const out = path.join(WORK, `dist-${n}`);
  const floorOut = path.join(WORK, `floor-${n}`);
  const baseOut = path.join(WORK, `baseline-${n}.yaml`);
  const synthArgs = (file: string) => [JOINKEY, 'synth', '--config', file, '--out', out];
  const reps = n >= 10000 ? (QUICK ? 1 : 3) : QUICK ? 3 : n >= 1000 ? 5 : 7;
  const baseReps = n >= 10000 || NO_BASELINE ? 0 : QUICK ? 1 : 3;
  const runs = {
    synth: [] as Run[],
    noop: [] as Run[],
    synthCheck: [] as Run[],
    check: [] as Run[],
    oneChanged: [] as Run[],
    floor: [] as Run[],
    baseline: [] as Run[],
  };
  let touched = 0;
  let outFiles = 0;
  for (let i = 0; i < reps; i++) {
    fs.rmSync(out, { recursive: true, force: true });
    runs.synth.push(run('node', synthArgs(config)));
    const before = fileStates(out);
    runs.noop.push(run('node', synthArgs(config)));
    const after = fileStates(out);
    touched = Math.max(touched, touchedFiles(before, after));
    outFiles = after.size;
    runs.synthCheck.push(run('node', [...synthArgs(config), '--check']));
    runs.check.push(run('node', [JOINKEY, 'check', '--config', config]));
    runs.oneChanged.push(run('node', synthArgs(edited)));
    if (!(QUICK && n >= 10000)) runs.oneChanged.push(run('node', synthArgs(config))); // and back: also one app edited
    fs.rmSync(floorOut, { recursive: true, force: true });
    const floor = run('node', [FLOOR, out, floorOut], { stdout: true });
    runs.floor.push({ ...floor, wall: (JSON.parse(floor.stdout!) as { seconds: number }).seconds });
    fs.rmSync(floorOut, { recursive: true, force: true });
    if (i < baseReps) runs.baseline.push(run('node', [BASELINE, config, baseOut]));
  }
  let baselineCappedAt: number | undefined;
  if (n >= 10000 && BASELINE_CAP_S > 0 && !NO_BASELINE) {
    log(`  baseline at ${n} apps: running, stopped after ${BASELINE_CAP_S} s`);
    const r = run('node', [BASELINE, config, baseOut], { timeoutS: BASELINE_CAP_S });
    if (r.timedOut) baselineCappedAt = BASELINE_CAP_S;
    else runs.baseline.push(r);
  }
  fs.rmSync(baseOut, { force: true });
  return {
    apps: n,
    synth: stat(runs.synth),
    noop: stat(runs.noop),
    touched,
    outFiles,
    synthCheck: stat(runs.synthCheck),
    check: stat(runs.check),
    oneChanged: stat(runs.oneChanged),
    floor: stat(runs.floor),
    baseline: runs.baseline.length ? stat(runs.baseline) : undefined,
    ...(baselineCappedAt ? { baselineCappedAt } : {}),
  };
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
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'bench-consumer', private: true, devDependencies: { joinkey: 'file:../../..' } }, null, 2)}\n`,
  );
  const link = (target: string, at: string) => {
    fs.rmSync(at, { force: true });
    fs.symlinkSync(target, at);
  };
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
  readonly cdk8sCli: Stat | undefined;
  readonly cdk8sProgram: Stat | undefined;
  /** node + require('cdk8s') + the imports/ constructs, then exit. */
  readonly cdk8sRequire: Stat;
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
  const requireOnly: Run[] = [];
  const cdk8sOut = path.join(WORK, 'cdk8s-out');
  const apps = path.join(dir, 'apps.yaml');
  for (let i = 0; i < reps; i++) {
    npx.push(run('npx', ['joinkey', 'synth'], { cwd: dir }));
    direct.push(run('node', ['node_modules/.bin/joinkey', 'synth'], { cwd: dir }));
    noops.push(run('npx', ['noop'], { cwd: dir }));
    requireOnly.push(run('node', [CDK8S_REQUIRE], { cwd: dir }));
    if (i < 3 && !NO_BASELINE) {
      cli.push(run('npx', ['cdk8s', 'synth', '--output', cdk8sOut], { env: { JOINKEY_BENCH_APPS: apps } }));
      program.push(run('node', [BASELINE, apps, path.join(WORK, 'baseline-default.yaml')]));
    }
  }
  return {
    npxJoinkey: stat(npx),
    npxJoinkeyFirst: first,
    nodeJoinkey: stat(direct),
    npxNoop: stat(noops),
    cdk8sCli: cli.length ? stat(cli) : undefined,
    cdk8sProgram: program.length ? stat(program) : undefined,
    cdk8sRequire: stat(requireOnly),
  };
}

/** One line of bench/live-plan.ts --json: the change plan between two renders against synth's render, in-process. */
interface PlanResult {
  readonly apps: number;
  readonly synthMs: number;
  readonly synthRssMiB: number;
  readonly planMs: number;
  readonly planRssMiB: number;
  readonly ratio: number;
  readonly effects: number;
  readonly stateful: number;
}

/** The change plan's cost (issue 9) at the sizes of this run that are 1,000 apps or more. */
function benchPlan(sizes: readonly number[]): PlanResult[] {
  const at = sizes.filter((n) => n >= 1000);
  if (!at.length) return [];
  const r = run('node', [LIVE_PLAN, '--json', ...at.map(String)], { stdout: true });
  return r
    .stdout!.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PlanResult);
}

const fmtApps = (n: number) => n.toLocaleString('en-US');

/** The ratios of issue 12 that this run could measure, each with its goal. */
function ratios(results: readonly SizeResult[], def: DefaultResult, plans: readonly PlanResult[]): Ratio[] {
  const out: Ratio[] = [];
  const by = (n: number) => results.find((r) => r.apps === n);
  for (const n of [1000, 10000]) {
    const r = by(n);
    if (!r) continue;
    const at = `${fmtApps(n)} apps`;
    out.push({ name: '`check` / synth (empty OUT)', at, a: r.check.wall, b: r.synth.wall, goal: 2 });
    out.push({
      name: 'no-op re-synth / `synth --check`',
      at,
      a: r.noop.wall,
      b: r.synthCheck.wall,
      goal: 1.2,
      note: `files touched: ${fmtApps(r.touched)} of ${fmtApps(r.outFiles)}`,
    });
    out.push({ name: 'full synth (empty OUT) / floor (mkdir + writeFile from memory)', at, a: r.synth.wall, b: r.floor.wall, goal: 1.3 });
    out.push({ name: 'one app changed / `synth --check`', at, a: r.oneChanged.wall, b: r.synthCheck.wall });
  }
  const [k1, k10] = [by(1000), by(10000)];
  if (k1 && k10)
    out.push({
      name: 'synth (empty OUT): 10,000 apps / 1,000 apps',
      at: '',
      a: k10.synth.wall,
      b: k1.synth.wall,
      goal: 12,
      note: `peak RSS at 10,000: ${mib(peakSynthRss(k10))} MiB (goal <= 512): ${(peakSynthRss(k10) ?? Infinity) <= 512 ? 'pass' : 'FAIL'}`,
    });
  for (const p of plans) {
    out.push({
      name: 'change plan (liveChangePlan) / render (loadModel + renderTree)',
      at: `${fmtApps(p.apps)} apps`,
      a: p.planMs / 1000,
      b: p.synthMs / 1000,
      note: `peak RSS ${p.planRssMiB} MiB against ${p.synthRssMiB} MiB`,
    });
  }
  out.push({
    name: 'five apps cold (`node …/joinkey synth`) / node + cdk8s alone',
    at: '5 apps',
    a: def.nodeJoinkey.wall,
    b: def.cdk8sRequire.wall,
    goal: 1.5,
  });
  return out;
}

function peakSynthRss(r: SizeResult): number | undefined {
  const all = [r.synth.rssMiB, r.noop.rssMiB, r.oneChanged.rssMiB].filter((x): x is number => x !== undefined);
  return all.length ? Math.max(...all) : undefined;
}

const ratioValue = (r: Ratio) => r.a / r.b;
const passes = (r: Ratio) => r.goal === undefined || ratioValue(r) <= r.goal;

function ratioTable(rs: readonly Ratio[]): string {
  return [
    '| ratio | at | measured | goal | result |',
    '|---|---:|---:|---:|---|',
    ...rs.map(
      (r) =>
        `| ${r.name} | ${r.at} | ${ratioValue(r).toFixed(2)}x (${secs(r.a)} s / ${secs(r.b)} s) | ${r.goal === undefined ? 'none' : `<= ${r.goal}x`} | ${r.goal === undefined ? 'n/a' : passes(r) ? 'pass' : 'FAIL'}${r.note ? `; ${r.note}` : ''} |`,
    ),
  ].join('\n');
}

function main(): void {
  fs.mkdirSync(WORK, { recursive: true });
  const started = Date.now();
  const load0 = os.loadavg()[0]!;
  for (const n of [...SIZES, ...FIT_SIZES]) fs.writeFileSync(path.join(WORK, `apps-${n}.yaml`), appsYaml(n));
  log(
    `joinkey bench on ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, load ${load0.toFixed(2)}${TIME ? '' : ' (no /usr/bin/time: no RSS or CPU)'}`,
  );

  log('5 default apps (apps.yaml), cold processes');
  const def = benchDefault();

  const results: SizeResult[] = [];
  for (const n of SIZES) {
    log(`${fmtApps(n)} apps ...`);
    results.push(benchSize(n));
  }
  log('change plan (bench/live-plan.ts) ...');
  const plans = benchPlan(SIZES);
  const fitPoints: Array<[number, number]> = results.filter((r) => r.baseline).map((r) => [r.apps, r.baseline!.wall]);
  for (const n of FIT_SIZES) {
    log(`baseline at ${fmtApps(n)} apps (for the extrapolation) ...`);
    const r = run('node', [BASELINE, path.join(WORK, `apps-${n}.yaml`), path.join(WORK, `baseline-${n}.yaml`)]);
    fs.rmSync(path.join(WORK, `baseline-${n}.yaml`), { force: true });
    fitPoints.push([n, r.wall]);
  }
  const fit = FIT_SIZES.length && fitPoints.length >= 2 && results.some((r) => !r.baseline) ? powerFit(fitPoints) : undefined; // only through 2,000 and 4,000: 100 and 1,000 predict far too little
  for (const r of results) if (!r.baseline && fit && !NO_BASELINE) r.baselineExtrapolated = fit.at(r.apps);

  const rs = ratios(results, def, plans);
  const goals = ratioTable(rs);

  const head =
    '| apps | synth, empty OUT (s) | CPU (s) | peak RSS (MiB) | no-op re-synth (s) | files touched | synth --check (s) | check (s) | check RSS (MiB) | one app changed (s) | floor (s) | one-App cdk8s program (s) | synth / cdk8s | x previous size |';
  const rows = results.map((r, i) => {
    const base = r.baseline
      ? secs(r.baseline.wall)
      : r.baselineExtrapolated !== undefined
        ? `~${secs(r.baselineExtrapolated)} (extrapolated${r.baselineCappedAt ? `; stopped unfinished at ${r.baselineCappedAt} s` : ''})`
        : 'n/a';
    const baseWall = r.baseline?.wall ?? r.baselineExtrapolated;
    const ratio = baseWall ? `1/${(baseWall / r.synth.wall).toFixed(1)}` : 'n/a';
    const prev = i ? `${(r.synth.wall / results[i - 1]!.synth.wall).toFixed(1)}x` : '';
    return `| ${fmtApps(r.apps)} | ${secs(r.synth.wall)} | ${secs(r.synth.cpu)} | ${mib(r.synth.rssMiB)} | ${secs(r.noop.wall)} | ${fmtApps(r.touched)} of ${fmtApps(r.outFiles)} | ${secs(r.synthCheck.wall)} | ${secs(r.check.wall)} | ${mib(r.check.rssMiB)} | ${secs(r.oneChanged.wall)} | ${secs(r.floor.wall)} | ${base} | ${ratio} | ${prev} |`;
  });
  const table = [head, `|${'---:|'.repeat(14)}`, ...rows].join('\n');
  const opt = (label: string, st: Stat | undefined) => (st ? [`| ${label} | ${secs(st.wall)} | ${secs(st.cpu)} | ${mib(st.rssMiB)} |`] : []);
  const defTable = [
    '| command (5 default apps, cwd = a project with joinkey installed) | wall (s) | CPU (s) | peak RSS (MiB) |',
    '|---|---:|---:|---:|',
    ...opt('`npx joinkey synth`', def.npxJoinkey),
    `| \`npx joinkey synth\`, very first run | ${secs(def.npxJoinkeyFirst.wall)} | ${secs(def.npxJoinkeyFirst.cpu)} | ${mib(def.npxJoinkeyFirst.rssMiB)} |`,
    ...opt('`node node_modules/.bin/joinkey synth`', def.nodeJoinkey),
    ...opt('`npx noop` (npx and node starting an empty script)', def.npxNoop),
    ...opt('`node build/bench/cdk8s-require.js` (node + cdk8s + imports/, then exit)', def.cdk8sRequire),
    ...opt('`npx cdk8s synth` (cdk8s.yaml: `node build/bench/cdk8s-app.js`)', def.cdk8sCli),
    ...opt('the same cdk8s program without the CLI', def.cdk8sProgram),
  ].join('\n');

  log('');
  log(defTable);
  log('');
  log(table);
  log('');
  log(goals);

  const series: Series[] = [
    { name: 'synth, empty OUT', points: results.map((r) => [r.apps, r.synth.wall]), color: '#1f77b4' },
    { name: 'no-op re-synth', points: results.map((r) => [r.apps, r.noop.wall]), color: '#9467bd' },
    { name: 'synth --check', points: results.map((r) => [r.apps, r.synthCheck.wall]), color: '#2ca02c' },
    { name: 'check', points: results.map((r) => [r.apps, r.check.wall]), color: '#ff7f0e' },
    { name: 'floor (mkdir + writeFile)', points: results.map((r) => [r.apps, r.floor.wall]), color: '#7f7f7f' },
  ];
  const basePoints = [
    ...results.filter((r) => r.baseline).map((r): [number, number] => [r.apps, r.baseline!.wall]),
    ...FIT_SIZES.map((n): [number, number] => [n, fitPoints.find(([m]) => m === n)![1]]),
  ].sort((a, b) => a[0] - b[0]);
  if (basePoints.length) series.push({ name: 'one-App cdk8s program', points: basePoints, color: '#d62728' });
  const extra = results.filter((r) => r.baselineExtrapolated !== undefined);
  if (extra.length && fit && basePoints.length) {
    series.push({
      name: 'one-App cdk8s program, extrapolated',
      points: [basePoints[basePoints.length - 1]!, ...extra.map((r): [number, number] => [r.apps, r.baselineExtrapolated!])],
      color: '#d62728',
      dashed: true,
    });
  }
  fs.writeFileSync(path.join(BENCH, 'scaling.svg'), scalingSvg(series, 'apps in apps.yaml', 'wall time (s)'));
  fs.writeFileSync(path.join(BENCH, 'ratios.svg'), ratioSvg(rs.map((r) => ({ ...r, name: `${r.name.replace(/`/g, '')}${r.at ? ` (${r.at})` : ''}` }))));

  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  const md = `# joinkey bench results

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}. Load average ${load0.toFixed(2)} at the start and ${os.loadavg()[0]!.toFixed(2)} at the end; the whole run took ${minutes} min.${QUICK ? ' Quick mode: fewer runs.' : ''}${SIZES.join(',') !== '5,100,1000,10000' ? ` Sizes: ${SIZES.map(fmtApps).join(', ')} only.` : ''}

Every number is the wall time of a child process, the median of several runs (the commands alternate, so a busy machine slows all alike), except the floor, which is bench/floor.ts's own timing of mkdir + writeFile of the same tree from memory; CPU is user + system time; peak RSS is the largest of the runs. Input: \`bench/gen.ts\`, each app with a repo, a namespace, a database with a restart target, a generated secret and a seeded secret. "synth, empty OUT" renders and writes everything into a removed OUT; "no-op re-synth" runs synth again on the same input; "files touched" counts the files under OUT whose inode, mtime, ctime or size that run changed, plus files added or removed; "one app changed" re-synths after app00000 gets another namespace and one more generated key (and back); \`check\` is \`joinkey check --config\` without \`--repos-dir\`. The baseline (\`bench/baseline-cdk8s.ts\`) is one cdk8s App with one Chart per app (a VaultAuth, two VaultStaticSecrets and a VaultDynamicSecret), then \`app.synthYaml()\` to one file.

## Ratios (issue 12)

![each ratio against its goal](ratios.svg)

${goals}

## Scaling

![time against apps, log axes](scaling.svg)

${table}

${
  extra.length && fit
    ? `The one-App cdk8s program grows faster than n^2, and at 10,000 apps takes about 9 minutes (538 s measured once on this machine), so by default it runs for ${BASELINE_CAP_S} s and is then stopped, and its time is extrapolated with a power law through the two largest measured sizes (${fitPoints
        .slice(-2)
        .map(([n]) => fmtApps(n))
        .join(
          ' and ',
        )} apps: t ~ n^${fit.exponent.toFixed(2)}); on two runs the method predicted 473 s and 593 s, against the 538 s measured. \`npm run bench -- --full-baseline\` measures it to the end.\n`
    : ''
}
${
  plans.length
    ? `## Change plan (issue 9)

\`bench/live-plan.ts\`: for n apps, the base branches are the render of n apps laid over test/fixtures/platform; the new render drops one app and changes one generated secret's length. "render" is loadModel + renderTree of the n-app apps.yaml in a process of its own (what synth computes, without writing); "change plan" is liveChangePlan(before, after) alone, in another process (the inventories of both states, the expansion of every module and the plan).

| apps | render (s) | peak RSS (MiB) | change plan (s) | peak RSS (MiB) | plan / render | effects | stateful |
|---:|---:|---:|---:|---:|---:|---:|---:|
${plans.map((p) => `| ${fmtApps(p.apps)} | ${secs(p.synthMs / 1000)} | ${p.synthRssMiB} | ${secs(p.planMs / 1000)} | ${p.planRssMiB} | ${p.ratio.toFixed(2)}x | ${p.effects} | ${p.stateful} |`).join('\n')}

`
    : ''
}## Five default apps, cold

${defTable}

\`npx\` resolves \`joinkey\` from the project's \`node_modules/.bin\` (bench/work/consumer links this checkout there); its own start-up is the \`npx noop\` row.
`;
  fs.writeFileSync(path.join(BENCH, 'results.md'), md);
  log(`\nwrote bench/results.md, bench/scaling.svg and bench/ratios.svg (${minutes} min)`);
}

main();
