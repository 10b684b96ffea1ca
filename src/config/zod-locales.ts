import Module, { createRequire } from 'node:module';

/**
 * Every entry of zod 4 (`zod`, `zod/mini`, `zod/v4/core`) requires its locales index, which loads
 * all ~50 locales: ~30 ms of a five-app synth (bench/NOTES.md). joinkey's messages are the English
 * ones, which zod sets from `locales/en.cjs` directly, so the index goes into the require cache as
 * a module that loads the real one the first time anything reads it (`z.locales.de`, `zod/locales`).
 * Importing this module before zod is all it takes (src/config/zod.ts); the exports and messages
 * are zod's own.
 */
const load = createRequire(__filename);
const LOCALES_INDEX = load.resolve('zod/v4/locales/index.cjs');

function deferZodLocales(): void {
  if (load.cache[LOCALES_INDEX]) return;
  let real: object | undefined;
  const locales = (): object => {
    if (!real) {
      delete load.cache[LOCALES_INDEX];
      real = load(LOCALES_INDEX) as object;
    }
    return real;
  };
  const deferred = new Module(LOCALES_INDEX);
  deferred.filename = LOCALES_INDEX;
  deferred.loaded = true;
  deferred.exports = new Proxy(
    {},
    {
      // `__esModule` is what zod's `__importStar` asks when it requires the index: answer without loading.
      get: (_, key): unknown => (key === '__esModule' ? true : Reflect.get(locales(), key)),
      has: (_, key) => Reflect.has(locales(), key),
      ownKeys: () => Reflect.ownKeys(locales()),
      getOwnPropertyDescriptor: (_, key) => {
        const own = Reflect.getOwnPropertyDescriptor(locales(), key);
        // A proxy may report a property its (empty) target lacks only as configurable.
        return own && { ...own, configurable: true };
      },
    },
  );
  load.cache[LOCALES_INDEX] = deferred;
}

deferZodLocales();
