// The web UI's routes (DESIGN §17): the pages, the job logs, the assets and /v1/events; server/ registers them behind its reader check.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TaskgateConfig } from '../config/config-types.js';
import { httpStatusOf, summaryOf } from '../errors/error-codes.js';
import { isTaskgateError, TaskgateError } from '../errors/taskgate-error.js';
import type { JobStore } from '../store/store-types.js';
import { auditPage } from './audit-page.js';
import { logFile, readLogTail } from '../exchange/job-log.js';
import { jobPage, TAIL_BYTES } from './job-page.js';
import { LiveEvents, type LiveEvent } from './live-events.js';
import { idParam, JOB_STATUSES, notFound, parseLogQuery, parseNoQuery, parsePagedQuery, parsePushesQuery } from './page-query.js';
import { pushPage } from './push-page.js';
import { pushesPage } from './pushes-page.js';
import { taskPage } from './task-page.js';
import { createUiContext, type UiContext } from './ui-context.js';
import { loadAssets, render } from './views.js';
import { workersPage } from './workers-page.js';

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** An error as a page: 4xx with its message (ids escaped by the template), 5xx with the code's summary only (no path, no stack). */
function errorPage(error: unknown, reply: FastifyReply): FastifyReply {
  const fastifyStatus = (error as { statusCode?: number }).statusCode;
  const te = isTaskgateError(error)
    ? error
    : fastifyStatus && fastifyStatus < 500
      ? new TaskgateError('ERR_USAGE', 'the request is not valid', 'go back to the pushes page and follow its links')
      : new TaskgateError('ERR_INTERNAL', 'internal error', 'see the service log');
  const status = httpStatusOf(te.code);
  const heading =
    status === 404
      ? 'not found'
      : status === 400
        ? 'bad request'
        : status === 401 || status === 403
          ? 'not allowed'
          : 'the service could not answer';
  const message = status < 500 ? te.message : summaryOf(te.code);
  const hint = status < 500 ? te.hint : 'see the service log';
  const body = render('./error', { title: heading, page: 'error', status, heading, message, code: te.code, hint });
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/** The 404 page for a path no route serves; `serve` hands it to server/, whose one not-found handler serves the API's JSON answer too. */
export function pageNotFound(_req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return errorPage(notFound('such page'), reply.headers(SECURITY_HEADERS));
}

function html(reply: FastifyReply, view: string, data: object): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(render(view, data));
}

/** The UI as a Fastify plugin (encapsulated: its headers and error pages apply to its routes only); `taskgate serve` hands it to server/, which puts it behind the reader check. */
export function uiRoutes(options: { config: TaskgateConfig; store: JobStore; root: string; now?: () => Date }) {
  return async (app: FastifyInstance): Promise<void> => {
    const ctx = createUiContext(options);
    const events = new LiveEvents(options.store, ctx.gate, ctx.now);
    const assets = loadAssets();
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      return payload;
    });
    const streams = new Set<() => void>();
    // open event streams end before the server closes, or closing would wait for every open page
    app.addHook('preClose', async () => {
      for (const end of streams) end();
      await events.close();
    });
    app.setErrorHandler((error, _req, reply) => errorPage(error, reply));
    app.get('/assets/:name', async (req, reply) => {
      const asset = assets.get(idParam((req.params as { name: string }).name, 'asset'));
      if (!asset) throw notFound('such asset');
      return reply.type(asset.type).header('cache-control', 'max-age=300').send(asset.body);
    });
    pageRoutes(app, ctx);
    app.get('/jobs/:id/log', async (req, reply) => jobLog(ctx, req, reply));
    app.get('/v1/events', async (req, reply) => {
      parseNoQuery(req.query);
      return eventStream(events, streams, req, reply);
    });
  };
}

/** The pages, each a view gathered by its ui/ file and rendered by its template. */
function pageRoutes(app: FastifyInstance, ctx: UiContext): void {
  app.get('/', async (req, reply) => {
    const view = await pushesPage(ctx, parsePushesQuery(req.query));
    const { cursor: _c, ...filters } = view.query;
    const nextQuery = new URLSearchParams({ ...filters, ...(view.next ? { cursor: view.next } : {}) }).toString();
    return html(reply, './pushes', { ...view, title: 'Pushes', page: 'pushes', statuses: JOB_STATUSES, nextQuery });
  });
  app.get('/pushes/:id', async (req, reply) => {
    parseNoQuery(req.query);
    const view = await pushPage(ctx, idParam((req.params as { id: string }).id, 'push id'));
    return html(reply, './push', { ...view, title: `Push ${view.id.slice(0, 16)}`, page: 'push' });
  });
  app.get('/jobs/:id', async (req, reply) => {
    parseNoQuery(req.query);
    const view = await jobPage(ctx, idParam((req.params as { id: string }).id, 'job id'));
    return html(reply, './job', { ...view, title: `${view.task} ${view.short}`, page: 'job' });
  });
  app.get('/tasks/:name', async (req, reply) => {
    const { cursor } = parsePagedQuery(req.query);
    const view = await taskPage(ctx, idParam((req.params as { name: string }).name, 'task name'), cursor);
    return html(reply, './task', { ...view, title: `Task ${view.task}`, page: 'task' });
  });
  app.get('/workers', async (req, reply) => {
    parseNoQuery(req.query);
    return html(reply, './workers', { ...(await workersPage(ctx)), title: 'Workers', page: 'workers' });
  });
  app.get('/audit', async (req, reply) => {
    parseNoQuery(req.query);
    return html(reply, './audit', { ...(await auditPage(ctx)), title: 'Audit', page: 'audit' });
  });
}

/** A job's log as text: the tail, or the whole file with `download=1`; only what the worker on this host wrote. */
async function jobLog(ctx: UiContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = parseLogQuery(req.query);
  const id = idParam((req.params as { id: string }).id, 'job id');
  const job = await ctx.store.getJob(id);
  if (!job) throw notFound(`job ${id}`);
  const attempt = q.attempt ?? (await ctx.store.attemptsOf(id)).at(-1)?.attempt;
  const log = attempt
    ? readLogTail(logFile(ctx.config.worker.logs, id, attempt), q.download ? Number.POSITIVE_INFINITY : TAIL_BYTES)
    : null;
  if (!log) throw notFound(`log of job ${id}${attempt ? ` attempt ${attempt}` : ''} on this host`);
  reply.type('text/plain; charset=utf-8');
  if (q.download) reply.header('content-disposition', `attachment; filename="${id}-${attempt}.log"`);
  return reply.send(log.data.toString('utf8'));
}

/** Server-Sent Events: one line per change; a comment every 15 s keeps proxies from closing the stream. */
function eventStream(events: LiveEvents, streams: Set<() => void>, req: FastifyRequest, reply: FastifyReply): FastifyReply | void {
  const send = (e: LiveEvent) => {
    const { type, ...data } = e;
    reply.raw.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  if (!events.subscribe(send)) {
    throw new TaskgateError('ERR_USAGE', 'too many open event streams', 'close some pages and try again');
  }
  reply.hijack();
  reply.raw.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  reply.raw.write('retry: 1000\n\n');
  const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
  const end = () => {
    clearInterval(keepAlive);
    events.unsubscribe(send);
    streams.delete(end);
    reply.raw.end();
  };
  streams.add(end);
  req.raw.once('close', end);
}
