// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * What the domain and the use cases must not import: the AWS SDK, Lambda and middy types, and the
 * outer layers (adapters, the composition root, HTTP, handlers, infrastructure). The patterns use
 * gitignore syntax, where a leading `#` starts a comment: the `#` of a subpath import is escaped.
 */
const innerLayerRestrictions = {
  group: ['@aws-sdk/*', 'aws-lambda', '@middy/*', '@aws-lambda-powertools/*', '\\#shared/adapters/*', '\\#shared/runtime', '\\#shared/http/*', '\\#functions/*', '\\#infra/*', '**/adapters/*'],
  message: 'The domain and use cases reach the outside only through the ports in shared/ports.ts.',
};

export default tseslint.config(
  // test/unit/lint-fixtures/ holds an import cycle on purpose: test/unit/lint.test.ts lints it.
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'dist/', 'coverage/', 'test/unit/lint-fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Modules that import each other load half-initialised and cannot be understood one at a time.
    // Type-only imports are erased at build time, so the rule does not count them.
    plugins: { 'import-x': importX },
    settings: {
      // Without its extensions and parser the plugin skips .ts files, and so never sees a cycle.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Resolves what tsconfig.json does, the package.json `imports` (#shared/*) included.
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Domain and use cases stay free of AWS and Lambda types (docs/architecture.md §2).
    files: ['shared/domain/**', 'shared/use-cases/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [innerLayerRestrictions] }],
    },
  },
  {
    // A focused or skipped test silently shrinks the suite.
    files: ['test/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test'].flatMap((object) =>
          ['only', 'skip', 'todo'].map((property) => ({ object, property, message: 'Every test runs: no .only, .skip or .todo.' })),
        ),
      ],
    },
  },
);
