// Copies every row of one store into another (SQLite to PostgreSQL) in one transaction, idempotently, for `taskgate store copy`.
import type { SqlJobStore } from './sql-job-store.js';
import { COPIED_TABLES } from './store-layout.js';

export interface CopyResult {
  /** Rows copied per table; rows the target already had are left as they are. */
  copied: Record<string, number>;
  skipped: Record<string, number>;
}

/**
 * Copies every push, processed head, job, token and attempt from one store to another (SQLite
 * to PostgreSQL, say) in one transaction on the target, in the order they were written. Rows
 * the target already has are kept, so running it twice copies nothing new.
 */
export async function copyStore(
  from: SqlJobStore,
  to: SqlJobStore,
  onTable: (table: string, rows: number) => void = () => {},
): Promise<CopyResult> {
  const result: CopyResult = { copied: {}, skipped: {} };
  const source = from.driver;
  await to.driver.transaction(async (tx) => {
    for (const [table, columns] of COPIED_TABLES) {
      const rows = await source.all<Record<string, unknown>>(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${source.seq}`);
      onTable(table, rows.length);
      let copied = 0;
      const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`;
      for (const row of rows)
        copied += await tx.run(
          insert,
          columns.map((c) => row[c] ?? null),
        );
      result.copied[table] = copied;
      result.skipped[table] = rows.length - copied;
    }
    if ((result.copied['jobs'] ?? 0) > 0) await tx.notifyReady();
  });
  return result;
}
