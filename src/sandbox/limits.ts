/** A task's limits (DESIGN §14): the manifest's `timeout` and `resources`, with defaults and hard caps. */
import { TaskgateError } from '../errors/taskgate-error.js';
import type { TaskLimits } from './sandbox-types.js';

/** No task runs longer than a day: Node's timers overflow past 2^31 ms (24.8 days) and fire at once. */
export const MAX_TIMEOUT_SECONDS = 86_400;
export const DEFAULT_TIMEOUT = '1h';
export const DEFAULT_RESOURCES = { memory: '2g', processes: 256, log: '64m' } as const;

const TIME_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "512k", "64m", "2g" in bytes. */
export function sizeBytes(value: string, where: string): number {
  const m = /^([0-9]{1,6})([kmg])$/.exec(value);
  if (!m || Number(m[1]) === 0)
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `${where}: ${JSON.stringify(value)} is not a size`,
      'write a number and k, m or g: 512m, 2g',
    );
  return Number(m[1]) * SIZE_UNITS[m[2]!]!;
}

function timeoutSeconds(value: string, where: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
  if (!m) throw new TaskgateError('ERR_CONFIG_INVALID', `${where}: ${JSON.stringify(value)} is not a duration`, 'write 30s, 20m or 2h');
  // a definition stored before the schema capped it still never overflows a timer
  return Math.min(Number(m[1]) * TIME_UNITS[m[2]!]!, MAX_TIMEOUT_SECONDS);
}

/** The limits of one task from its definition. */
export function taskLimits(
  definition: { timeout?: string; resources?: { memory?: string; processes?: number; log?: string } },
  where: string,
): TaskLimits {
  const r = definition.resources ?? {};
  return {
    timeoutSeconds: timeoutSeconds(definition.timeout ?? DEFAULT_TIMEOUT, `${where} timeout`),
    memoryBytes: sizeBytes(r.memory ?? DEFAULT_RESOURCES.memory, `${where} resources.memory`),
    processes: r.processes ?? DEFAULT_RESOURCES.processes,
    logBytes: sizeBytes(r.log ?? DEFAULT_RESOURCES.log, `${where} resources.log`),
  };
}
