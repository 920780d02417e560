export type * from './manifest-types.js';
export { parseManifest } from './parse-manifest.js';
export { topoOrder } from './dag.js';
export { definitionKey, entryKey } from './normalize.js';
export { buildInputIndex, globBase, underBase, type InputVisitor } from './input-index.js';
export { affectedTasks, MAX_FILE_REASONS, type AffectedTask, type AffectedReason, type AffectedInput } from './affected.js';
