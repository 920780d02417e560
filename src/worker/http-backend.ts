// The remote worker's backend: the token exchange of `taskgate serve` over HTTP, waiting out the service's absences.
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Claimed, Completed, Failed, Outcome } from '../exchange/exchange-types.js';
import type { JobRecord } from '../jobs/job-types.js';
import { isErrorCode } from '../errors/error-codes.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { ASSERTION_HEADER, CLIENT_ASSERTION_TYPE, signClientAssertion } from '../tokens/client-assertion.js';
import type { JobBackend } from './job-backend.js';
import type { Fetch } from './pinned-fetch.js';
import { SourceCache } from './source-cache.js';

type Jwk = Parameters<typeof signClientAssertion>[1];

/** Answers that mean the service is away (a proxy in front of it says so), not that it refused. */
const AWAY_STATUSES = new Set([502, 503, 504]);
/** A request that may have reached the service is retried only this long: it keeps a stored answer 30 s (DESIGN §8). */
const UNSURE_RETRY_MS = 25_000;
/** A service that took the connection but does not answer is given up on after this long (the attempt counts as maybe-arrived). */
const REQUEST_TIMEOUT_MS = 60_000;
/** A log chunk that takes longer is tried again later (the service acknowledges a chunk it already has). */
const LOG_TIMEOUT_MS = 15_000;

interface HttpBackendOptions {
  /** One line when the service goes away and when it is back. */
  log?: (line: string) => void;
  /** The worker's name, for the requests that carry no worker argument (wait, open). */
  name?: string;
  /** Stops the waiting between retries (the worker was told to stop). */
  signal?: AbortSignal;
  /** The pause after the first failed attempt, doubled after each one up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Requests to the service (a fetch trusting only `worker.trust.ca`); the global fetch otherwise. */
  fetch?: Fetch;
  /** Where fetched sources are kept by node; none kept without it. */
  cache?: SourceCache;
}

/** The header carrying the job's running token on GET /v1/jobs/{id}/source (the service's name for it). */
const RUNNING_TOKEN_HEADER = 'taskgate-running-token';

