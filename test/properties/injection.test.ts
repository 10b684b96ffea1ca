import { parse as parseHcl } from '@cdktn/hcl2json';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors';
import { loadModel } from '../../src/model';
import { renderTree } from '../../src/render';
import { printYaml, type AppsDoc } from '../support/arbitraries';
import { propertyParams } from '../support/params';

// Property 6, injection: GIVEN a value holding ", \, ${, %{, a newline, */, {{ or a YAML-special
// string in any field, WHEN apps.yaml is loaded and rendered, THEN it is rejected with positioned
// messages, or every generated file still parses and the value reads back exactly (HCL, YAML); and
// no file under a templates/ dir holds "{{" (Helm would consume it).

const FRAGMENTS = [
  '"',
  '\\',
  '${',
  '%{',
  '}',
  '\n',
  '*/',
  '/*',
  '{{',
  '}}',
  '#',
  ': ',
  '- ',
  "'",
  'true',
  'null',
  '~',
  '&a',
  '*a',
  '!!str',
  'x',
  'a-b',
  'é',
  '\t',
  '$',
  '%',
  '<<',
];
const payload = fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 5 }).map((xs) => xs.join(''));

/** Where a payload goes: each returns a doc with the value placed in one field. */
const PLACES: Record<string, (v: string) => AppsDoc> = {
  appRolesModule: (v) => base({ vault: { appRolesModule: v } }),
  audience: (v) => base({ vault: { audience: v } }),
  connection: (v) => base({ vault: { connection: v } }),
  kvMount: (v) => base({ vault: { mounts: { kv: v } } }),
  bucket: (v) => base({ state: { bucket: v } }),
  pgHost: (v) => base({ postgres: { host: v } }),
  dbName: (v) => base({}, { database: { name: v } }),
  urlEnv: (v) => base({}, { database: { restart: ['Deployment/web'], urlEnv: v } }),
  restart: (v) => base({}, { database: { restart: [`Deployment/${v}`] } }),
  namespace: (v) => base({}, { namespace: v }),
  serviceAccount: (v) => base({}, { serviceAccounts: [v] }),
  opsPolicy: (v) => base({}, { opsPolicies: [v] }),
  secretKey: (v) => base({}, { secrets: { s: { generate: [v] } } }),
  secretKeyWithOptions: (v) => base({}, { secrets: { s: { generate: [{ [v]: { length: 20 } }, 'OTHER'] } } }),
  overrideSpecial: (v) => base({}, { secrets: { s: { generate: [{ K: { overrideSpecial: v } }] } } }),
  overrideSpecialPerKey: (v) => base({}, { secrets: { s: { generate: [{ K: { overrideSpecial: v } }, 'OTHER'] } } }),
  write: (v) => base({}, { writes: [v] }),
  manifests: (v) => base({}, { manifests: `${v}/templates` }),
  consumerRead: (v) => ({ ...base({}), consumers: { c: { serviceAccount: 'a', namespace: 'b', reads: [`web/${v}`] } } }),
  giteaLabel: (v) => base({ gitea: { url: 'https://g.example', labels: [v] } }),
  repoUrl: (v) => ({ ...base({}), repos: { tools: { url: v }, factory: { url: 'ssh://x/f.git' } } }),
};

/** A harmless value each place accepts, for the baseline render; 'zq9' where not given. */
const BASELINE: Record<string, string> = { overrideSpecial: '~', overrideSpecialPerKey: '~' };

function base(top: Partial<AppsDoc>, web: AppsDoc['apps'][string] = {}): AppsDoc {
  return {
    version: 1,
    repos: { tools: { url: 'ssh://x/t.git' }, factory: { url: 'ssh://x/f.git' } },
    ...top,
    apps: { web: { repo: 'tools', manifests: 'chart/templates', secrets: { s: {} }, ...web } },
  };
}

const strings = (v: unknown): string[] =>
  typeof v === 'string'
    ? [v]
    : Array.isArray(v)
      ? v.flatMap(strings)
      : v && typeof v === 'object'
        ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)])
        : [];
/** hcl2json writes a literal "${" as "$${" and "%{" as "%%{". */
const jsonForm = (s: string) => s.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');

beforeAll(async () => {
  await parseHcl('warmup.tf', 'a = 1\n');
});

describe('property 6: injection', () => {
  it('a hostile value is rejected with a position, or reads back exactly from every generated file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(PLACES)), payload, async (place, value) => {
        const text = printYaml(PLACES[place]!(value));
        let tree;
        try {
          tree = renderTree(loadModel('apps.yaml', text).model);
        } catch (e) {
          expect(e, text).toBeInstanceOf(InputError);
          for (const d of (e as InputError).diagnostics) expect(d.message.includes('\n'), d.message).toBe(false);
          return;
        }
        const parsed: string[] = [];
        for (const [repo, files] of tree)
          for (const [p, content] of files) {
            if (p.split('/').includes('templates')) expect(content.includes('{{'), `${repo}/${p}`).toBe(false);
            if (p.endsWith('.tf') || p.endsWith('.tfvars')) parsed.push(...strings(await parseHcl(p, content)).map((s) => s));
            else if (/\.ya?ml$/.test(p))
              for (const d of parseAllDocuments(content)) {
                expect(d.errors, `${repo}/${p}`).toEqual([]);
                parsed.push(...strings(d.toJS()));
              }
          }
        // Only a value that the render shows (and that is not part of the render anyway) must read back.
        const baseline = [...renderTree(loadModel('apps.yaml', printYaml(PLACES[place]!(BASELINE[place] ?? 'zq9'))).model).values()].flatMap((fs) => [
          ...fs.values(),
        ]);
        const rendered =
          !baseline.some((c) => c.includes(value)) &&
          [...tree.values()].some((fs) => [...fs.entries()].some(([p, c]) => !p.endsWith('.md') && !p.endsWith('.json') && c.includes(value)));
        if (rendered)
          expect(
            parsed.some((s) => s.includes(value) || s.includes(jsonForm(value))),
            `${place}: ${JSON.stringify(value)}`,
          ).toBe(true);
      }),
      propertyParams(60, 2),
    );
  });
});
