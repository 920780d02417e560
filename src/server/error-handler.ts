// The one place where an error becomes the service's HTTP answer (DESIGN §15): code, status and hint; never a path, a URL or a stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusOf, summaryOf } from '../errors/error-codes.js';
import { isTaskgateError, type TaskgateError } from '../errors/taskgate-error.js';

interface ErrorBody {
  error: { code: string; message: string; hint: string };
}

/** A message with every URL and absolute file path taken out (API routes such as /v1/claim stay: callers name them). */
export function scrub(text: string): string {
  return text
    .replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]+/gi, '[url]')
    .replace(/(^|[\s'"(=:])\/(?!v1\/|\.well-known\/)(?:[^\s'"/:)]+\/)*[^\s'"/:)]+/g, '$1[path]')
    .slice(0, 500);
}

/** The answer for a TaskgateError: details only on a 4xx (the caller's own mistake), the summary alone on a 5xx. */
function errorAnswer(error: TaskgateError): { status: number; body: ErrorBody } {
  const status = httpStatusOf(error.code);
  const message = status >= 500 ? summaryOf(error.code) : scrub(error.message);
  const hint = status >= 500 ? `${scrub(error.hint)} (details in the service log)` : scrub(error.hint);
  return { status, body: { error: { code: error.code, message, hint } } };
}

/** Fastify's own refusals of malformed requests (schema, JSON, media type, size) are the caller's: 4xx, ERR_USAGE. */
function requestError(error: FastifyError): { status: number; body: ErrorBody } | null {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  return {
    status,
    body: {
      error: {
        code: 'ERR_USAGE',
        message: scrub(
          error.validation
            ? `${error.validationContext ?? 'request'} ${error.message.replace(/^(body|querystring|params)\s*/, '')}`
            : error.message,
        ),
        hint: 'see the API in docs/operations.md: JSON bodies, known fields only',
      },
    },
  };
}

/** The one error handler of the service: whatever a route throws leaves as code + hint, and the details go to the log. */
export function errorHandler(log: (line: string) => void) {
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const answer = isTaskgateError(error) ? errorAnswer(error) : requestError(error);
    if (answer) {
      if (answer.status >= 500) log(`${req.method} ${req.url.split('?')[0]}: ${error.code}: ${error.message}`);
      return reply.status(answer.status).send(answer.body);
    }
    log(`${req.method} ${req.url.split('?')[0]}: internal error: ${error.stack ?? error.message}`);
    return reply.status(500).send({
      error: { code: 'ERR_INTERNAL', message: summaryOf('ERR_INTERNAL'), hint: 'see the service log' },
    } satisfies ErrorBody);
  };
}
