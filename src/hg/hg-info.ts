// What doctor asks of hg: its version, and the hooks hg itself sees in a repository.
import { runHg } from './run-hg.js';

/** The Mercurial version, e.g. [6, 3, 2]. */
export async function hgVersion(cwd: string): Promise<{ text: string; parts: number[] }> {
  const out = (await runHg(['version', '-q'], { cwd })).toString('utf8');
  const text = /version ([0-9][^)\s]*)/.exec(out)?.[1] ?? out.trim();
  return {
    text,
    parts: text
      .split(/[.+-]/)
      .map((p) => Number.parseInt(p, 10))
      .filter((n) => !Number.isNaN(n)),
  };
}

/** The hooks as hg itself sees them in a repository: an untrusted hgrc contributes nothing. */
export async function hgHooks(repoRoot: string): Promise<Map<string, string>> {
  const out = (await runHg(['config', 'hooks'], { cwd: repoRoot, okExitCodes: [1] })).toString('utf8');
  const hooks = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^hooks\.([^=]+)=(.*)$/.exec(line);
    if (m) hooks.set(m[1]!, m[2]!);
  }
  return hooks;
}
