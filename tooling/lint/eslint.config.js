// ESLint for the whole repository: typescript-eslint with type information (projectService reads each package's
// tsconfig). It runs with this folder's TypeScript 5.9 (the repository builds with TypeScript 7, which has no
// compiler API for tools). `node tooling/lint/check.mjs` runs it from the repository root together with Prettier.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default tseslint.config(
  {
    basePath: root,
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'bench/**', '**/*.js', '**/*.mjs', '**/*.cjs', '**/assets/**', 'fixtures/**'],
  },
  {
    basePath: root,
    files: ['packages/*/src/**/*.ts', 'plugins/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'tooling/test-utils/src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-console': 'error',
    },
  },
);
