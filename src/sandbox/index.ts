export type * from './sandbox-types.js';
export { openSandbox, UNSANDBOXED_WARNING, type Sandbox } from './open-sandbox.js';
export { SANDBOX_WORKDIR } from './bwrap-args.js';
export { taskLimits, sizeBytes, MAX_TIMEOUT_SECONDS, DEFAULT_RESOURCES } from './limits.js';
