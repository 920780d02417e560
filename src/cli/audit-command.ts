import { resolve } from 'node:path';
import { fileTrail, storedTrail, type AuditTrail } from '../audit/audit-chain.js';
import type { AuditRecord } from '../audit/audit-log.js';
import { loadConfig } from '../config/load-config.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { printable } from '../errors/printable.js';
import { findRepoRoot } from '../hg/find-root.js';
import { openStore } from '../store/open-store.js';
import type { JobStore } from '../store/store-types.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';

export const AUDIT_USAGE = 'taskgate audit verify|tail [-R REPO] [--file AUDIT.jsonl] [-n N] [--json]';

function describe(r: AuditRecord): string {
  const d = r.data;
  const who =
    d['pusher'] === undefined
      ? ''
      : ` by ${d['pusher'] === null ? '(unknown)' : printable(typeof d['pusher'] === 'string' ? d['pusher'] : JSON.stringify(d['pusher']))} via ${String(d['channel'])}`;
  const count = Array.isArray(d['violations'])
    ? ` (${d['violations'].length} violations)`
    : Array.isArray(d['created'])
      ? ` (${d['created'].length} jobs created, ${(d['existing'] as unknown[] | undefined)?.length ?? 0} already there)`
      : '';
  return `${r.seq}\t${r.ts}\t${r.event}${who}${count}`;
}

/**
 * `taskgate audit verify` finds any edit, deletion, reordering or cut-off tail; `audit tail`
 * shows the latest records. The repository's audit file always; with the postgres store, also
 * the chain of job events kept in the database.
 */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(
    'audit',
    args,
    {
      repository: { type: 'string', short: 'R' },
      file: { type: 'string' },
      config: { type: 'string' },
      n: { type: 'string', short: 'n' },
      json: { type: 'boolean' },
    },
    AUDIT_USAGE,
  );
  const sub = positionals[0];
  if (sub !== 'verify' && sub !== 'tail')
    throw new TaskgateError('ERR_USAGE', `taskgate audit: unknown subcommand ${sub ?? '(none)'}`, `usage: ${AUDIT_USAGE}`);
  const trails: AuditTrail[] = [];
  let store: JobStore | null = null;
  if (values.file) trails.push(fileTrail(resolve(io.cwd, values.file)));
  else {
    const root = findRepoRoot(values.repository ? resolve(io.cwd, values.repository) : io.cwd);
    const config = loadConfig({ explicit: values.config ? resolve(io.cwd, values.config) : undefined, env: io.env, root });
    trails.push(fileTrail(config.audit.path));
    if (config.store.backend === 'postgres') {
      store = await openStore(config);
      if (store.auditStorage) trails.push(storedTrail(store.auditStorage));
    }
  }
  try {
    if (sub === 'verify') {
      let ok = true;
      for (const trail of trails) {
        const result = await trail.verify();
        ok &&= result.ok;
        if (values.json) io.out(`${JSON.stringify({ path: trail.name, ...result })}\n`);
        else if (result.ok) io.out(`audit log ${trail.name}: ${result.records} records, chain intact\n`);
        else io.out(`audit log ${trail.name}: chain BROKEN\n${result.problems.map((p) => `  ${p}`).join('\n')}\n`);
      }
      return ok ? EXIT.ok : EXIT.failed;
    }
    const n = Number(values.n ?? '20');
    for (const trail of trails) {
      const records = await trail.tail(n);
      if (!values.json && trails.length > 1) io.out(`== ${trail.name}\n`);
      for (const r of records) io.out(values.json ? `${JSON.stringify(r)}\n` : `${describe(r)}\n`);
    }
    return EXIT.ok;
  } finally {
    await store?.close();
  }
}
