import { join } from 'node:path';
import { packageRoot } from '../util/package-root';

/** Where the Handlebars templates live, relative to the package root (listed in package.json "files"). */
export const TEMPLATES_DIR = 'src/tofu-gen/templates';

export function templatesDir(root: string = packageRoot()): string {
  return join(root, TEMPLATES_DIR);
}
