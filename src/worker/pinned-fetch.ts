/** `worker.trust.ca` (DESIGN §14): requests to the service trusting one pinned CA, not the system's list. */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { TaskgateError } from '../errors/taskgate-error.js';

/** The part of `fetch` the worker uses: a URL, a method, headers as an object, a string body, a signal. */
export type Fetch = (url: URL, init?: RequestInit) => Promise<Response>;

/** Statuses whose answers have no body: a Response refuses one. */
const NO_BODY = new Set([101, 204, 205, 304]);

/** Reads the pinned CA file; a missing or unreadable one is a configuration error naming the key. */
export function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `worker.trust.ca: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      "copy the CA certificate (PEM) that signed the service's certificate to the worker host, readable by the worker",
    );
  }
}

/**
 * A fetch over node:https whose only trusted root is `ca` (Node 20's fetch takes no CA of its own).
 * Failures reject as fetch's do: a TypeError whose `cause` has the system error's `code`.
 */
export function pinnedFetch(ca: Buffer): Fetch {
  const agent = new Agent({ ca, keepAlive: true });
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      if (url.protocol !== 'https:') return void fetch(url, init).then(resolve, reject);
      const req = request(
        url,
        {
          method: init.method ?? 'GET',
          headers: (init.headers ?? {}) as OutgoingHttpHeaders,
          agent,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.append(name, v);
          const status = res.statusCode ?? 502;
          const body = NO_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          if (!body) res.resume();
          resolve(new Response(body, { status, headers }));
        },
      );
      req.once('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
}
