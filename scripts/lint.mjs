#!/usr/bin/env node
// `npm run lint`: runs the lint:* scripts of package.json (dependency-cruiser, Prettier, ESLint)
// at the same time, prints each one's output whole and in a fixed order with its time, and exits 1
// when any of them failed. Usage: node scripts/lint.mjs
import { spawn } from 'node:child_process';

const STEPS = ['lint:deps', 'lint:format', 'lint:eslint'];

function run(script) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => resolve({ script, code: 1, output: `cannot start npm: ${error.message}\n`, seconds: 0 }));
    child.on('close', (code) => resolve({ script, code: code ?? 1, output: Buffer.concat(output).toString('utf8'), seconds: (Date.now() - started) / 1000 }));
  });
}

const results = await Promise.all(STEPS.map(run));
for (const { script, code, output, seconds } of results) {
  process.stdout.write(`== ${script}: ${code === 0 ? 'ok' : 'FAILED'} (${seconds.toFixed(1)} s)\n${output}`);
  if (output && !output.endsWith('\n')) process.stdout.write('\n');
}
const failed = results.filter((r) => r.code !== 0).map((r) => r.script);
if (failed.length) process.stdout.write(`lint failed: ${failed.join(', ')}\n`);
process.exit(failed.length ? 1 : 0);
