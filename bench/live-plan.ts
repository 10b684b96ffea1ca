/**
 * The change plan's cost (issue 9: "Put the change plan's cost on the bench at 1,000 and 10,000
 * apps"). For n apps from bench/gen.ts, the base branches are the render of n apps laid over
 * test/fixtures/platform (the hand-written central Vault and PostgreSQL projects), and the new
 * render drops one app and changes one generated secret's length. Each measurement runs in a
 * child process of its own, so its peak RSS is its own:
 *
 * - `synth`: loadModel + renderTree of the n-app apps.yaml (what `joinkey synth` computes);
 * - `plan`: liveChangePlan(before, after) alone (the two input renders are made first and not timed).
 *
 * The ratio plan / synth comes from one run of this script.
 *
 *   node build/bench/live-plan.js                 # 1,000 apps
 *   node build/bench/live-plan.js 1000 10000      # the sizes given
 *   node build/bench/live-plan.js --json 1000     # one JSON line per size (for bench/run.ts)
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { publishedTrees, hcl2jsonParser } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { appDirectory, liveChangePlan } from '../src/live';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';
import { appName, appsYaml } from './gen';

const ROOT = path.resolve(__dirname, '..', '..');

interface Measure {
  readonly ms: number;
  readonly rssMiB: number;
  readonly detail?: Readonly<Record<string, number>>;
}

/** The edited input: app 0 removed, app 1's generated secret 48 characters long. */
export function editedAppsYaml(n: number): string {
  const text = appsYaml(n);
  const lines = text.split('\n');
  const first = lines.indexOf(`  ${appName(0)}:`);
  const next = lines.findIndex((l, i) => i > first && /^ {2}\S/.test(l));
  lines.splice(first, next - first);
  const edited = lines.join('\n').replace(new RegExp(`(  ${appName(1)}:[\\s\\S]*?config: \\{ generate: \\[SECRET_KEY\\])( \\})`), '$1, length: 48$2');
  if (edited === lines.join('\n')) throw new Error('bench/gen.ts changed: the secret of app 1 was not found');
  return edited;
}

async function phase(which: string, n: number): Promise<Measure> {
  const text = appsYaml(n);
  if (which === 'synth') {
    const start = process.hrtime.bigint();
    renderTree(loadModel('apps.yaml', text).model);
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, rssMiB: process.resourceUsage().maxRSS / 1024 };
  }
  const m1 = loadModel('apps.yaml', text).model;
  const m2 = loadModel('apps.yaml', editedAppsYaml(n)).model;
  const fixture = readReposDir(path.join(ROOT, 'test', 'fixtures', 'platform'), ['tools', 'factory']);
  const before = publishedTrees(fixture, renderTree(m1));
  const after = publishedTrees(before, renderTree(m2));
  const start = process.hrtime.bigint();
  const plan = await liveChangePlan(before, after, { parser: hcl2jsonParser(), apps: appDirectory(m1, m2), deployedApps: m2.apps.map((a) => a.name) });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, rssMiB: process.resourceUsage().maxRSS / 1024, detail: { effects: plan.effects.length, stateful: plan.stateful.length } };
}

function measure(which: string, n: number): Measure {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', __filename, '--phase', which, String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${which} ${n} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Measure;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--phase') {
    process.stdout.write(`${JSON.stringify(await phase(argv[1]!, Number(argv[2])))}\n`);
    return;
  }
  const json = argv.includes('--json');
  const sizes = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  for (const n of sizes.length ? sizes : [1000]) {
    const synth = measure('synth', n);
    const plan = measure('plan', n);
    const row = {
      apps: n,
      synthMs: Math.round(synth.ms),
      synthRssMiB: Math.round(synth.rssMiB),
      planMs: Math.round(plan.ms),
      planRssMiB: Math.round(plan.rssMiB),
      ratio: Number((plan.ms / synth.ms).toFixed(2)),
      effects: plan.detail?.effects ?? 0,
      stateful: plan.detail?.stateful ?? 0,
    };
    if (json) process.stdout.write(`${JSON.stringify(row)}\n`);
    else
      process.stdout.write(
        `${n} apps: synth ${row.synthMs} ms (peak RSS ${row.synthRssMiB} MiB), change plan ${row.planMs} ms (peak RSS ${row.planRssMiB} MiB), plan/synth ${row.ratio}x; ${row.effects} effects, ${row.stateful} stateful\n`,
      );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(70);
  });
}
