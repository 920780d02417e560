// The worker API: claim, heartbeat, complete and fail through the exchange, and the long poll for work (DESIGN §10).
import type { FastifyPluginAsync } from 'fastify';
import type { Outcome } from '../../exchange/exchange-types.js';
import { CLIENT_ASSERTION_TYPE } from '../../tokens/client-assertion.js';
import type { RouteContext } from '../route-context.js';
import { workerAuthenticator } from '../worker-auth.js';

/** Every worker request: an RFC 7523 client assertion, and for the exchanges after a claim the running token and outcome. */
interface ExchangeBody {
  client_assertion_type: typeof CLIENT_ASSERTION_TYPE;
  client_assertion: string;
  token?: string;
  outcome?: Outcome;
}

const exchangeSchema = {
  body: {
    type: 'object',
    required: ['client_assertion_type', 'client_assertion'],
    properties: {
      client_assertion_type: { const: CLIENT_ASSERTION_TYPE },
      client_assertion: { type: 'string', minLength: 10 },
      token: { type: 'string' },
      outcome: {
        type: 'object',
        properties: {
          exitCode: { type: ['integer', 'null'] },
          log: { type: ['string', 'null'] },
          reason: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;

const waitSchema = { querystring: { type: 'object', properties: { ms: { type: 'integer', minimum: 0 } } } } as const;

export const workerRoutes: FastifyPluginAsync<RouteContext> = async (app, { config, store, service, now }) => {
  const authenticate = workerAuthenticator(config, now);
  type Exchange = { Body: ExchangeBody };

  // answered when the store says work may be ready (NOTIFY), or after ms (at most 25 s)
  app.get<{ Querystring: { ms?: number } }>('/v1/wait', { schema: waitSchema }, async (req, reply) => {
    const gone = new AbortController();
    // the worker hung up (it stopped): stop waiting for it
    reply.raw.once('close', () => gone.abort());
    await store.waitForWork(Math.min(25_000, req.query.ms ?? 0), gone.signal);
    return { ok: true };
  });
  app.post<Exchange>('/v1/claim', { schema: exchangeSchema }, async (req) => {
    return { claimed: await service.claim(await authenticate(req.body.client_assertion)) };
  });
  app.post<Exchange>('/v1/heartbeat', { schema: exchangeSchema }, async (req) => {
    return { token: await service.heartbeat(await authenticate(req.body.client_assertion), req.body.token ?? '') };
  });
  app.post<Exchange>('/v1/complete', { schema: exchangeSchema }, async (req) => {
    return service.complete(await authenticate(req.body.client_assertion), req.body.token ?? '', req.body.outcome ?? {});
  });
  app.post<Exchange>('/v1/fail', { schema: exchangeSchema }, async (req) => {
    return service.fail(await authenticate(req.body.client_assertion), req.body.token ?? '', req.body.outcome ?? {});
  });
};
