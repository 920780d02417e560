// What `taskgate doctor` says about hg's command: chg or plain hg, and whether chg's server is warm.
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { chgSocketDir, hgCommand } from './hg-command.js';

interface HgCommandStatus {
  /** The program the hooks run. */
  file: string;
  chg: boolean;
  /** The private folder of chg's sockets. */
  socketDir: string | null;
  /** A chg server answers on one of them: the next hook's hg starts warm. */
  warm: boolean;
}

/** Whether something accepts a connection on the unix socket `path` (within a second). */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Which hg the hooks use with this environment and `hg.command`, and whether chg's server is up. */
export async function hgCommandStatus(env: NodeJS.ProcessEnv = process.env): Promise<HgCommandStatus> {
  const command = hgCommand(env);
  if (!command.chg) return { file: command.file, chg: false, socketDir: null, warm: false };
  const dir = chgSocketDir(env);
  let warm = false;
  if (dir !== null) {
    for (const name of readdirSync(dir).filter((n) => n.startsWith('server-'))) {
      if (await socketAnswers(join(dir, name))) {
        warm = true;
        break;
      }
    }
  }
  return { file: command.file, chg: true, socketDir: dir, warm };
}
