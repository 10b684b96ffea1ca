import { describe, expect, test } from 'vitest';
import { checkModel } from '../src/check';
import { secretKeyProblem } from '../src/model/names';
import { HEAD, load, located } from './helpers/check';

const only = (rule: string, y: string) => located(y, checkModel(load(y).model)).filter((l) => l.includes(` ${rule}: `));

describe('secret-key: Kubernetes IsConfigMapKey', () => {
  test.each(['.', '..', '...', '..a', '..-'])('GIVEN key %j THEN refused', (key) => {
    expect(secretKeyProblem(key)).toBe('Kubernetes refuses a key that is "." or "..", or starts with ".."');
  });
  test.each(['a', '.a', 'a.', 'a..b', '-', '_', 'A-b_c.d', 'x'.repeat(253)])('GIVEN key %j THEN accepted', (key) => {
    expect(secretKeyProblem(key)).toBeUndefined();
  });
  test.each([
    ['x'.repeat(254), 'it is longer than 253 characters'],
    ['a/b', 'it may only hold letters, digits, "-", "_" and "."'],
    ['', 'it may only hold letters, digits, "-", "_" and "."'],
  ])('GIVEN key %j THEN %s', (key, why) => {
    expect(secretKeyProblem(key)).toBe(why);
  });

  test('GIVEN "." in keys and ".." in generate THEN each is reported at its list', () => {
    const y = `${HEAD}\napps:\n  web:\n    repo: cms\n    database: false\n    secrets:\n      a: { keys: [ok, "."] }\n      b: { generate: ["..", ".x"] }\n`;
    expect(only('secret-key', y)).toEqual([
      '11:18 error secret-key: secret key "." cannot be a key of Secret web/web-a: Kubernetes refuses a key that is "." or "..", or starts with ".."; rename it, e.g. LICENSE_KEY',
      '12:22 error secret-key: secret key ".." cannot be a key of Secret web/web-b: Kubernetes refuses a key that is "." or "..", or starts with ".."; rename it, e.g. LICENSE_KEY',
    ]);
  });
});

describe('helm-template-patch: the init-container patch is a partial Deployment', () => {
  const app = (manifests: string, urlEnv = true) =>
    `${HEAD}\napps:\n  web:\n    repo: cms\n    manifests: ${manifests}\n    database: { restart: [Deployment/web]${urlEnv ? ', urlEnv: DATABASE_URL' : ''} }\n`;

  test.each(['chart/templates/vso', 'templates/x/y', 'a/templates/b/c'])('GIVEN manifests %s THEN the patch lands under templates/ and is refused', (dir) => {
    const patch = `${dir.split('/').slice(0, -1).join('/')}/add-initcontainer.gen.yaml`;
    expect(only('helm-template-patch', app(dir))).toEqual([
      `9:5 error helm-template-patch: the init-container patch cms:${patch} (a partial Deployment for kustomize) would lie in a Helm templates/ dir, where Helm applies every file as a whole manifest and the partial Deployment fails; move manifests so that its parent dir is not under templates/, e.g. manifests: web/resources`,
    ]);
  });

  test.each(['chart/templates', 'web/resources', 'templates', 'x/templatesy/z'])('GIVEN manifests %s THEN the patch is outside templates/', (dir) => {
    expect(only('helm-template-patch', app(dir))).toEqual([]);
  });

  test('GIVEN no urlEnv THEN there is no patch to refuse', () => {
    expect(only('helm-template-patch', app('chart/templates/vso', false))).toEqual([]);
  });
});