/** Whether the request certainly never reached the service (nothing listens), so repeating it is always safe. */
function neverArrived(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

/** A TLS certificate the worker does not trust: waiting will not change it, so the worker stops at once. */
function untrusted(error: unknown): TaskgateError | null {
  const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
  if (!/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/.test(code)) return null;
  return new TaskgateError(
    'ERR_USAGE',
    `taskgate worker: the service's TLS certificate is not trusted (${code})`,
    "pin the CA that signed it with worker.trust.ca in the worker's configuration (or NODE_EXTRA_CA_CERTS), and check the --server host name",
  );
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** The service's own error, code and hint kept; an answer without one is named by its status. */
function serviceError(path: string, status: number, body: unknown): TaskgateError {
  const e = (body as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
  const code = isErrorCode(e?.code) ? e.code : 'ERR_INTERNAL';
  return new TaskgateError(code, `${path}: ${e?.message ?? `the service answered ${status}`}`, e?.hint ?? 'see the service log');
}

/** A worker on another host: every request to `taskgate serve` carries a fresh RFC 7523 assertion signed with the worker's own key. */
export class HttpBackend implements JobBackend {
  private audience: string | null = null;
  private away = false;
  private readonly fetch: Fetch;
  private readonly cache: SourceCache;

  constructor(
    private readonly url: string,
    private readonly privateJwk: Jwk,
    private readonly options: HttpBackendOptions = {},
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.cache = options.cache ?? new SourceCache({ dir: null, entries: 0, bytes: 0, maxBytes: 4 * 1024 ** 3 });
  }

  /**
   * One request, repeated with a bounded backoff while the service is away: forever when the
   * request never arrived or repeating it is harmless (`repeatable`: a read, or a claim whose
   * lost answer only costs a lease), else within the window in which the service answers a repeat.
   */
  private async send(path: string, request: () => Promise<RequestInit> = () => Promise.resolve({}), repeatable = false): Promise<Response> {
    const started = Date.now();
    let delay = this.options.firstDelayMs ?? 500;
    for (;;) {
      let why: string;
      let unsure: boolean;
      try {
        // built again for each attempt: the assertion in it is fresh, never one the service may have seen
        const r = await this.fetch(new URL(path, this.url), { ...(await request()), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (!AWAY_STATUSES.has(r.status)) return this.back(r);
        why = `it answered ${r.status}`;
        // 503: the service (or its store) turned the request away; a proxy's 502 or 504 may come after the service got it
        unsure = r.status !== 503;
      } catch (error) {
        const refused = untrusted(error);
        if (refused) throw refused;
        why = String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
        unsure = !neverArrived(error);
      }
      if (this.options.signal?.aborted || (unsure && !repeatable && Date.now() - started > UNSURE_RETRY_MS))
        throw new TaskgateError(
          'ERR_STORE_UNAVAILABLE',
          `taskgate serve at ${this.url} cannot be reached (${why})`,
          'start `taskgate serve`, or check the --server URL',
        );
      if (!this.away) this.options.log?.(`taskgate worker: taskgate serve at ${this.url} is away (${why}); retrying with backoff`);
      this.away = true;
      await pause(delay, this.options.signal);
      delay = Math.min(delay * 2, this.options.maxDelayMs ?? 30_000);
    }
  }

  private back(r: Response): Response {
    if (this.away) this.options.log?.(`taskgate worker: taskgate serve at ${this.url} is back`);
    this.away = false;
    return r;
  }

  private async issuer(): Promise<string> {
    if (this.audience) return this.audience;
    const r = await this.send('/.well-known/openid-configuration', undefined, true);
    if (!r.ok) throw serviceError('/.well-known/openid-configuration', r.status, await r.json().catch(() => null));
    this.audience = ((await r.json()) as { issuer: string }).issuer;
    return this.audience;
  }

  /** An assertion bound to this one request (htm/htu): lifted from it, it opens no other. */
  private assertion(worker: string, audience: string, method: string, path: string): Promise<string> {
    return signClientAssertion(worker, this.privateJwk, audience, { method, url: new URL(path, this.url).href });
  }

  /** A GET of the worker API: its assertion travels in a header, there being no body. */
  private async signedGet(path: string, worker = this.options.name ?? '', extra: Record<string, string> = {}): Promise<RequestInit> {
    return { headers: { ...extra, [ASSERTION_HEADER]: await this.assertion(worker, await this.issuer(), 'GET', path.split('?')[0]!) } };
  }

  /**
   * The job's files in `dest`: from the cache by node, else GET /v1/jobs/{id}/source with the running
   * token, extracted as it arrives (the tar is checked entry by entry: it is the service's word).
   */
  async source(worker: string, token: string, job: JobRecord, dest: string): Promise<void> {
    const path = `/v1/jobs/${encodeURIComponent(job.id)}/source`;
    await this.cache.extract(job.rev, dest, async () => {
      // no timeout on the body: a large revision takes its time; the request itself is bounded by send's
      const r = await this.send(path, () => this.signedGet(path, worker, { [RUNNING_TOKEN_HEADER]: token }));
      if (!r.ok || !r.body) throw serviceError(path, r.status, await r.json().catch(() => null));
      return Readable.fromWeb(r.body as NodeReadableStream<Uint8Array>);
    });
  }

  private async call<T>(path: string, worker: string, body: Record<string, unknown>, repeatable = false): Promise<T> {
    const audience = await this.issuer();
    const request = async (): Promise<RequestInit> => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...body,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await this.assertion(worker, audience, 'POST', path),
      }),
    });
    const r = await this.send(path, request, repeatable);
    const data: unknown = await r.json().catch(() => null);
    if (!r.ok) throw serviceError(path, r.status, data);
    return data as T;
  }

  async claim(worker: string): Promise<Claimed | null> {
    try {
      return (await this.call<{ claimed: Claimed | null }>('/v1/claim', worker, {}, true)).claimed;
    } catch (error) {
      // told to stop while the service was away: nothing was claimed
      if (this.options.signal?.aborted) return null;
      throw error;
    }
  }

  async heartbeat(worker: string, token: string): Promise<string> {
    return (await this.call<{ token: string }>('/v1/heartbeat', worker, { token })).token;
  }

  complete(worker: string, token: string, outcome: Outcome): Promise<Completed> {
    return this.call<Completed>('/v1/complete', worker, { token, outcome });
  }

  fail(worker: string, token: string, outcome: Outcome): Promise<Failed> {
    return this.call<Failed>('/v1/fail', worker, { token, outcome });
  }

  /** One try, no retries of its own: the log uploader retries with its own backoff, and a failure never fails the job. */
  async appendLog(worker: string, token: string, jobId: string, offset: number, data: Buffer): Promise<{ offset: number; cut: boolean }> {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}/log`;
    const body = {
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await this.assertion(worker, await this.issuer(), 'POST', path),
      token,
      offset,
      data: data.toString('base64'),
    };
    const r = await this.fetch(new URL(path, this.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(LOG_TIMEOUT_MS),
    });
    const answer: unknown = await r.json().catch(() => null);
    if (!r.ok) throw serviceError(path, r.status, answer);
    return answer as { offset: number; cut: boolean };
  }

  /** A long poll: the service answers when the store says work may be ready, or after `ms`. */
  async idle(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      const path = `/v1/wait?ms=${Math.floor(ms)}`;
      await this.fetch(new URL(path, this.url), { ...(await this.signedGet(path)), ...(signal ? { signal } : {}) });
    } catch {
      // the service is away or we were stopped: a short pause, and the claim waits out the rest
      await pause(Math.min(ms, 1000), signal);
    }
  }

  async open(): Promise<boolean> {
    const r = await this.send('/v1/open', () => this.signedGet('/v1/open'), true);
    const data: unknown = await r.json().catch(() => null);
    if (!r.ok) throw serviceError('/v1/open', r.status, data);
    return (data as { open: boolean }).open;
  }
}
