import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerRules } from './layers.config.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layerRules,
  {
    files: ['bin/**/*.js', 'eslint.config.js', 'layers.config.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    // The dashboard page runs in the browser.
    files: ['dashboard/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', location: 'readonly', history: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URLSearchParams: 'readonly' },
    },
  },
);
