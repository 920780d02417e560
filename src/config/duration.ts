// Durations in the configuration ("30s", "15m", "24h", "7d") read as seconds, with a usage error naming the key for anything else.
import { TaskgateError } from '../errors/taskgate-error.js';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** "15m", "24h", "7d" in seconds. */
export function durationSeconds(value: string, where: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
  if (!m)
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `${where}: ${JSON.stringify(value)} is not a duration`,
      'write a number and a unit: 30s, 15m, 24h, 7d',
    );
  return Number(m[1]) * UNITS[m[2]!]!;
}
