import { parse as parseHcl } from '@cdktn/hcl2json';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkRendered } from '../../src/check/rendered';
import { checkModel } from '../../src/rules';
import { loadModel, loadUncheckedModel } from '../../src/model';
import { renderTree } from '../../src/render';
import type { FileTree, RenderedFile } from '../../src/render/files';
import { formatHclProblem, loadProviderSchemas, validateRenderedFiles, type ProviderSchemas } from '../../src/validate/hcl';
import { ManifestValidator } from '../../src/validate/manifests';
import { appsDoc, formatArb, printYaml } from '../support/arbitraries';
import { propertyParams } from '../support/params';

// Property 1, validity: GIVEN any valid apps.yaml (random apps, names at their length limits, extra
// SAs and namespaces, secrets of both kinds, database on, off and with options, consumers), WHEN it
// is synthesized, THEN synth succeeds, check finds no error, every manifest validates against the
// VSO CRD schemas and every HCL file parses and uses only the providers' arguments.

const files = (tree: FileTree): RenderedFile[] => [...tree].flatMap(([repo, fs]) => [...fs].map(([path, content]) => ({ repo, path, content })));

let schemas: ProviderSchemas;
const manifests = new ManifestValidator();
beforeAll(async () => {
  schemas = loadProviderSchemas();
  await parseHcl('warmup.tf', 'a = 1\n');
});

describe('the generators themselves', () => {
  it('print YAML that reads back as exactly the generated document, in any format', () => {
    fc.assert(
      fc.property(appsDoc({ loose: true }), formatArb, (doc, fmt) => {
        expect(parseYaml(printYaml(doc, fmt), { version: '1.2' })).toEqual(doc);
      }),
      propertyParams(1, 4),
    );
  });

  it('generate documents the loader accepts (strict and loose; the rule layer may question loose ones)', () => {
    fc.assert(
      fc.property(fc.oneof(appsDoc(), appsDoc({ loose: true })), formatArb, (doc, fmt) => {
        const text = printYaml(doc, fmt);
        try {
          loadUncheckedModel('apps.yaml', text);
        } catch (e) {
          throw new Error(`${(e as Error).message}\n--- input ---\n${text}`, { cause: e });
        }
      }),
      propertyParams(2, 2),
    );
  });
});

describe('property 1: validity', () => {
  it('synth succeeds, check finds no error, manifests match the CRDs, HCL parses and uses known arguments', async () => {
    await fc.assert(
      fc.asyncProperty(appsDoc({ maxApps: 4 }), formatArb, async (doc, fmt) => {
        const text = printYaml(doc, fmt);
        const { model } = loadModel('apps.yaml', text);
        const tree = renderTree(model);
        const errors = [...checkModel(model), ...(await checkRendered(model, tree))].filter((f) => f.severity === 'error');
        expect(
          errors.map((f) => `${f.rule}: ${f.message}`),
          text,
        ).toEqual([]);
        const all = files(tree);
        expect(
          manifests.validateFiles(all).map((p) => `${p.file} ${p.object}: ${p.message}`),
          text,
        ).toEqual([]);
        expect((await validateRenderedFiles(all, schemas)).map(formatHclProblem), text).toEqual([]);
        for (const f of all) {
          if (f.path.split('/').includes('templates')) expect(f.content.includes('{{'), `${f.repo}/${f.path}`).toBe(false);
        }
      }),
      propertyParams(3, 0.1),
    );
  });

  it('for loader-valid input that check may question, synth still renders CRD-valid manifests and schema-valid HCL', async () => {
    await fc.assert(
      fc.asyncProperty(appsDoc({ loose: true, maxApps: 4 }), async (doc) => {
        const text = printYaml(doc);
        const { model } = loadUncheckedModel('apps.yaml', text);
        const tree = renderTree(model);
        checkModel(model); // must not throw
        const all = files(tree);
        expect(
          manifests.validateFiles(all).map((p) => `${p.file} ${p.object}: ${p.message}`),
          text,
        ).toEqual([]);
        expect((await validateRenderedFiles(all, schemas)).map(formatHclProblem), text).toEqual([]);
      }),
      propertyParams(4, 0.1),
    );
  });
});
