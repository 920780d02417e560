// Deterministic job ids (DESIGN §7): the same repository, node and task always give the same id.
import { createHash } from 'node:crypto';

/** Deterministic job id (DESIGN §7): enqueueing the same push twice creates nothing new. */
export function jobId(repo: string, node: string, task: string): string {
  return createHash('sha256').update(`${repo}\n${node}\n${task}`).digest('hex').slice(0, 32);
}
