// ESLint flat config: typescript-eslint recommended everywhere, plus the folder boundaries of
// STYLE.md (engine imports nothing Node- or UI-side; renderer never imports the backend;
// only electron/main.ts and electron/preload.ts import electron).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'zlib']

/** What no file under shared/ may import: it runs in Node, the renderer and workers alike. */
const sharedPatterns = [
  { group: nodeBuiltins, message: 'shared/ runs anywhere: no Node-only APIs.' },
  { group: ['electron', '**/electron/**'], message: 'shared/ never imports electron/.' },
  { group: ['**/renderer/**', 'react', 'react-dom'], message: 'shared/ never imports UI.' },
]

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.bench/',
      'test/fixtures/generated/',
      '.cache/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use string unions or `as const` objects.' },
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', { patterns: sharedPatterns }],
      'no-console': 'error',
    },
  },
  {
    // The views know the engine only through the contract.
    files: ['shared/view/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...sharedPatterns,
            {
              group: ['**/heap', '**/heap/**', '**/rpc', '**/rpc/**'],
              message: 'shared/view imports only the protocol (shared/protocol*) and itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    // The desktop shell's own files; the backend and the CLI stay free of Electron.
    ignores: [
      'electron/main.ts',
      'electron/preload.ts',
      'electron/backend/engine/utility-process.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron'],
              message:
                'Only main.ts, preload.ts and backend/engine/utility-process.ts import electron.',
            },
            { group: ['**/renderer/**'], message: 'The backend never imports the renderer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/electron/**', 'electron'],
              message: 'The renderer talks only through the protocol.',
            },
            {
              group: ['**/shared/heap/**'],
              message: 'The renderer imports only types from shared/protocol.',
            },
          ],
        },
      ],
    },
  },
  {
    // Fixture programs and the demo are plain CommonJS run by a child `node`.
    files: ['test/fixtures/programs/**/*.cjs', 'test/fixtures/programs/**/*.js', 'demo/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tool configs must default-export.
    files: [
      'eslint.config.js',
      'vitest.config.ts',
      'renderer/vite.config.ts',
      'bin/**/*.mjs',
      'scripts/**/*.mjs',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
