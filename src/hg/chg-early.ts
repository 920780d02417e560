// The gate's chg session, opened by hooks/pretxnchangegroup before the gate's code loads (DESIGN §13).
import { existsSync } from 'node:fs';
import { ChgSession } from './chg-session.js';
import { hgCommand, hgEnv } from './hg-command.js';
import { readerConfig } from './reader-config.js';

/** The chg server's socket, the environment and the options a gate's session needs; null when there is none to open. */
function sessionPlan(env: NodeJS.ProcessEnv): { socket: string; env: NodeJS.ProcessEnv; config: string[] } | null {
  if (env['HG_HOOKTYPE'] !== 'pretxnchangegroup') return null;
  const config = readerConfig();
  const command = hgCommand(env, config);
  const socket = command.env['CHGSOCKNAME'];
  if (!command.chg || socket === undefined || !existsSync(socket)) return null;
  return { socket, env: { ...hgEnv(env), ...command.env }, config: [...command.args, ...config] };
}

/**
 * A session with the chg server the gate's read will use, or null when there is none to open:
 * chg not installed or not chosen by the environment, or no server yet (chg's own client then
 * starts it). `hg.command` is not known yet; the read checks it and leaves an unsuitable session.
 */
export function openEarlySession(env: NodeJS.ProcessEnv, cwd: string): ChgSession | null {
  const plan = sessionPlan(env);
  if (plan === null) return null;
  try {
    return new ChgSession(plan.socket, cwd, plan.env, plan.config);
  } catch {
    return null;
  }
}

/**
 * The hook server's session for its next gate: `last`, renewed for this folder and environment,
 * while it is the same server with the same options and its worker answered in full; otherwise a
 * new one, kept open after its command. A worker that has answered once answers the next read in
 * a few milliseconds: its pages are copied and its code warm (docs/performance.md).
 */
export function nextSession(last: ChgSession | null, env: NodeJS.ProcessEnv, cwd: string): ChgSession | null {
  const plan = sessionPlan(env);
  const same = plan !== null && last?.socketPath === plan.socket && last.configArgs.join('\0') === plan.config.join('\0');
  if (same && last.renew(cwd, plan.env)) return last;
  last?.close();
  if (plan === null) return null;
  try {
    return new ChgSession(plan.socket, cwd, plan.env, plan.config, true);
  } catch {
    return null;
  }
}
