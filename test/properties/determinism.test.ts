import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadUncheckedModel } from '../../src/model';
import { renderTree } from '../../src/render';
import { appsDoc, formatArb, permute, printYaml } from '../support/arbitraries';
import { propertyParams } from '../support/params';

// Property 2, determinism: GIVEN a valid apps.yaml, WHEN its apps, secrets, SAs, consumers and every
// other list or mapping are permuted and it is re-formatted (flow or block, comments, key order,
// quoting), THEN the output is byte-identical.

const flat = (text: string) => [...renderTree(loadUncheckedModel('apps.yaml', text).model)].map(([r, f]) => [r, [...f]]);

describe('property 2: determinism', () => {
  it('permuting lists and mappings and re-formatting the YAML gives byte-identical output', () => {
    fc.assert(
      fc.property(appsDoc({ loose: true }), formatArb, formatArb, fc.integer(), (doc, f1, f2, seed) => {
        expect(flat(printYaml(permute(doc, seed), f2))).toEqual(flat(printYaml(doc, f1)));
      }),
      propertyParams(20, 1),
    );
  });
});
