// `taskgate audit verify|tail|checkpoint`: the audit chains checked against their newest signed checkpoint, their latest records, a checkpoint now.
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileTrail } from '../audit/audit-chain.js';
import type { AuditRecord } from '../audit/audit-log.js';
import { loadConfig } from '../config/load-config.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { printable } from '../errors/printable.js';
import { findRepoRoot } from '../hg/find-root.js';
import { openStore } from '../store/open-store.js';
import { chainsOf, makeCheckpoints, verifyAnchored, type NamedTrail } from '../exchange/audit-checkpoint.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';

export const AUDIT_USAGE = 'taskgate audit verify|tail|checkpoint [-R REPO] [--file AUDIT.jsonl] [-n N] [--json]';

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
 * `taskgate audit verify` finds any edit, deletion, reordering or cut-off tail, and, against the
 * newest signed checkpoint, a consistently rewritten or deleted chain; `audit tail` shows the
 * latest records; `audit checkpoint` signs and ships a checkpoint now. The repository's audit
 * file always; with the postgres store, also the chain of job events kept in the database.
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
  if (sub !== 'verify' && sub !== 'tail' && sub !== 'checkpoint')
    throw new TaskgateError('ERR_USAGE', `taskgate audit: unknown subcommand ${sub ?? '(none)'}`, `usage: ${AUDIT_USAGE}`);
  if (values.file) {
    // a copied log on its own: its links only, no checkpoint or store to hold it against
    const trail = fileTrail(resolve(io.cwd, values.file));
    return sub === 'tail'
      ? tail([{ chain: 'file', trail }], values, io)
      : report([{ name: trail.name, ...(await trail.verify()) }], values, io);
  }
  const root = findRepoRoot(values.repository ? resolve(io.cwd, values.repository) : io.cwd);
  const config = loadConfig({ explicit: values.config ? resolve(io.cwd, values.config) : undefined, env: io.env, root });
  // the store says whether pushes happened; a SQLite store that is not there is not created here
  const store = config.store.backend === 'postgres' || existsSync(config.store.path ?? '') ? await openStore(config) : null;
  try {
    const chains = chainsOf(config, store);
    if (sub === 'tail') return tail(chains, values, io);
    if (sub === 'checkpoint') {
      const made = await makeCheckpoints(config, store, io.now());
      for (const a of made)
        io.out(
          values.json ? `${JSON.stringify(a)}\n` : `audit checkpoint: ${a.chain} chain at seq ${a.seq} (${a.hash.slice(0, 16)}), ${a.at}\n`,
        );
      if (made.length === 0 && !values.json) io.out('audit checkpoint: the chains are empty, nothing to anchor\n');
      return EXIT.ok;
    }
    const results = [];
    for (const named of chains) results.push({ name: named.trail.name, ...(await verifyAnchored(config, named, store)) });
    return report(results, values, io);
  } finally {
    await store?.close();
  }
}

function report(
  results: Array<{ name: string; ok: boolean; records: number; problems: string[]; checkpoint?: { seq: number; at: string } | null }>,
  values: { json?: boolean | undefined },
  io: CliIo,
): number {
  for (const r of results) {
    const { name, ...rest } = r;
    const anchored = r.checkpoint
      ? `, checkpoint of ${r.checkpoint.at} (seq ${r.checkpoint.seq}) holds`
      : r.checkpoint === null
        ? ', no checkpoint'
        : '';
    if (values.json) io.out(`${JSON.stringify({ path: name, ...rest })}\n`);
    else if (r.ok) io.out(`audit log ${name}: ${r.records} records, chain intact${anchored}\n`);
    else io.out(`audit log ${name}: chain BROKEN\n${r.problems.map((p) => `  ${p}`).join('\n')}\n`);
  }
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

async function tail(chains: NamedTrail[], values: { n?: string | undefined; json?: boolean | undefined }, io: CliIo): Promise<number> {
  const n = Number(values.n ?? '20');
  for (const { trail } of chains) {
    const records = await trail.tail(n);
    if (!values.json && chains.length > 1) io.out(`== ${trail.name}\n`);
    for (const r of records) io.out(values.json ? `${JSON.stringify(r)}\n` : `${describe(r)}\n`);
  }
  return EXIT.ok;
}
