// Lint for the whole package, run by `npm test` (scripts/test.sh). The type
// checker already runs strict; these rules catch what it does not: unused
// bindings, `any`, and React hooks that break their rules (the one
// `eslint-disable` comment in the theme is about exhaustive-deps).
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'site/**', 'site-vitepress/.vitepress/cache/**', 'site-vitepress/.vitepress/.temp/**', '**/__fixtures__/**', 'test/fixtures/**', 'test-results/**', 'bench/results/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    plugins: {'react-hooks': reactHooks},
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
      // Comments of the `eslint-disable` kind must name a rule that would fire.
    },
    linterOptions: {reportUnusedDisableDirectives: 'error'},
  },
);
