// What the hooks and the hook server say to each other over its socket, and where that socket is.
import { join } from 'node:path';
import { privateRuntimeDir } from '../config/runtime-dir.js';

/** The hooks the server runs: pretxnchangegroup's gate and changegroup's trigger. */
export type ServedHook = 'gate' | 'trigger';

/** One request, one JSON line: the hook's whole situation, as a hook process would have it. */
export interface HookRequest {
  v: 1;
  hook: ServedHook;
  /** The dist/ folder of the hook: a server of another build or install answers `stale`. */
  dist: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  umask: number;
}

/**
 * The answers, one JSON line each: `{"taken": 1}` at once, `{"w": text}` for the pusher, in
 * order, then `{"code": n}`; or `{"busy": 1}` (another hook is being served, or the server is
 * leaving) or `{"stale": 1}` (another build): the hook then runs in its own process, as it
 * would with no server.
 */
export type HookAnswer = { taken: 1 } | { w: string } | { code: number } | { busy: 1 } | { stale: 1 };

/** A request is small (an environment and a few arguments): a larger one is not one of ours. */
export const REQUEST_MAX = 4 * 1024 * 1024;

/**
 * The server's socket: `<runtime folder>/taskgate-hooks-<uid>/<hash of dist/>`, one per install
 * and account. Null when the folder is not this account's own and private (then there is no server).
 */
export function hookServerSocket(dist: string, env: NodeJS.ProcessEnv): string | null {
  const dir = privateRuntimeDir('taskgate-hooks', env);
  const path = dir === null ? null : join(dir, fnv1a(dist));
  // a socket's name holds at most 107 bytes (and the server listens at it plus ".<pid>" first)
  return path !== null && Buffer.byteLength(path) <= SOCKET_NAME_MAX ? path : null;
}

const SOCKET_NAME_MAX = 96;

/** FNV-1a, 32 bits, in hex: a short name per install (node:crypto would cost every hook ≈ 6 ms). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The request, checked field by field; null when anything is off. */
export function parseRequest(line: string): HookRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const r = value as Partial<HookRequest> | null;
  if (r === null || typeof r !== 'object' || r.v !== 1 || (r.hook !== 'gate' && r.hook !== 'trigger')) return null;
  if (typeof r.dist !== 'string' || typeof r.cwd !== 'string' || !r.cwd.startsWith('/')) return null;
  if (!Array.isArray(r.argv) || !r.argv.every((a) => typeof a === 'string')) return null;
  if (typeof r.env !== 'object' || r.env === null || !Object.values(r.env).every((v) => typeof v === 'string')) return null;
  if (!Number.isInteger(r.umask) || r.umask! < 0 || r.umask! > 0o777) return null;
  return r as HookRequest;
}
