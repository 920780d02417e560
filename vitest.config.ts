// Vitest's configuration: every test file under test/, the hook bundles built once first, two files at a time at least.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the tests mostly wait on hg, node and bwrap processes: vitest's default (one file per core but one)
    // is a single file on a two-core machine, which leaves a core idle a third of the time
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default'],
  },
});
