// ESLint: typescript-eslint's type-checked rules, an import-cycle rule and the module boundaries of
// docs/architecture.md (a module is entered only through its index.ts; modules never import flows;
// infra imports no module), so the shape is kept by a tool, not by memory. Formatting is Prettier's.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';

/** Another module's files other than its index.ts, seen from inside a module or a flow. */
const internalsMessage = 'Import another module only through its index.ts (docs/architecture.md, "Layers").';
/** From a file of `src/modules/<a>/`: a sibling module's files other than its index.ts. */
const moduleInternals = { regex: '^\\.\\./[\\w-]+/(?!index\\.js$)[^/]+$', message: internalsMessage };
/** The same, but another module's table file is allowed (for a foreign key). */
const moduleInternalsButTables = { regex: '^\\.\\./[\\w-]+/(?!index\\.js$)(?![\\w.-]+\\.tables\\.js$)[^/]+$', message: internalsMessage };
/** From a file of `src/flows/`: a module's files other than its index.ts. */
const moduleInternalsFromFlows = { regex: '^\\.\\./modules/[\\w-]+/(?!index\\.js$)[^/]+$', message: internalsMessage };
const flowsFromModules = { regex: '^(\\.\\./)+flows/', message: 'Modules never import flows: a flow sits above the modules it joins.' };
const modulesFromInfra = { regex: '^(\\.\\./)+modules/', message: 'infra is below every module and imports none.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'db/migrations/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  importX.flatConfigs.typescript,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      // It disagrees with tsc here (it removed casts tsc needs: a branded context, a narrowed `let`,
      // csv-parse's result): the compiler is the judge of what a cast is for.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Fastify plugins and route handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/modules/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [moduleInternals, flowsFromModules] }] },
  },
  {
    // drizzle-kit loads every table file, and a foreign key names the other table: a *.tables.ts
    // may import another module's *.tables.ts (and only that).
    files: ['src/modules/**/*.tables.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [moduleInternalsButTables, flowsFromModules],
        },
      ],
    },
  },
  {
    files: ['src/flows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [moduleInternalsFromFlows] }] },
  },
  {
    files: ['src/infra/**/*.ts'],
    ignores: ['src/infra/db/schema.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [modulesFromInfra] }] },
  },
  {
    // Tests read JSON answers as `any` on purpose: the assertions are the types.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
