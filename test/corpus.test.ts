import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outcomeProblems, runCli, tempDir } from './support/cli-run';

// The bad-input corpus: GIVEN test/corpus/<name>.yaml, WHEN `joinkey synth --config <name>.yaml`
// runs, THEN it exits 1, writes nothing, and prints exactly the diagnostic lines of
// <name>.expected (FILE:LINE:COL: message, in order). Every bug the properties found is a case.

const dir = path.join(__dirname, 'corpus');
const cases = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('the bad-input corpus', () => {
  it('has an .expected file for every case', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const f of cases) expect(fs.existsSync(path.join(dir, f.replace(/\.yaml$/, '.expected'))), f).toBe(true);
  });

  it.each(cases)('%s', async (file) => {
    const expected = fs
      .readFileSync(path.join(dir, file.replace(/\.yaml$/, '.expected')), 'utf8')
      .split('\n')
      .filter(Boolean);
    const out = path.join(tempDir('corpus'), 'out');
    const r = await runCli(['synth', '--config', file, '--out', out], dir);
    expect(outcomeProblems(r, file)).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`))).toEqual(expected);
    expect(fs.existsSync(out)).toBe(false);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
