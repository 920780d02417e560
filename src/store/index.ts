export type * from './store-types.js';
export { SqliteStore } from './sqlite-store.js';
export { openStore } from './open-store.js';
