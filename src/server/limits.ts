/** Bounded work per request (DESIGN §15): timeouts, a cap on connections and on concurrent waiters. */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import { TaskgateError } from '../errors/taskgate-error.js';

interface ServiceLimits {
  /** A request must arrive whole within this (a body sent a byte at a time is cut). */
  requestTimeoutMs: number;
  /** A connection idle this long is closed (above the longest wait). */
  connectionTimeoutMs: number;
  maxConnections: number;
  maxWaiters: number;
  bodyLimit: number;
}

export function serviceLimits(config: TaskgateConfig): ServiceLimits {
  const s = config.server ?? {};
  return {
    requestTimeoutMs: durationSeconds(s.requestTimeout ?? '10s', 'server.requestTimeout') * 1000,
    connectionTimeoutMs: 60_000,
    maxConnections: s.maxConnections ?? 256,
    maxWaiters: s.maxWaiters ?? 64,
    bodyLimit: 1024 * 1024,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The HTTP server under Fastify: Node checks request timeouts every second, not every 30, and refuses connections past the cap. */
export function boundedHttpServer(limits: ServiceLimits): (handler: Handler) => Server {
  return (handler) => {
    const server = createHttpServer(
      {
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: Math.min(limits.requestTimeoutMs, 10_000),
        connectionsCheckingInterval: 1000,
        keepAliveTimeout: 5000,
      },
      handler,
    );
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
