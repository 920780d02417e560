// The worker API: claim, heartbeat, complete and fail through the exchange, the long poll for work and `open` (DESIGN §10, §15).
import type { FastifyPluginAsync } from 'fastify';
import type { Outcome } from '../../exchange/exchange-types.js';
import { ASSERTION_HEADER, CLIENT_ASSERTION_TYPE } from '../../tokens/client-assertion.js';
import type { RouteContext } from '../route-context.js';
import { MAX_TOKEN, workerAuthenticator } from '../worker-auth.js';

/** Every worker request: an RFC 7523 client assertion, and for the exchanges after a claim the running token and outcome. */
interface ExchangeBody {
  client_assertion_type: typeof CLIENT_ASSERTION_TYPE;
  client_assertion: string;
  token?: string;
  outcome?: Outcome;
}

// unknown fields are refused (the app's ajv does not drop them), numbers and strings bounded
const exchangeSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['client_assertion_type', 'client_assertion'],
    properties: {
      client_assertion_type: { const: CLIENT_ASSERTION_TYPE },
      client_assertion: { type: 'string', minLength: 10, maxLength: MAX_TOKEN },
      token: { type: 'string', maxLength: MAX_TOKEN },
      outcome: {
        type: 'object',
        additionalProperties: false,
        properties: {
          exitCode: { type: ['integer', 'null'], minimum: -1024, maximum: 1024 },
          log: { type: ['string', 'null'], maxLength: 4096 },
          reason: { type: ['string', 'null'], maxLength: 1024 },
        },
      },
    },
  },
} as const;

const waitSchema = {
  querystring: { type: 'object', additionalProperties: false, properties: { ms: { type: 'integer', minimum: 0, maximum: 25_000 } } },
} as const;

export const workerRoutes: FastifyPluginAsync<RouteContext> = async (app, { config, store, service, now, waiters }) => {
  const authenticate = workerAuthenticator(config, store, now);
  type Exchange = { Body: ExchangeBody };

  // answered when the store says work may be ready (NOTIFY), or after ms (at most 25 s); at most server.maxWaiters at once
  app.get<{ Querystring: { ms?: number } }>('/v1/wait', { schema: waitSchema }, async (req, reply) => {
    await authenticate(req.headers[ASSERTION_HEADER], req);
    const gone = new AbortController();
    // the worker hung up (it stopped): stop waiting for it
    reply.raw.once('close', () => gone.abort());
    await waiters.run((signal) => store.waitForWork(req.query.ms ?? 0, signal), gone.signal);
    return { ok: true };
  });
  // whether any job still waits or runs (`worker --once` stops when none does)
  app.get('/v1/open', async (req) => {
    await authenticate(req.headers[ASSERTION_HEADER], req);
    return { open: await service.open() };
  });
  app.post<Exchange>('/v1/claim', { schema: exchangeSchema }, async (req) => {
    return { claimed: await service.claim(await authenticate(req.body.client_assertion, req)) };
  });
  app.post<Exchange>('/v1/heartbeat', { schema: exchangeSchema }, async (req) => {
    return { token: await service.heartbeat(await authenticate(req.body.client_assertion, req), req.body.token ?? '') };
  });
  app.post<Exchange>('/v1/complete', { schema: exchangeSchema }, async (req) => {
    return service.complete(await authenticate(req.body.client_assertion, req), req.body.token ?? '', req.body.outcome ?? {});
  });
  app.post<Exchange>('/v1/fail', { schema: exchangeSchema }, async (req) => {
    return service.fail(await authenticate(req.body.client_assertion, req), req.body.token ?? '', req.body.outcome ?? {});
  });
};
