// ESLint flat config: type-aware rules plus the layering zones of LAYOUT.md house rule 1.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureZones = ['router-core/contracts/**/*.ts', 'router-core/routing/**/*.ts', 'router-core/data/**/*.ts'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Pure layers: no I/O, no runtime npm packages, no clock.
    files: pureZones,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'contracts/, routing/ and data/ are pure: no I/O.' },
            { regex: '^[^.]', message: 'contracts/, routing/ and data/ import no runtime npm packages (nor node built-ins).' },
            {
              group: [
                '**/engines/**',
                '**/ledger/**',
                '**/gateway/**',
                '**/host/**',
                '**/server/**',
                '**/cli/**',
                '**/pipeline',
                '**/pipeline/**',
                '**/pipeline.js',
              ],
              message: 'pure layers import only contracts/, data/ and routing/.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'routing is pure: take the clock as an argument.' },
        { name: 'fetch', message: 'no I/O in pure layers.' },
        { name: 'Buffer', message: 'pure layers have no Node globals: take what you need as an argument (see routing-state.ts).' },
        { name: 'process', message: 'pure layers have no Node globals: take what you need as an argument.' },
        { name: 'globalThis', message: 'pure layers reach no globals, not even through globalThis.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'routing is deterministic.' },
        { object: 'Date', property: 'now', message: 'take the clock as an argument.' },
      ],
    },
  },
  {
    // Only the composition root knows concrete engines and stores.
    files: ['router-core/gateway/**/*.ts', 'router-core/pipeline.ts', 'router-core/pipeline/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engines/*', '!**/engines/engine.js', '**/ledger/sqlite*', '**/ledger/postgres*'],
              message: 'only server/wiring.ts knows concrete engines and stores.',
            },
          ],
        },
      ],
    },
  },
  {
    // The desktop shell starts the core as a process (electron/core-process.ts); it never imports core internals.
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)router-core/',
              message: 'electron/ talks to the core over HTTP and process messages only; it imports nothing from router-core/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Renderer (browser): typed by tsconfig.web.json; only type imports from contracts and the shell's IPC contract.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { parserOptions: { projectService: false, project: ['./tsconfig.web.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'renderer/ runs in a browser: no Node built-ins.' },
            {
              regex: 'router-core/(?!contracts/)',
              message: 'renderer/ talks to the core over HTTP only; it may import types from router-core/contracts.',
            },
            {
              regex: 'router-core/contracts/',
              allowTypeImports: true,
              message: 'renderer/ may only `import type` from router-core/contracts.',
            },
            { regex: '(^|/)electron/(?!ipc-contract)', message: 'renderer/ may import only types from electron/ipc-contract.ts.' },
            {
              regex: '(^|/)electron/ipc-contract',
              allowTypeImports: true,
              message: 'renderer/ may only `import type` from electron/ipc-contract.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['tests/**/*.ts', '**/*.test.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
