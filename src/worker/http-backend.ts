import { TaskgateError } from '../errors/taskgate-error.js';
import type { Claimed, Outcome } from '../server/job-service.js';
import { ASSERTION_HEADER, CLIENT_ASSERTION_TYPE, signClientAssertion } from '../tokens/client-assertion.js';
import type { JobBackend } from './job-backend.js';

type Jwk = Parameters<typeof signClientAssertion>[1];

/** A worker on another host: every request to `taskgate serve` carries a fresh RFC 7523 assertion signed with the worker's own key. */
export class HttpBackend implements JobBackend {
  private audience: string | null = null;

  constructor(
    private readonly url: string,
    private readonly privateJwk: Jwk,
    /** The worker's name, for the requests that carry no worker argument (wait, open). */
    private readonly name = '',
  ) {}

  private async issuer(): Promise<string> {
    if (this.audience) return this.audience;
    const r = await fetch(new URL('/.well-known/openid-configuration', this.url));
    if (!r.ok)
      throw new TaskgateError('ERR_STORE_UNAVAILABLE', `taskgate serve at ${this.url} answered ${r.status}`, 'check the --server URL');
    this.audience = ((await r.json()) as { issuer: string }).issuer;
    return this.audience;
  }

  /** A fresh assertion bound to this one request (htm/htu): lifted from it, it opens no other. */
  private async assertion(worker: string, method: string, url: URL): Promise<string> {
    return signClientAssertion(worker, this.privateJwk, await this.issuer(), { method, url: url.href });
  }

  private async call<T>(path: string, worker: string, body: Record<string, unknown>): Promise<T> {
    const assertion = await this.assertion(worker, 'POST', new URL(path, this.url));
    const r = await fetch(new URL(path, this.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
    });
    const data = (await r.json()) as T & { error?: { code: string; message: string; hint: string } };
    if (!r.ok)
      throw new TaskgateError(
        'ERR_TOKEN_INVALID',
        `${path}: ${data.error?.message ?? r.status}`,
        data.error?.hint ?? 'see the service log',
      );
    return data;
  }

  async claim(worker: string): Promise<Claimed | null> {
    return (await this.call<{ claimed: Claimed | null }>('/v1/claim', worker, {})).claimed;
  }

  async heartbeat(worker: string, token: string): Promise<string> {
    return (await this.call<{ token: string }>('/v1/heartbeat', worker, { token })).token;
  }

  complete(worker: string, token: string, outcome: Outcome): Promise<unknown> {
    return this.call('/v1/complete', worker, { token, outcome });
  }

  fail(worker: string, token: string, outcome: Outcome): Promise<unknown> {
    return this.call('/v1/fail', worker, { token, outcome });
  }

  /** A long poll: the service answers when the store says work may be ready, or after `ms`. */
  async idle(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      const url = new URL(`/v1/wait?ms=${Math.floor(ms)}`, this.url);
      const headers = { [ASSERTION_HEADER]: await this.assertion(this.name, 'GET', url) };
      await fetch(url, { headers, ...(signal ? { signal } : {}) });
    } catch {
      // the service is away or we were stopped: a short pause, and the claim says more
      await new Promise((r) => setTimeout(r, Math.min(ms, 1000)));
    }
  }

  async open(): Promise<boolean> {
    const url = new URL('/v1/open', this.url);
    const r = await fetch(url, { headers: { [ASSERTION_HEADER]: await this.assertion(this.name, 'GET', url) } });
    if (!r.ok) throw new TaskgateError('ERR_TOKEN_INVALID', `/v1/open: taskgate serve answered ${r.status}`, 'see the service log');
    return ((await r.json()) as { open: boolean }).open;
  }
}
