import { main } from './main.js';

/** Entry for bin/taskgate. */
export function cliMain(argv: string[]): Promise<number> {
  return main(argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    now: () => new Date(),
  });
}
