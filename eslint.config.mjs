// Lint fails on a broken layer boundary: apps are thin and import platform, contracts and their
// own domain's lib (scope:*); domain libs import only contracts and kernel libs (pure shared arithmetic such as
// the calendar) and no framework; a command app never imports a query app (or any other app).
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const FRAMEWORKS = [
  '@nestjs/*',
  '@apollo/*',
  'typeorm',
  'pg',
  'kafkajs',
  'ioredis',
  'graphql',
  'graphql-ws',
  'express',
  'prom-client',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.nx/**', 'perf/reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest resolvers return promises from decorated methods; the rule below still catches floating ones.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:platform',
                'type:contracts',
                'type:kernel',
                'type:domain',
                'type:testing',
              ],
            },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts'] },
            { sourceTag: 'side:command', notDependOnLibsWithTags: ['side:query'] },
            // A domain's apps and lib use only that domain's lib and the shared ones: what another
            // domain needs of energy's events (what a reading's time means) belongs in contracts.
            ...['energy', 'billing', 'feeds', 'identity', 'gateway', 'payments'].map((scope) => ({
              sourceTag: `scope:${scope}`,
              onlyDependOnLibsWithTags: [
                `scope:${scope}`,
                'type:platform',
                'type:contracts',
                'type:kernel',
                'type:testing',
              ],
            })),
            { sourceTag: 'side:query', notDependOnLibsWithTags: ['side:command'] },
            // Integration specs of platform use the testing helpers; testing itself imports no platform code.
            {
              sourceTag: 'type:platform',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:kernel', 'type:testing'],
            },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:kernel'],
              bannedExternalImports: FRAMEWORKS,
            },
            // Shared pure arithmetic (calendar): depends on nothing, like contracts.
            { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: [], bannedExternalImports: FRAMEWORKS },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], bannedExternalImports: FRAMEWORKS },
          ],
        },
      ],
    },
  },
  {
    // One way to write events (issue #14): an app emits through the platform's EventOutbox, in
    // the transaction of its decision, never by building envelopes or outbox rows itself. Tests
    // and their fixtures fabricate envelopes on purpose.
    files: ['apps/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'apps/*/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@voltstream/platform',
              importNames: ['appendToOutbox', 'newEnvelope'],
              message: 'write events with EventOutbox: one way in every command service',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    // Served to a browser as it is (the gateway's GraphQL IDE): a classic script, no Node globals.
    files: ['**/*.browser.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        FormData: 'readonly',
        URL: 'readonly',
        process: 'off',
        Buffer: 'off',
      },
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    // node:test's describe/it return promises the runner awaits itself.
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  prettier,
);
