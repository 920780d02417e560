// The gate's chg session, opened by hooks/pretxnchangegroup before the gate's code loads (DESIGN §13).
import { existsSync } from 'node:fs';
import { ChgSession } from './chg-session.js';
import { hgCommand, hgEnv } from './hg-command.js';
import { readerConfig } from './reader-config.js';

/**
 * A session with the chg server the gate's read will use, or null when there is none to open:
 * chg not installed or not chosen by the environment, or no server yet (chg's own client then
 * starts it). `hg.command` is not known yet; the read checks it and leaves an unsuitable session.
 */
export function openEarlySession(env: NodeJS.ProcessEnv, cwd: string): ChgSession | null {
  if (env['HG_HOOKTYPE'] !== 'pretxnchangegroup') return null;
  const config = readerConfig();
  const command = hgCommand(env, config);
  const socket = command.env['CHGSOCKNAME'];
  if (!command.chg || socket === undefined || !existsSync(socket)) return null;
  try {
    return new ChgSession(socket, cwd, { ...hgEnv(env), ...command.env }, [...command.args, ...config]);
  } catch {
    return null;
  }
}
