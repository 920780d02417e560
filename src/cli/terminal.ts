// The CLI on a terminal: whether to colour (NO_COLOR, TERM=dumb), coloured text, and a progress line that pipes never see.
import type { CliIo } from './cli-io.js';

/** Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org) or TERM is dumb. */
export function wantsColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

const SGR = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof SGR;

/** `paint(io)('red', text)`: the text, in colour when the CLI's stdout wants it. */
export function paint(io: CliIo): (colour: Colour, text: string) => string {
  return io.colour ? (colour, text) => `\x1b[${SGR[colour]}m${text}\x1b[0m` : (_colour, text) => text;
}

export interface Progress {
  /** Shows `text` on one rewritten stderr line: at once when its stage (before a colon) is new, else at most ten times a second. */
  update(text: string, force?: boolean): void;
  /** Clears the line. */
  done(): void;
}

/** Progress on a terminal only: a pipe, a log or `--json` gets nothing. */
export function progress(io: CliIo, enabled: boolean): Progress {
  if (!enabled || !io.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let stage = '';
  let shown = false;
  return {
    update(text, force = false) {
      const t = Date.now();
      const now = text.split(':')[0]!;
      if (!force && now === stage && t - last < 100) return;
      stage = now;
      last = t;
      shown = true;
      io.err(`\r\x1b[Ktaskgate: ${text}`);
    },
    done() {
      if (shown) io.err('\r\x1b[K');
      shown = false;
    },
  };
}
