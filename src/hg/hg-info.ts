import { runHg } from './run-hg.js';

/** The Mercurial version, e.g. [6, 3, 2]. */
export async function hgVersion(cwd: string): Promise<{ text: string; parts: number[] }> {
  const out = (await runHg(['version', '-q'], { cwd })).toString('utf8');
  const text = /version ([0-9][^)\s]*)/.exec(out)?.[1] ?? out.trim();
  return { text, parts: text.split(/[.+-]/).map((p) => Number.parseInt(p, 10)).filter((n) => !Number.isNaN(n)) };
}

/** The hooks as hg itself sees them in a repository (an untrusted hgrc contributes nothing), with hg's warnings. */
export async function hgHooks(repoRoot: string): Promise<{ hooks: Map<string, string>; warnings: string }> {
  const { execa } = await import('execa');
  const r = await execa(process.env['TASKGATE_HG'] ?? 'hg', ['config', 'hooks'], {
    cwd: repoRoot, env: { ...process.env, HGPLAIN: '1' }, reject: false, stdin: 'ignore',
  });
  const hooks = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^hooks\.([^=]+)=(.*)$/.exec(line);
    if (m) hooks.set(m[1]!, m[2]!);
  }
  return { hooks, warnings: r.stderr.trim() };
}
