// What `taskgate doctor` says about the hook server: off, running, or started by the next push.
import { existsSync } from 'node:fs';
import { socketAnswers } from '../hg/chg-status.js';
import { hookServerSocket } from './protocol.js';

export interface HookServerStatus {
  state: 'off' | 'running' | 'stopped' | 'unusable';
  /** Its socket, when it has one. */
  socket: string | null;
}

/** The hook server of the install whose bundles are in `dist`, as the hooks would find it with `env`. */
export async function hookServerStatus(dist: string, env: NodeJS.ProcessEnv): Promise<HookServerStatus> {
  if (env['TASKGATE_HOOK_SERVER'] === 'off') return { state: 'off', socket: null };
  const socket = hookServerSocket(dist, env);
  if (socket === null) return { state: 'unusable', socket: null };
  return { state: existsSync(socket) && (await socketAnswers(socket)) ? 'running' : 'stopped', socket };
}
