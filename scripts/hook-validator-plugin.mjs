// esbuild plugin for the hook bundles: src/config/schema-validator.ts becomes scripts/hook-config-validator.cjs.
// So ajv's configuration validator (~200 kB) is not in a hook's bundle nor in its V8 data, and a push
// that brings a configuration checked before never reads it (DESIGN §13, config/checked-configs.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const standIn = join(dirname(fileURLToPath(import.meta.url)), 'hook-config-validator.cjs');

export const hookValidatorPlugin = {
  name: 'hook-config-validator',
  setup(build) {
    build.onResolve({ filter: /^\.\/schema-validator\.js$/ }, (args) =>
      /[\\/]src[\\/]config$/.test(args.resolveDir) ? { path: standIn } : undefined,
    );
  },
};
