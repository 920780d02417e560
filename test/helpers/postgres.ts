// The PostgreSQL of the test run: whether it is there, a fresh database per caller, raw SQL, and a cluster of a test's own.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL that scripts/test starts with pg_virtualenv (PGHOST, PGPORT, PGUSER,
 * PGPASSWORD in the environment). Each caller gets a database of its own.
 */
export function pgAvailable(): boolean {
  return Boolean(process.env['PGHOST'] && process.env['PGPORT']);
}

function requireServer(): void {
  if (!pgAvailable()) {
    // never a skip: without PostgreSQL the suite is incomplete, and says so
    throw new Error('PostgreSQL is not running: run the tests with ./scripts/test (it starts one with pg_virtualenv)');
  }
}

export function serverUrl(database = process.env['PGDATABASE'] ?? 'postgres', port = process.env['PGPORT']!): string {
  const user = encodeURIComponent(process.env['PGUSER'] ?? 'postgres');
  const password = process.env['PGPASSWORD'] ? `:${encodeURIComponent(process.env['PGPASSWORD'])}` : '';
  return `postgres://${user}${password}@${process.env['PGHOST'] === 'localhost' ? '127.0.0.1' : process.env['PGHOST']}:${port}/${database}`;
}

/** A new, empty database; returns its URL. */
export async function freshDatabase(port?: string): Promise<string> {
  requireServer();
  const name = `tg_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl('postgres', port) });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return serverUrl(name, port);
}

/** Runs SQL against a database directly, as an attacker or an admin with psql would. */
export async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL cluster of its own (Debian's pg_createcluster), for a test that stops and
 * starts the server without disturbing the others. Needs root, as scripts/test runs in CI.
 */
export async function ownCluster(): Promise<{
  port: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  drop: () => Promise<void>;
}> {
  requireServer();
  const name = `tg${randomBytes(4).toString('hex')}`;
  const version = (await execa('sh', ['-c', "pg_lsclusters -h | awk 'NR==1{print $1}'"])).stdout.trim();
  await execa('pg_createcluster', [version, name, '--start', '--', '--auth=trust'], { reject: true });
  const port = (await execa('sh', ['-c', `pg_lsclusters -h | awk '$2=="${name}"{print $3}'`])).stdout.trim();
  const ctl = (action: string) => execa('pg_ctlcluster', [version, name, action], { reject: true }).then(() => undefined);
  return {
    port,
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    drop: () => execa('pg_dropcluster', ['--stop', version, name], { reject: false }).then(() => undefined),
  };
}
