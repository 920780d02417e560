// `taskgate store migrate|copy`: the store's schema brought up to date, and a SQLite store's jobs copied into the configured one.
import { resolve } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { copyStore } from '../store/copy-store.js';
import { openStore } from '../store/open-store.js';
import { SqlJobStore } from '../store/sql-job-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';
import { progress } from './terminal.js';

export const STORE_USAGE = 'taskgate store migrate|copy [-R REPO] [--from JOBS.db] [--json]';

/**
 * `taskgate store migrate` brings the configured store's schema up to this taskgate's;
 * `taskgate store copy --from JOBS.db` copies a SQLite store's jobs into the configured one
 * (the move from SQLite to PostgreSQL), idempotently.
 */
export async function storeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('store', args, { ...REPO_OPTIONS, from: { type: 'string' } }, STORE_USAGE);
  const sub = positionals[0];
  const { config } = repoConfig(values, io);
  if (sub === 'migrate') {
    // every store brings its schema up to date as it opens (under a lock): this says what that did
    const store = await openStore(config);
    try {
      const { from, to } = await store.migrate();
      if (values.json) io.out(`${JSON.stringify({ backend: store.backend, store: store.describe(), from, to })}\n`);
      else io.out(`store: ${from === to ? `schema version ${to}: nothing to do` : `schema version ${from} -> ${to}`}\n`);
    } finally {
      await store.close();
    }
    return EXIT.ok;
  }
  if (sub === 'copy') {
    if (!values.from)
      throw new TaskgateError(
        'ERR_USAGE',
        'taskgate store copy: give --from JOBS.db, the SQLite store to copy from',
        `usage: ${STORE_USAGE}`,
      );
    const from = new SqliteStore(resolve(io.cwd, values.from));
    const to = await openStore(config);
    try {
      if (!(to instanceof SqlJobStore))
        throw new TaskgateError('ERR_STORE_BACKEND', 'the configured store cannot be copied into', 'configure a sqlite or postgres store');
      const bar = progress(io, !values.json);
      const r = await copyStore(from, to, (table, rows) => bar.update(`copying ${table}: ${rows} rows`, true)).finally(() => bar.done());
      if (values.json) io.out(`${JSON.stringify(r)}\n`);
      else for (const table of Object.keys(r.copied)) io.out(`${table}: ${r.copied[table]} copied, ${r.skipped[table]} already there\n`);
      return EXIT.ok;
    } finally {
      await from.close();
      await to.close();
    }
  }
  throw new TaskgateError('ERR_USAGE', `taskgate store: unknown subcommand ${sub ?? '(none)'}`, `usage: ${STORE_USAGE}`);
}
