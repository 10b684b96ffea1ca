import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model';
import { renderTree } from '../../src/render';
import { docWithExtraApp, formatArb, printYaml, type AppsDoc } from '../support/arbitraries';
import { propertyParams } from '../support/params';

// Property 3, locality: GIVEN a valid apps.yaml, WHEN one app is added, THEN only that app's files,
// the central files (applications map, databases list, inventory) and the ownership lists change;
// WHEN it is removed again, THEN the earlier output comes back exactly.

const files = (doc: AppsDoc, fmt: Parameters<typeof printYaml>[1]) => {
  const out = new Map<string, string>();
  for (const [repo, fs] of renderTree(loadModel('apps.yaml', printYaml(doc, fmt)).model)) for (const [p, c] of fs) out.set(`${repo}/${p}`, c);
  return out;
};

describe('property 3: locality', () => {
  it('adding an app changes only its own files and the central ones; removing it restores the output', () => {
    fc.assert(
      fc.property(docWithExtraApp(), formatArb, ({ doc, name, app }, fmt) => {
        const before = files(doc, fmt);
        const withApp: AppsDoc = { ...doc, apps: { ...doc.apps, [name]: app } };
        const after = files(withApp, fmt);
        const central = (k: string) =>
          /\/\.joinkey\/files\.json$/.test(k) ||
          k === 'docs/secret-paths.gen.md' ||
          k.endsWith('/applications.gen.auto.tfvars') ||
          k.endsWith('/databases.gen.auto.tfvars');
        // The new app's own files live in its dirs, which joinkey derives from its name.
        const own = (k: string) => k === `docs/apps/${name}.gen.md` || (app.repo !== undefined && k.startsWith(`${app.repo}/`) && k.split('/').includes(name));
        const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
        expect(
          changed.filter((k) => !central(k) && !own(k)),
          printYaml(withApp),
        ).toEqual([]);
        expect([...before.keys()].filter((k) => !after.has(k))).toEqual([]);
        const { [name]: _removed, ...rest } = withApp.apps;
        expect(files({ ...withApp, apps: rest }, fmt)).toEqual(before);
      }),
      propertyParams(30, 1),
    );
  });
});
