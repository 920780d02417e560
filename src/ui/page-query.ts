// The query strings the pages accept, checked strictly: anything else (an unknown key, a huge or forged cursor, an unknown status) is a 400.
import { z } from 'zod';
import { TaskgateError } from '../errors/taskgate-error.js';

export const JOB_STATUSES = ['pending', 'ready', 'running', 'done', 'failed', 'upstream_failed', 'cancelled', 'expired'] as const;

export interface Cursor {
  at: string;
  id: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const cursorShape = z.strictObject({ at: z.string().regex(ISO), id: z.string().min(1).max(200) });
const text = z.string().min(1).max(200);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ at: c.at, id: c.id })).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    return cursorShape.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    throw badQuery('the cursor is not one this service handed out');
  }
}

function badQuery(what: string): TaskgateError {
  return new TaskgateError('ERR_USAGE', `bad query: ${what}`, 'follow the links and forms of the pages; start again from the pushes page');
}

const pushesQuery = z.strictObject({
  branch: text.optional(),
  pusher: text.optional(),
  task: text.optional(),
  status: z.enum(JOB_STATUSES).optional(),
  cursor: z
    .string()
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
});
const pagedQuery = z.strictObject({
  cursor: z
    .string()
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
});
const logQuery = z.strictObject({
  attempt: z
    .string()
    .regex(/^[1-9]\d{0,5}$/)
    .optional(),
  download: z.literal('1').optional(),
});
const noQuery = z.strictObject({});

export type PushesQuery = Omit<z.infer<typeof pushesQuery>, 'cursor'> & { cursor?: Cursor };

/** Empty strings are absent fields (a form submits every field). */
function clean(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object') return {};
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) if (v !== '') out[k] = v;
  return out;
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse({ ...clean(raw) });
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? String(issue.path[0]).slice(0, 40) : 'the query';
    throw badQuery(`${JSON.stringify(where)}: ${issue?.message ?? 'not accepted'}`);
  }
  return r.data;
}

export function parsePushesQuery(raw: unknown): PushesQuery {
  const q = parse(pushesQuery, raw);
  const { cursor, ...rest } = q;
  return cursor === undefined ? rest : { ...rest, cursor: decodeCursor(cursor) };
}

export function parsePagedQuery(raw: unknown): { cursor?: Cursor } {
  const q = parse(pagedQuery, raw);
  return q.cursor === undefined ? {} : { cursor: decodeCursor(q.cursor) };
}

export function parseLogQuery(raw: unknown): { attempt?: number; download: boolean } {
  const q = parse(logQuery, raw);
  return { ...(q.attempt ? { attempt: Number(q.attempt) } : {}), download: q.download === '1' };
}

export function parseNoQuery(raw: unknown): void {
  parse(noQuery, raw);
}

/** A path parameter naming a job, push, task or worker: bounded, or a 400. */
export function idParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw badQuery(`the ${what} in the address is not valid`);
  return value;
}

export function notFound(what: string): TaskgateError {
  return new TaskgateError('ERR_JOB_NOT_FOUND', `no ${what}`, 'go back to the pushes page and follow its links');
}
