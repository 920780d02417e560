// The entry of bin/taskgate: the CLI run with the real process's output, environment, terminal and clock.
import { main } from './main.js';
import { wantsColour } from './terminal.js';

/** Entry for bin/taskgate. */
export function cliMain(argv: string[]): Promise<number> {
  return main(argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    colour: wantsColour(Boolean(process.stdout.isTTY), process.env),
    now: () => new Date(),
  });
}
