/** Who may read (DESIGN §15): a reader named by the authenticating proxy in front, or anyone on a loopback-only listener. */
import { isIP } from 'node:net';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { namedPusher } from '../identity/resolve-pusher.js';
import { grants } from '../identity/who-list.js';

interface ReaderPolicy {
  mode: 'proxy' | 'loopback';
  /** Lower case, as Node hands request headers over. */
  header: string;
  trusted: ReadonlySet<string>;
  allow: readonly string[];
}

/** A listener address that only this host can reach. */
function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** An address as the socket reports it, IPv4-mapped IPv6 unwrapped. */
function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

/** The policy for a listener on `host`; `loopback` on an address others can reach is refused before the service starts. */
export function readerPolicy(config: TaskgateConfig, host: string): ReaderPolicy {
  const server = config.server ?? {};
  const mode = server.readers ?? (isLoopbackHost(host) ? 'loopback' : 'proxy');
  if (mode === 'loopback' && !isLoopbackHost(host))
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `server.readers is "loopback" but taskgate serve would listen on ${host}, which other hosts can reach`,
      'listen on 127.0.0.1 (--host), or set server.readers to "proxy" behind an authenticating proxy',
    );
  return {
    mode,
    header: (server.proxy?.header ?? 'X-Remote-User').toLowerCase(),
    trusted: new Set((server.proxy?.trusted ?? []).map(plainAddress)),
    allow: server.proxy?.allow ?? [],
  };
}

/** The request as the reader check sees it: where it came from, and its headers. */
interface ReaderRequest {
  remoteAddress: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** The reader's name, or a 401/403 TaskgateError: the header counts only from a trusted proxy, and the name must be on the who-list. */
export function authenticateReader(req: ReaderRequest, policy: ReaderPolicy, config: TaskgateConfig): string {
  const from = plainAddress(req.remoteAddress);
  // the listener is loopback-only; a request from elsewhere (a proxy on another host) is still refused
  if (policy.mode === 'loopback') {
    if (from === '::1' || (isIP(from) === 4 && from.startsWith('127.'))) return 'loopback';
    throw new TaskgateError(
      'ERR_UNAUTHENTICATED',
      'readers are served on loopback only',
      'open the pages on the server itself (ssh -L 8470:127.0.0.1:8470), or set server.readers to "proxy" behind an authenticating proxy',
    );
  }
  const value = req.headers[policy.header];
  const name = typeof value === 'string' ? value.trim() : '';
  if (!policy.trusted.has(from) || name === '' || name.length > 200)
    throw new TaskgateError(
      'ERR_UNAUTHENTICATED',
      'reading needs a reader named by the authenticating proxy',
      'sign in through the proxy in front of taskgate serve (server.proxy in the configuration)',
    );
  if (!grants(policy.allow, namedPusher(name, config.identity)))
    throw new TaskgateError('ERR_FORBIDDEN', 'this reader is not on server.proxy.allow', 'ask an admin to add you to server.proxy.allow');
  return name;
}
