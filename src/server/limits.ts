/** Bounded work per request (DESIGN §15): timeouts, a cap on connections and on concurrent waiters. */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { TlsFiles } from './tls.js';

interface ServiceLimits {
  /** A request must arrive whole within this (a body sent a byte at a time is cut). */
  requestTimeoutMs: number;
  /** A connection idle this long is closed (above the longest wait). */
  connectionTimeoutMs: number;
  maxConnections: number;
  maxWaiters: number;
  /** Concurrent `hg archive` streams of GET /v1/jobs/{id}/source: each is an hg process. */
  maxArchives: number;
  bodyLimit: number;
}

export function serviceLimits(config: TaskgateConfig): ServiceLimits {
  const s = config.server ?? {};
  return {
    requestTimeoutMs: durationSeconds(s.requestTimeout ?? '10s', 'server.requestTimeout') * 1000,
    connectionTimeoutMs: 60_000,
    maxConnections: s.maxConnections ?? 256,
    maxWaiters: s.maxWaiters ?? 64,
    maxArchives: 4,
    bodyLimit: 1024 * 1024,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP(S) server under Fastify: Node checks request timeouts every second, not every 30, and
 * refuses connections past the cap. With `server.tls`, HTTPS with its certificate and key.
 */
export function boundedHttpServer(limits: ServiceLimits, tls: TlsFiles | null = null): (handler: Handler) => Server {
  return (handler) => {
    const options = {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.requestTimeoutMs, 10_000),
      connectionsCheckingInterval: 1000,
      keepAliveTimeout: 5000,
    };
    // an https.Server is a net.Server of the same shape, with TLS underneath
    const server = tls ? (createHttpsServer({ ...options, ...tls }, handler) as unknown as Server) : createHttpServer(options, handler);
    server.maxConnections = limits.maxConnections;
    server.setTimeout(limits.connectionTimeoutMs);
    return server;
  };
}

/** At most `max` long polls at once: each holds a socket and a timer, never a database connection. */
export class WaiterGate {
  private count = 0;
  /** Aborted when the service closes: every wait answers at once. */
  readonly closing = new AbortController();

  constructor(private readonly max: number) {}

  async run(work: (signal: AbortSignal) => Promise<void>, hungUp: AbortSignal): Promise<void> {
    if (this.count >= this.max)
      throw new TaskgateError(
        'ERR_SERVICE_BUSY',
        `already ${this.max} workers wait`,
        'claim again in a few seconds; an admin can raise server.maxWaiters',
      );
    this.count++;
    try {
      await work(AbortSignal.any([hungUp, this.closing.signal]));
    } finally {
      this.count--;
    }
  }
}

/** At most `max` of a costly thing at once (hg archives): past it the caller is told to come back. */
export class Slots {
  private count = 0;

  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  /** A slot, or ERR_SERVICE_BUSY; the returned function gives it back (once, however often it is called). */
  take(): () => void {
    if (this.count >= this.max)
      throw new TaskgateError('ERR_SERVICE_BUSY', `already ${this.max} ${this.what} at once`, 'try again in a few seconds');
    this.count++;
    let given = false;
    return () => {
      if (!given) this.count--;
      given = true;
    };
  }
}
