// Build: precompiled schema validators, a type check, then one esbuild bundle per entry point
// (a bundle starts in a fraction of the time of hundreds of ESM files: DESIGN §13).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { re2FoldPlugin } from './re2-fold-plugin.mjs';
import { hookValidatorPlugin } from './hook-validator-plugin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts/gen-validators.mjs')], { stdio: 'inherit' });
if (!process.argv.includes('--no-typecheck')) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--noEmit'], {
    stdio: 'inherit',
  });
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  // less for V8 to parse at every hook start; names are kept for stack traces (and the source map)
  minifyWhitespace: true,
  minifySyntax: true,
  // pino is loaded only when something is logged; better-sqlite3 is a native module
  external: ['pino', 'better-sqlite3', 'fastify', 'pg', 're2js'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};
await build({
  ...common,
  entryPoints: { cli: join(root, 'src/cli/bin-main.ts') },
  outdir: join(root, 'dist'),
});
// The hooks start on every push: CommonJS bundles (no ESM loader to start) that dist/load-bundle.cjs
// compiles with V8 cached data (DESIGN §13: 33 ms to load the gate, against 73 for ESM).
await build({
  ...common,
  format: 'cjs',
  entryPoints: {
    'gate-hook': join(root, 'src/gate/hook-main.ts'),
    // opened by hooks/pretxnchangegroup before gate-hook loads: chg's server works while the gate's code loads
    'chg-early': join(root, 'src/hg/chg-early.ts'),
    'trigger-hook': join(root, 'src/trigger/hook-main.ts'),
    'refs-hook': join(root, 'src/gate/refs-hook-main.ts'),
    'bookmark-hook': join(root, 'src/trigger/bookmark-hook-main.ts'),
    // the hooks' side of the hook server (small: loaded before anything else), and the server itself
    'hook-client': join(root, 'src/hook-server/client.ts'),
    'hook-server': join(root, 'src/hook-server/server-main.ts'),
  },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.cjs' },
  // RE2 in the bundle: its code is in the V8 cached data too (re2js alone is ~260 kB to compile)
  // better-sqlite3's JavaScript is bundled, its addon loaded by path (store/sqlite-store.ts), `bindings` unused then
  external: ['pino', 'fastify', 'pg', 'bindings'],
  // re2js without its needless case-fold table at every gate; ajv's configuration validator left out
  // of the bundles, loaded when a configuration is new (scripts/re2-fold-plugin.mjs, hook-validator-plugin.mjs)
  plugins: [re2FoldPlugin, hookValidatorPlugin],
  // a vm.Script has no loader for import(): externals loaded on demand (re2js, pino) are required
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// ajv's configuration validator, out of the hook bundles: loaded only for a configuration not checked before
await build({
  ...common,
  format: 'cjs',
  entryPoints: { 'config-validator': join(root, 'src/generated/validate-config.js') },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.cjs' },
  banner: {},
});
// the hg reader extension ships next to the bundles that load it
copyFileSync(join(root, 'src/hg/taskgate_read.py'), join(root, 'dist/taskgate_read.py'));
copyFileSync(join(root, 'src/hg/taskgate_refs.py'), join(root, 'dist/taskgate_refs.py'));
// dist/load-bundle.cjs reads the bundles as latin1 (faster than UTF-8): esbuild escapes non-ASCII, and this proves it did
for (const name of ['chg-early', 'gate-hook', 'trigger-hook', 'refs-hook', 'bookmark-hook', 'hook-client', 'hook-server']) {
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(readFileSync(join(root, 'dist', `${name}.cjs`), 'latin1'))) throw new Error(`dist/${name}.cjs is not ASCII`);
}
// the hooks' loader, and V8 cached data for each hook bundle, made by that very loader
copyFileSync(join(root, 'scripts/load-bundle.cjs'), join(root, 'dist/load-bundle.cjs'));
for (const name of ['chg-early', 'gate-hook', 'trigger-hook', 'refs-hook', 'bookmark-hook']) {
  execFileSync(process.execPath, [join(root, 'dist/load-bundle.cjs'), '--make-cache', name], { stdio: 'inherit' });
}
// the web UI's templates and assets, found next to the bundle (dist/ui/)
for (const dir of ['views', 'assets']) cpSync(join(root, 'src/ui', dir), join(root, 'dist/ui', dir), { recursive: true });
// then the hooks' data again, after a scratch push ran them: it holds what a push compiles
execFileSync(process.execPath, [join(root, 'scripts/train-cache.mjs')], { stdio: 'inherit' });
