export * from './config-types.js';
export { loadConfig, findConfigPath, type ConfigLocation } from './load-config.js';
export { mergeConfig } from './merge-config.js';
export { DEFAULT_CONFIG, REPO_CONFIG_PATH } from './defaults.js';
export { compileGlob, compileAnyGlob, globError, type Matcher } from './globs.js';
export { canonicalJson } from './canonical-json.js';
export { durationSeconds } from './duration.js';
