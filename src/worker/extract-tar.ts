/** Extracting a source archive that came over the network (attacker-controlled): only files, folders and links inside, bounded. */
import { closeSync, constants, lstatSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { posix, join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Headers } from 'tar-stream';
import { TaskgateError } from '../errors/taskgate-error.js';

export interface ExtractLimits {
  /** The most bytes of file content written, all files together. */
  maxBytes: number;
  /** The most entries (files, folders, links). */
  maxEntries: number;
}

function refusal(what: string): TaskgateError {
  return new TaskgateError(
    'ERR_SOURCE_REFUSED',
    `the source archive is refused: ${what}`,
    'the service sent an archive `hg archive` never makes, or it was cut: check worker.trust and the --server URL; nothing was run',
  );
}

function refuse(what: string): never {
  throw refusal(what);
}

/** An entry's path as parts, refusing absolute paths, `..`, empty or NUL-bearing names. */
function partsOf(name: string): string[] {
  const clean = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return [];
  if (clean.startsWith('/') || clean.includes('\0')) refuse(`${JSON.stringify(name)} is not a relative path`);
  const parts = clean.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) refuse(`${JSON.stringify(name)} leaves the folder or is not plain`);
  return parts;
}

/** The folder for an entry, made where missing; a part that is a link or a file is refused (no writing through a symlink). */
function parentOf(root: string, parts: string[]): string {
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st) mkdirSync(dir, { mode: 0o755 });
    else if (!st.isDirectory()) refuse(`${parts.join('/')} would be written through ${st.isSymbolicLink() ? 'a symlink' : 'a file'}`);
  }
  return dir;
}

/** A link's target must stay inside the archive, read from where the link is. */
function checkLink(parts: string[], target: string): void {
  const resolved = posix.normalize(posix.join(parts.slice(0, -1).join('/') || '.', target));
  if (target.startsWith('/') || target.includes('\0') || resolved === '..' || resolved.startsWith('../'))
    refuse(`the link ${parts.join('/')} points out of the archive (${JSON.stringify(target)})`);
}

/** Writes one entry; file content is streamed through `write`, counted against the limits. */
function place(root: string, header: Headers): number | null {
  const parts = partsOf(header.name);
  if (parts.length === 0) return null;
  const dir = parentOf(root, parts);
  const path = join(dir, parts[parts.length - 1]!);
  switch (header.type) {
    case 'directory': {
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) mkdirSync(path, { mode: 0o755 });
      else if (!st.isDirectory()) refuse(`${header.name} is a folder and something else`);
      return null;
    }
    case 'symlink':
      checkLink(parts, header.linkname ?? '');
      symlinkSync(header.linkname ?? '', path);
      return null;
    case 'file':
    case undefined:
    case null:
      // O_EXCL|O_NOFOLLOW: never over a link or a file placed before (two entries of one name)
      return openSync(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        (header.mode ?? 0o644) & 0o755,
      );
    default:
      refuse(`${header.name} is a ${header.type} (only files, folders and symlinks are extracted)`);
  }
}

/** Extracts the tar read from `input` into the empty folder `root`; resolves with the count of entries and bytes. */
export function extractTar(input: Readable, root: string, limits: ExtractLimits): Promise<{ entries: number; bytes: number }> {
  const parser = extract();
  let entries = 0;
  let bytes = 0;
  let fd: number | null = null;
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      if (fd !== null) closeSync(fd);
      fd = null;
      input.unpipe(parser);
      input.destroy();
      parser.destroy();
      // a cut or damaged tar (the parser's or the stream's error) is refused like a forged one
      reject(error instanceof TaskgateError ? error : refusal((error as Error).message));
    };
    parser.on('entry', (header, stream, next) => {
      try {
        if (++entries > limits.maxEntries) refuse(`more than ${limits.maxEntries} entries`);
        fd = place(root, header);
      } catch (error) {
        return fail(error);
      }
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        try {
          if (bytes > limits.maxBytes) refuse(`more than ${limits.maxBytes} bytes`);
          if (fd !== null) writeSync(fd, chunk);
        } catch (error) {
          fail(error);
        }
      });
      stream.once('end', () => {
        if (fd !== null) closeSync(fd);
        fd = null;
        next();
      });
    });
    parser.once('finish', () => resolve({ entries, bytes }));
    parser.once('error', fail);
    input.once('error', fail);
    input.pipe(parser);
  });
}
