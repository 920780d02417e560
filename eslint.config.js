// ESLint: typescript-eslint's type-checked recommendations; plain JavaScript (the build scripts) without types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals that the plain JavaScript files use (TypeScript checks its own). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'fetch', 'performance'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  // what .gitignore lists (ESLint does not read it): builds, generated validators, files tests write for a moment
  { ignores: ['dist/', 'node_modules/', 'src/generated/', '.bench-cache/', '.docs-example.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts', 'scripts/*.mjs', 'scripts/*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `const { token: _token, ...rest } = job` drops a field on purpose
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // functions at their natural seams: no function in src/ over 60 lines of code
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    // a Fastify plugin, hook and route handler are async by contract (an async plugin needs no done callback)
    files: ['src/server/routes/*.ts', 'src/server/create-server.ts', 'src/ui/ui-routes.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // tests read JSON answers and outputs as they come and assert on them: the assertion is the type check
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: nodeGlobals },
  },
  {
    // the hooks' bundle loader is CommonJS: the hooks require it without an ESM loader (DESIGN §13)
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { ...nodeGlobals, require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the web UI's script runs in the browser
    files: ['src/ui/assets/*.js'],
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'EventSource', 'fetch', 'URL', 'console', 'setTimeout', 'setInterval'].map((n) => [
          n,
          'readonly',
        ]),
      ),
    },
  },
);
