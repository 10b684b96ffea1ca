import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModel } from '../src/rules';
import { loadModel } from '../src/model';

describe('README', () => {
  it('shows an apps.yaml example that loads and passes the model checks', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');
    const example = /```yaml\n([^]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const { model } = loadModel('README.md', example!);
    expect(model.apps.map((a) => a.name)).toEqual(['plausible', 'webapp']);
    expect(checkModel(model)).toEqual([]);
  });
});
