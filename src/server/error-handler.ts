// The one place where an error becomes the service's HTTP answer.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../errors/error-codes.js';
import { isTaskgateError } from '../errors/taskgate-error.js';

/** The HTTP status of the codes the service answers with most; any other TaskgateError is a refused request (400). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_USAGE: 400,
  ERR_TOKEN_INVALID: 401,
  ERR_READER_DENIED: 401,
  ERR_JOB_NOT_FOUND: 404,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_BACKEND: 503,
};

interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; hint: string; details?: readonly string[] } };
}

/** A TaskgateError keeps its code and hint; a request Fastify refused (schema, size) is ERR_USAGE; anything else ERR_INTERNAL. */
function errorAnswer(error: unknown): ErrorAnswer {
  if (isTaskgateError(error)) return { status: STATUS[error.code] ?? 400, body: { error: error.toJSON() } };
  const status = (error as FastifyError).statusCode ?? 500;
  const refused = status >= 400 && status < 500;
  return {
    status,
    body: {
      error: {
        code: refused ? 'ERR_USAGE' : 'ERR_INTERNAL',
        message: (error as Error).message,
        hint: refused ? 'see the API in docs/operations.md' : 'see the service log',
      },
    },
  };
}

/** Fastify's error handler for the whole service: every route's failure answers through here. */
export function errorHandler(error: unknown, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = errorAnswer(error);
  return reply.status(status).send(body);
}
