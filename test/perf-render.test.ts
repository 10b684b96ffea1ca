import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { docFiles, renderDocs } from '../src/docs';
import { loadModel } from '../src/model';
import { appDocPath } from '../src/model/names';
import { contentHash } from '../src/ownership';
import { renderFiles } from '../src/render';
import type { DeclaredObject } from '../src/render/files';
import { appFileIndex, AppFileIndexBuilder, withProvenance, type FileProvenance } from '../src/render/provenance';
import { propertyParams } from './support/params';

/**
 * The render's performance-only changes keep their results: contentHash's memo and one-shot
 * digest, withProvenance's per-array dedupe, the streamed docs and the incremental app index.
 */

const root = path.resolve(__dirname, '..');
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const SCENARIOS = ['apps.yaml', 'test/scenarios/non-defaults.yaml', 'test/scenarios/minimal.yaml'];
const model = (file: string) => loadModel(path.basename(file), fs.readFileSync(path.join(root, file), 'utf8')).model;

describe('contentHash', () => {
  it('GIVEN any sequence of strings and buffers, repeats included THEN each hash is the sha256 of that content', () => {
    const item = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', 'a', 'é', '\u0000', 'x'.repeat(5000)));
    fc.assert(
      fc.property(fc.array(fc.tuple(item, fc.boolean()), { maxLength: 12 }), (seq) => {
        for (const [s, asBuffer] of seq) {
          // Twice in a row (the memo), and as a Buffer (never memoized).
          expect(contentHash(s)).toBe(sha256(s));
          expect(contentHash(s)).toBe(sha256(s));
          if (asBuffer) expect(contentHash(Buffer.from(s))).toBe(sha256(Buffer.from(s)));
        }
      }),
      propertyParams(1202),
    );
  });

  it('GIVEN the empty string first THEN it hashes it (no memo hit on a fresh start)', () => {
    expect(contentHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(contentHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // Equal content in a different string object still hits the same digest.
    expect(contentHash(['a', 'b', 'c'].join(''))).toBe(contentHash('abc'));
  });
});

describe('withProvenance origins', () => {
  /** The rule as first written: every origin keyed by its JSON, first occurrence kept. */
  const reference = (origin: (string | number)[], objects: readonly DeclaredObject[]) => {
    const seen = new Set<string>();
    return [origin, ...objects.map((o) => o.origin)].filter((o) => {
      const k = JSON.stringify(o);
      return !seen.has(k) && !!seen.add(k);
    });
  };

  it('GIVEN objects sharing origin arrays, equal copies, and numbers against strings THEN origins are each distinct path once, in first order', () => {
    const seg = fc.oneof(fc.constantFrom('apps', 'a', 'secrets', '0', 'database'), fc.nat(3));
    fc.assert(
      fc.property(
        fc.array(fc.array(seg, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(10), fc.boolean())),
        (pool, picks) => {
          // An object takes one of the pool's arrays itself, or a copy of it.
          const objects: DeclaredObject[] = picks.map(([i, copy]) => {
            const p = pool[i % pool.length]!;
            return { kind: 'tofu', address: `x.y${i}`, owner: { kind: 'central' }, origin: copy ? [...p] : p };
          });
          const f = withProvenance({ repo: 'r', path: 'p', content: '' }, { kind: 'central' }, pool[0]!, objects);
          expect(f.origins).toEqual(reference(pool[0]!, objects));
          expect(f.objects).toBe(objects);
        },
      ),
      propertyParams(1202),
    );
  });
});

describe('streamed docs and the incremental app index', () => {
  it.each(SCENARIOS)('GIVEN %s THEN docFiles yields what renderDocs returns, and every file index lists the same files', (file) => {
    const m = model(file);
    const files = [...renderFiles(m)];
    const others: FileProvenance[] = files.filter((f) => f.repo !== 'docs');
    const streamed = [...docFiles(m, appFileIndex(others))];
    expect(streamed).toEqual(renderDocs(m, others));
    expect(streamed.map((f) => `${f.repo}/${f.path}`)).toEqual(
      files.filter((f) => f.repo === 'docs' && !f.path.startsWith('.joinkey')).map((f) => `${f.repo}/${f.path}`),
    );
    // The builder, fed file by file and with repeats, answers like one built from the whole set.
    const whole = appFileIndex(files);
    const byOne = new AppFileIndexBuilder();
    for (const f of [...files, ...files.slice(0, 3)]) byOne.add(f);
    for (const app of [...m.apps.map((a) => a.name), 'no-such-app']) {
      expect(byOne.filesOf(app)).toEqual(whole.filesOf(app));
      const refs = whole.filesOf(app).map((r) => `${r.repo}:${r.path}`);
      expect(refs).toEqual([...new Set(refs)].sort());
    }
  });

  it('GIVEN apps.yaml THEN docFiles renders a page only when it is asked for', () => {
    const m = model('apps.yaml');
    const docs = docFiles(m, appFileIndex([]));
    const first = docs.next();
    expect(first.done).toBe(false);
    expect(first.value!.path).toBe('secret-paths.gen.md');
    const pages = [...docs];
    expect(pages.map((p) => p.path)).toEqual(m.apps.map((a) => appDocPath(a.name)));
    pages.forEach((p, i) => expect(p.content).toContain(`\n# ${m.apps[i]!.name}\n`));
  });
});
