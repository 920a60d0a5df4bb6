import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Each top-level folder exposes one index.ts (plus optional protocol/ and codec/ barrels);
// code in another folder must import through those, never reach into internals.
const folders = ['src', 'stun-server', 'relay', 'client-sdk'];
const barrels = ['index.js', 'protocol/index.js', 'codec/index.js', 'runtime/index.js', 'testing/index.js'];
const throughIndexOnly = folders.map((folder) => ({
  regex: `(^|/)${folder}/(?!(${barrels.map((b) => b.replaceAll('.', '\\.')).join('|')})$)`,
  message: `Import ${folder}/ through its index.ts (or its protocol/, codec/, runtime/ barrel).`,
}));

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
  {
    files: ['src/**/*.ts', 'stun-server/**/*.ts', 'relay/**/*.ts', 'client-sdk/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: throughIndexOnly }],
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
