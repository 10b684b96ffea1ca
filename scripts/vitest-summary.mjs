#!/usr/bin/env node
// Reads vitest's JSON report and prints every test that did not run (skipped, pending or todo)
// by file and full name, then one closing line "vitest: N passed, N failed, N skipped".
// Exits 1 when the report counts a failed test or a failed test file.
// Usage: node scripts/vitest-summary.mjs REPORT.json
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const NOT_RUN = new Set(['skipped', 'pending', 'todo', 'disabled']);

/** `{ lines, failed }` for a parsed vitest JSON report; paths are shown relative to `cwd`. */
export function summarize(report, cwd = process.cwd()) {
  const notRun = [];
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (NOT_RUN.has(test.status)) notRun.push(`  ${test.status}: ${relative(cwd, file.name)} > ${test.fullName}`);
    }
  }
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const lines = [
    ...(notRun.length ? [`tests that did not run (${notRun.length}):`, ...notRun] : ['tests that did not run: none']),
    `vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
  ];
  return { lines, failed: report.numFailedTests > 0 || report.numFailedTestSuites > 0 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let report;
  try {
    report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  } catch (e) {
    process.stderr.write(`vitest-summary: no readable vitest JSON report at ${process.argv[2]} (${e.code ?? e.message}); did vitest start?\n`);
    process.exit(1);
  }
  const { lines, failed } = summarize(report);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(failed ? 1 : 0);
}
