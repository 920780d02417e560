// `POST /v1/jobs/{id}/log`: a remote worker sends its task's log as it runs (DESIGN §14 "Logs travel"), with its running token.
import type { FastifyPluginAsync } from 'fastify';
import { TaskgateError } from '../../errors/taskgate-error.js';
import { appendJobLog, MAX_LOG_CHUNK } from '../../exchange/log-upload.js';
import { CLIENT_ASSERTION_TYPE } from '../../tokens/client-assertion.js';
import type { RouteContext } from '../route-context.js';
import { MAX_TOKEN, workerAuthenticator } from '../worker-auth.js';

interface LogBody {
  client_assertion_type: typeof CLIENT_ASSERTION_TYPE;
  client_assertion: string;
  token: string;
  offset: number;
  /** The chunk, base64: a log is bytes, not always text. */
  data: string;
}

// the chunk is bounded before it is decoded; unknown fields are refused
const logSchema = {
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^[0-9a-f]{8,64}$' } },
  },
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['client_assertion_type', 'client_assertion', 'token', 'offset', 'data'],
    properties: {
      client_assertion_type: { const: CLIENT_ASSERTION_TYPE },
      client_assertion: { type: 'string', minLength: 10, maxLength: MAX_TOKEN },
      token: { type: 'string', minLength: 10, maxLength: MAX_TOKEN },
      offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      data: { type: 'string', maxLength: Math.ceil(MAX_LOG_CHUNK / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' },
    },
  },
} as const;

/** Workers only (a client assertion bound to this request), and only the one holding the job's current running token. */
export const logUploadRoutes: FastifyPluginAsync<RouteContext> = async (app, { config, store, service, now }) => {
  const authenticate = workerAuthenticator(config, store, now);
  app.post<{ Params: { id: string }; Body: LogBody }>('/v1/jobs/:id/log', { schema: logSchema }, async (req) => {
    const worker = await authenticate(req.body.client_assertion, req);
    const data = Buffer.from(req.body.data, 'base64');
    if (data.length > MAX_LOG_CHUNK)
      throw new TaskgateError('ERR_USAGE', `a log chunk holds at most ${MAX_LOG_CHUNK} bytes`, 'send the log in smaller chunks');
    return appendJobLog(service, { worker, token: req.body.token, jobId: req.params.id, offset: req.body.offset, data }, now());
  });
};
