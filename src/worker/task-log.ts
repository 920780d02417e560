/** A task's log file, cut at its limit with one marker line: a task cannot fill the worker's disk. */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cutMarker } from '../exchange/job-log.js';

export interface TaskLog {
  write(chunk: Buffer): void;
  /** Bytes the task wrote, kept or not. */
  readonly written: number;
  close(): Promise<void>;
}

export function openTaskLog(path: string, limitBytes: number): TaskLog {
  mkdirSync(dirname(path), { recursive: true });
  // an attempt's log starts empty: a job retried from scratch numbers its attempts from 1 again
  const out = createWriteStream(path, { flags: 'w', mode: 0o640 });
  let written = 0;
  let cut = false;
  return {
    get written() {
      return written;
    },
    write(chunk) {
      const room = limitBytes - written;
      written += chunk.length;
      if (cut) return;
      if (chunk.length <= room) {
        out.write(chunk);
        return;
      }
      if (room > 0) out.write(chunk.subarray(0, room));
      cut = true;
      out.write(cutMarker(limitBytes));
    },
    close() {
      return new Promise((resolve) => out.end(() => resolve()));
    },
  };
}
