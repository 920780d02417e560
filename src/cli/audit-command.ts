import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyAudit, type AuditRecord } from '../audit/audit-log.js';
import { loadConfig } from '../config/load-config.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { printable } from '../errors/printable.js';
import { findRepoRoot } from '../hg/find-root.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';

export const AUDIT_USAGE = 'taskgate audit verify|tail [-R REPO] [--file AUDIT.jsonl] [-n N] [--json]';

function auditPath(values: { repository?: string; file?: string; config?: string }, io: CliIo): string {
  if (values.file) return resolve(io.cwd, values.file);
  const root = findRepoRoot(values.repository ? resolve(io.cwd, values.repository) : io.cwd);
  return loadConfig({ explicit: values.config ? resolve(io.cwd, values.config) : undefined, env: io.env, root }).audit.path;
}

/** `taskgate audit verify` finds any edit, deletion, reordering or cut-off tail; `audit tail` shows the latest records. */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('audit', args, {
    repository: { type: 'string', short: 'R' },
    file: { type: 'string' },
    config: { type: 'string' },
    n: { type: 'string', short: 'n' },
    json: { type: 'boolean' },
  }, AUDIT_USAGE);
  const sub = positionals[0];
  const path = auditPath(values, io);
  if (sub === 'verify') {
    const result = verifyAudit(path);
    if (values.json) io.out(`${JSON.stringify({ path, ...result })}\n`);
    else if (result.ok) io.out(`audit log ${path}: ${result.records} records, chain intact\n`);
    else io.out(`audit log ${path}: chain BROKEN\n${result.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return result.ok ? CLI_EXIT.ok : CLI_EXIT.failed;
  }
  if (sub === 'tail') {
    const n = Number(values.n ?? '20');
    let lines: string[] = [];
    try {
      lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(-n);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of lines) {
      if (values.json) {
        io.out(`${line}\n`);
        continue;
      }
      const r = JSON.parse(line) as AuditRecord;
      const d = r.data as Record<string, unknown>;
      const who = d['pusher'] === undefined ? '' : ` by ${d['pusher'] === null ? '(unknown)' : printable(String(d['pusher']))} via ${String(d['channel'])}`;
      const count = Array.isArray(d['violations']) ? ` (${d['violations'].length} violations)`
        : Array.isArray(d['created']) ? ` (${d['created'].length} jobs created, ${(d['existing'] as unknown[] | undefined)?.length ?? 0} already there)` : '';
      io.out(`${r.seq}\t${r.ts}\t${r.event}${who}${count}\n`);
    }
    return CLI_EXIT.ok;
  }
  throw new TaskgateError('ERR_USAGE', `taskgate audit: unknown subcommand ${sub ?? '(none)'}`, `usage: ${AUDIT_USAGE}`);
}
