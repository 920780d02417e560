export type * from './job-types.js';
export { jobId } from './job-id.js';
export { jobSpec, specDigest } from './job-spec.js';
export { buildHeadJobs, type HeadJobsInput } from './build-jobs.js';
export * from './state-machine.js';
