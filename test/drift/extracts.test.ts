import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, test } from 'vitest';
import { replacementTable } from '../../src/live/replacement';
import { loadProviderSchemas, type ProviderSchemas } from '../../src/validate/hcl';

/**
 * Drift checks: every committed extract under schemas/ is exactly what its scripts/extract-*.mjs
 * makes from ../shared. They need ../shared, so they are not part of `npm test` (which runs the
 * same everywhere, ../shared or not): `npm run test:drift` runs them, and .ci/run does whenever
 * ../shared sits beside the clone. Run without it, they fail and say so.
 */

type Json = Record<string, unknown>;
const root = resolve(__dirname, '..', '..');
const sharedDir = resolve(root, '..', 'shared');
const shared = join(sharedDir, 'tofu', 'provider-schemas.json');

interface GiteaScript {
  render: (file?: string) => string;
}
interface CrdScript {
  extract: (dir?: string) => Record<string, unknown>;
}
const load = async <T>(script: string) => (await import(pathToFileURL(join(root, 'scripts', script)).href)) as T;

let schemas: ProviderSchemas;
const table = replacementTable();
beforeAll(() => {
  if (!existsSync(sharedDir)) throw new Error(`the drift checks compare with ../shared, and ${sharedDir} is absent: put the shared folder beside the clone`);
  schemas = loadProviderSchemas();
});

describe('the committed extracts against ../shared', () => {
  it('schemas/gitea-pulls.json is exactly what scripts/extract-gitea-schema.mjs makes from ../shared/gitea/swagger-pulls-subset.json', async () => {
    const { render } = await load<GiteaScript>('extract-gitea-schema.mjs');
    expect(readFileSync(join(root, 'schemas', 'gitea-pulls.json'), 'utf8')).toBe(render(join(sharedDir, 'gitea', 'swagger-pulls-subset.json')));
  });

  it('schemas/vso/ holds exactly what scripts/extract-crd-schemas.mjs makes from ../shared/crds/vso, file for file', async () => {
    const { extract } = await load<CrdScript>('extract-crd-schemas.mjs');
    const made = extract(join(sharedDir, 'crds', 'vso'));
    const dir = join(root, 'schemas', 'vso');
    expect(readdirSync(dir).sort()).toEqual(
      Object.keys(made)
        .map((kind) => `${kind}.json`)
        .sort(),
    );
    for (const [kind, entry] of Object.entries(made)) expect(readFileSync(join(dir, `${kind}.json`), 'utf8'), kind).toBe(`${JSON.stringify(entry, null, 2)}\n`);
  });
});

describe('the committed provider schema extract', () => {
  it('is exactly what scripts/extract-provider-schemas.mjs produces from ../shared/tofu/provider-schemas.json', async () => {
    const script = (await import(pathToFileURL(join(root, 'scripts', 'extract-provider-schemas.mjs')).href)) as { render: (file: string) => string };
    expect(readFileSync(join(root, 'schemas', 'tofu-providers.json'), 'utf8')).toBe(script.render(shared));
  });

  it('keeps every argument and block of the full schemas, with the same required flags', () => {
    const full = JSON.parse(readFileSync(shared, 'utf8')) as { resources: Json; data_sources: Json; provider_blocks: Json };
    type Node = { arguments?: Record<string, { required?: boolean }>; blocks?: Record<string, Node> };
    const flat = (node: Node, at: string, out: string[]) => {
      for (const [n, a] of Object.entries(node.arguments ?? {})) out.push(`${at}.${n}:${a.required === true}`);
      for (const [n, b] of Object.entries(node.blocks ?? {})) flat(b, `${at}.${n}`, out);
      return out.sort();
    };
    for (const [type, node] of Object.entries(full.resources)) expect(flat(schemas.resources[type] as Node, type, [])).toEqual(flat(node as Node, type, []));
    for (const [type, node] of Object.entries(full.data_sources))
      expect(flat(schemas.data_sources[type] as Node, type, [])).toEqual(flat(node as Node, type, []));
    expect(flat(schemas.providers.vault as Node, 'vault', []).sort()).toEqual(
      [
        ...flat(full.provider_blocks.vault as Node, 'vault', []),
        ...flat(full.provider_blocks['vault.auth_login_jwt'] as Node, 'vault.auth_login_jwt', []),
      ].sort(),
    );
  });
});

describe('the committed replacement extract', () => {
  test('is exactly what scripts/extract-replacement.mjs produces from ../shared/tofu', async () => {
    const script = (await import(pathToFileURL(join(root, 'scripts', 'extract-replacement.mjs')).href)) as { render: (dir: string) => string };
    expect(readFileSync(join(root, 'schemas', 'tofu-replacement.json'), 'utf8')).toBe(script.render(join(sharedDir, 'tofu')));
  });

  test('keeps every type, replace_on and in_place list, destroy effect and source of replacement.json', () => {
    const full = JSON.parse(readFileSync(join(sharedDir, 'tofu', 'replacement.json'), 'utf8')) as Record<
      string,
      { replace_on: string[]; in_place: string[]; destroy_effect: string; source: string }
    >;
    expect(Object.keys(table.resources).sort()).toEqual(Object.keys(full).sort());
    for (const [type, entry] of Object.entries(full)) {
      const rules = table.resources[type]!;
      expect([rules.replace_on, rules.in_place, rules.destroy_effect, rules.source]).toEqual([
        entry.replace_on,
        entry.in_place,
        entry.destroy_effect,
        entry.source,
      ]);
    }
  });
});
