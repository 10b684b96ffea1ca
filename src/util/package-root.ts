import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JoinkeyError } from '../errors';

/**
 * The directory holding joinkey's package.json, found by walking up from `from`. Works from src/
 * (vitest runs the TypeScript directly) and from the compiled build/src/, which tsc does not copy
 * non-TypeScript files into: templates, schema extracts and the version are read from the root.
 * A leaf module, so that every layer (tofu-gen, validate) can use it without importing another.
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new JoinkeyError(`cannot find joinkey's package.json above ${from}; reinstall joinkey`);
    dir = up;
  }
  return dir;
}
