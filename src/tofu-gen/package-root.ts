import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TofuGenError } from './errors';

/**
 * The directory holding joinkey's package.json, found by walking up from `from`. Works from src/
 * (vitest runs the TypeScript directly) and from the compiled build/src/, which tsc does not copy
 * non-TypeScript files into: templates and schema extracts are read from the package root.
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new TofuGenError(`cannot find joinkey's package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** Where the Handlebars templates live, relative to the package root (listed in package.json "files"). */
export const TEMPLATES_DIR = 'src/tofu-gen/templates';

export function templatesDir(root: string = packageRoot()): string {
  return join(root, TEMPLATES_DIR);
}
