/** `taskgate doctor`: runs every check of doctor-checks.ts and prints one line each. */
import { resolve } from 'node:path';
import { EXIT } from '../errors/error-codes.js';
import { findRepoRoot } from '../hg/find-root.js';
import type { CliIo } from './cli-io.js';
import { DOCTOR_CHECKS, type Check, type DoctorContext } from './doctor-checks.js';
import { parseCliArgs } from './parse-cli-args.js';
import { paint } from './terminal.js';

export const DOCTOR_USAGE = 'taskgate doctor [REPO] [--json]';

/** `taskgate doctor`: everything that can silently break the hooks (DESIGN §12), one line each. */
export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('doctor', args, { json: { type: 'boolean' } }, DOCTOR_USAGE);
  const root = findRepoRoot(positionals[0] ? resolve(io.cwd, positionals[0]) : io.cwd);
  const ctx: DoctorContext = { root, io, config: null, store: null };
  const checks: Check[] = [];
  try {
    for (const check of DOCTOR_CHECKS) checks.push(...(await check(ctx)));
  } finally {
    await ctx.store?.close();
  }
  const ok = !checks.some((c) => c.status === 'fail');
  if (values.json) io.out(`${JSON.stringify({ root, ok, checks })}\n`);
  else {
    const colour = paint(io);
    const tone = { ok: 'green', warn: 'yellow', fail: 'red' } as const;
    for (const c of checks) {
      io.out(`${colour(tone[c.status], c.status.padEnd(4))}  ${c.name}: ${c.detail}\n`);
      if (c.hint && c.status !== 'ok') io.out(`      hint: ${c.hint}\n`);
    }
  }
  return ok ? EXIT.ok : EXIT.failed;
}
