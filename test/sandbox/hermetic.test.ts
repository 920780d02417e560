// Hermetic tasks (DESIGN §14, issue 13): the archive holds only the files the inputs match and the manifest.
import { describe, expect, it } from 'vitest';
import { commit, jobsOf, taskLog, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';

// "hermetic": true (DESIGN §14): the archive holds only what the inputs match, and the manifest.

describe('hermetic tasks (issue 13)', () => {
  it('a hermetic task sees only the files its inputs match and the manifest; a plain task sees the whole revision', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const list = 'find . -type f | sort';
    const tasks = {
      sealed: { inputs: ['src/**', '!src/drafts/**', 'package.json'], hermetic: true, run: list },
      open: { inputs: ['src/**'], run: list },
    };
    await commit(
      s.work,
      {
        'tasks.json': JSON.stringify({ version: 1, tasks }),
        'src/a.ts': 'a',
        'src/lib/b.ts': 'b',
        'src/drafts/c.ts': 'c',
        'package.json': '{}',
        'docs/secret-plan.md': 'x',
        '.env.example': 'y',
      },
      'tasks',
    );
    await expectAccepted(s, { LOGNAME: 'bob' });
    const w = await taskgate(s.central, ['worker', '--once']);
    expect(w.exitCode, w.stderr).toBe(0);
    const jobs = Object.fromEntries((await jobsOf(s.central)).map((j) => [j.task, j]));
    expect(jobs['sealed']!.status).toBe('done');
    expect(taskLog(s.central, jobs['sealed']!.id).trim().split('\n')).toEqual([
      './package.json',
      './src/a.ts',
      './src/lib/b.ts',
      './tasks.json',
    ]);
    const open = taskLog(s.central, jobs['open']!.id);
    for (const f of ['./docs/secret-plan.md', './src/drafts/c.ts', './.env.example']) expect(open).toContain(f);
  });
});
