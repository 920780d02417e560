export type * from './hg-types.js';
export { readChangesets, readArgs, parseRead, ReadParser } from './read-push.js';
export { runHg, hgEnv } from './run-hg.js';
export { parseHookEnv, type HookEnv } from './hook-env.js';
export { findRepoRoot } from './find-root.js';
export { archiveRevision } from './archive.js';
export { hgVersion, hgHooks } from './hg-info.js';
