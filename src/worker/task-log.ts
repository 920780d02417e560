/** A task's log file, cut at its limit with one marker line: a task cannot fill the worker's disk. */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TaskLog {
  write(chunk: Buffer): void;
  /** Bytes the task wrote, kept or not. */
  readonly written: number;
  close(): Promise<void>;
}

export function openTaskLog(path: string, limitBytes: number): TaskLog {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path, { flags: 'a', mode: 0o640 });
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
      out.write(`\n[taskgate: log cut at ${limitBytes} bytes (resources.log); the rest of the output was dropped]\n`);
    },
    close() {
      return new Promise((resolve) => out.end(() => resolve()));
    },
  };
}
