// ESLint flat config. `npm run lint` runs it (and `prettier --check .`); docs/testing.md says why
// each choice is here.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import unusedImports from 'eslint-plugin-unused-imports';
import boundaries from './scripts/lint/boundaries.cjs';

const { domainImports, storeImports } = boundaries;

// Set to true once lib/store imports nothing from lib/saga or lib/lambda (issue 21). Today it would fire
// on lib/store/saga-{order,payment,stock}.ts (StepOutcome from lib/saga/steps, being moved in another
// branch) and lib/store/{durability,entity-writes}.ts (`logger` from lib/lambda/observability).
const STORE_BOUNDARY_ENFORCED = true;

export default tseslint.config(
  {
    ignores: ['**/node_modules/', '.esbuild*/', '.serverless/', '**/.serverless/', '.data/', 'coverage/', 'bench-results/', 'test-output/'],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'unused-imports': unusedImports },
    rules: {
      // Promises nobody awaits lose their errors and their ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Unused code: imports are removed by `npm run format` (eslint --fix); other names may start with _.
      '@typescript-eslint/no-unused-vars': 'off',
      'unused-imports/no-unused-imports': 'error',
      'unused-imports/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Off, because they only produce noise here:
      // - the code reads untyped JSON (request bodies, SQS messages, CloudFormation templates, HTTP
      //   replies in tests) and checks its shape at run time; typing every access adds casts, not safety.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // - async without await is how a hook, fake or handler meets an interface that returns a promise
      //   (and turns a throw into a rejection); no-floating-promises covers the real risk.
      '@typescript-eslint/require-await': 'off',
      // - require() is deliberate where it stays: lazy loads, .lua modules, plugins Serverless loads.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Tests put whatever they received into assertion messages, objects included.
  {
    files: ['test/**', 'packages/*/test/**'],
    rules: {
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  // Plain JavaScript (the CommonJS plugins, jest configs): no type information, and require() is their import.
  {
    files: ['**/*.{js,cjs,mjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: globals.node,
    },
  },
  // The operator's page script runs in the browser.
  {
    files: ['scripts/operator/page.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  { files: ['lib/domain/**'], rules: { 'no-restricted-imports': ['error', domainImports] } },
  {
    files: ['lib/store/**'],
    rules: { 'no-restricted-imports': [STORE_BOUNDARY_ENFORCED ? 'error' : 'off', storeImports] },
  },
);
