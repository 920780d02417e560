// Who may read (DESIGN §15): until the proxy mode is configured, readers are those who reach the service over loopback.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TaskgateError } from '../errors/taskgate-error.js';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * The one hook in front of every page, log and event stream: `server.readers: "loopback"`,
 * the demo's mode. A request from any other address gets 401 and no data.
 */
export async function readerGuard(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (isLoopback(req.socket.remoteAddress)) return;
  throw new TaskgateError(
    'ERR_READER_DENIED',
    'readers are served on loopback only',
    'open the pages on the server itself (ssh -L 8470:127.0.0.1:8470), or put an authenticating proxy in front of it',
  );
}
