// ESLint (flat config): typescript-eslint's type-checked recommended rules on the TypeScript, the
// JavaScript recommended rules on the scripts. Formatting is Prettier's job, layering
// dependency-cruiser's (.dependency-cruiser.cjs); `npm run lint` runs all three.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What Node gives a script without an import (no globals package is installed). */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setImmediate',
    'structuredClone',
    'fetch',
    '__dirname',
    '__filename',
    'require',
    'module',
    'exports',
  ].map((g) => [g, 'readonly']),
);

export default defineConfig(
  {
    ignores: ['build/', 'dist/', 'coverage/', 'bench/work/', '.joinkey-cache/', 'imports/', 'test/corpus/', 'test/golden/', 'test/scenarios/'],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring a key away, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Every command is a `Command` (async by signature), whether or not it awaits anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests take rendered YAML, HCL and JSON apart as untyped data and assert on it: the no-unsafe-*
    // family would only demand casts that prove nothing the assertions do not.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Messages in assertions may show a list as it is.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true, allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
