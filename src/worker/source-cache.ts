/** A remote worker's sources (DESIGN §14): fetched tars kept by node in a folder only the worker writes, least recently used go first. */
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { sizeBytes } from '../sandbox/limits.js';
import { extractTar } from './extract-tar.js';

export interface SourceCacheOptions {
  /** The cache folder; null keeps nothing (every job fetches). */
  dir: string | null;
  entries: number;
  bytes: number;
  /** The largest archive accepted, as sent and as extracted. */
  maxBytes: number;
}

const NODE = /^[0-9a-f]{40}$/;
/** A part file older than this was left by a worker that died mid-fetch. */
const STALE_PART_MS = 3_600_000;

/** The cache of `worker.source`, with its defaults: ~/.cache/taskgate/sources, 16 revisions, 2g, archives up to 4g. */
export function sourceCacheOptions(config: TaskgateConfig): SourceCacheOptions {
  const s = config.worker.source ?? {};
  return {
    dir: s.cache ?? join(homedir(), '.cache', 'taskgate', 'sources'),
    entries: s.entries ?? 16,
    bytes: sizeBytes(s.bytes ?? '2g', 'worker.source.bytes'),
    maxBytes: sizeBytes(s.maxBytes ?? '4g', 'worker.source.maxBytes'),
  };
}

export class SourceCache {
  constructor(private readonly options: SourceCacheOptions) {
    // owner-only: tasks run as another account, or in a sandbox that never binds it
    if (options.dir && options.entries > 0) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  }

  private limits() {
    return { maxBytes: this.options.maxBytes, maxEntries: 1_000_000 };
  }

  /** Puts `node`'s files into the empty folder `dest`: from the cache, else from `fetchTar` (kept for the next job). */
  async extract(node: string, dest: string, fetchTar: () => Promise<Readable>): Promise<'hit' | 'miss'> {
    if (!NODE.test(node))
      throw new TaskgateError('ERR_SOURCE_REFUSED', `the job's revision ${JSON.stringify(node)} is not a node`, 'nothing was run');
    const dir = this.options.dir && this.options.entries > 0 ? this.options.dir : null;
    mkdirSync(dest, { recursive: true });
    if (!dir) {
      await extractTar(await fetchTar(), dest, this.limits());
      return 'miss';
    }
    const kept = join(dir, `${node}.tar`);
    if (statSync(kept, { throwIfNoEntry: false })?.isFile()) {
      const now = new Date();
      utimesSync(kept, now, now);
      await extractTar(createReadStream(kept), dest, this.limits());
      return 'hit';
    }
    await this.fetchAndKeep(node, dest, dir, await fetchTar());
    this.prune(dir);
    return 'miss';
  }

  /** Extracts the stream as it arrives and writes it beside, to a part file renamed into place once the tar was whole. */
  private async fetchAndKeep(node: string, dest: string, dir: string, input: Readable): Promise<void> {
    const part = join(dir, `.${node}.${process.pid}.${Date.now()}.part`);
    const fd = openSync(part, 'wx', 0o600);
    let sent = 0;
    const max = this.options.maxBytes;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        if (sent > max) return done(new Error(`more than ${max} bytes sent`));
        writeSync(fd, chunk);
        done(null, chunk);
      },
    });
    input.once('error', (error) => tee.destroy(error));
    try {
      await extractTar(input.pipe(tee), dest, this.limits());
      closeSync(fd);
      renameSync(part, join(dir, `${node}.tar`));
    } catch (error) {
      closeSync(fd);
      rmSync(part, { force: true });
      throw error;
    }
  }

  /** Keeps the most recently used archives within the bounds of entries and bytes; drops part files left by a dead worker. */
  private prune(dir: string): void {
    const now = Date.now();
    const tars: Array<{ path: string; size: number; used: number }> = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (name.endsWith('.part') && now - st.mtimeMs > STALE_PART_MS) rmSync(path, { force: true });
      else if (/^[0-9a-f]{40}\.tar$/.test(name)) tars.push({ path, size: st.size, used: st.mtimeMs });
    }
    tars.sort((a, b) => b.used - a.used);
    let count = 0;
    let total = 0;
    for (const tar of tars) {
      if (count < this.options.entries && total + tar.size <= this.options.bytes) {
        count++;
        total += tar.size;
      } else rmSync(tar.path, { force: true });
    }
  }
}
