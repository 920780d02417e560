// A task's limits (DESIGN §14, issue 13) on a real worker in real bubblewrap: memory, processes, log size and timeout hold.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { commit, jobsOf, taskLog, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';

// A task's limits (DESIGN §14), enforced on a real worker in real bubblewrap.

// RLIMIT_NPROC counts every process of the task's account on the machine: the tasks run as an
// account of this test's own, so tasks of other tests running at once (as nobody) do not count
const account = `tg-limits-${process.pid}`;
afterAll(async () => {
  await execa('userdel', [account], { reject: false });
});

describe('task limits (issue 13)', () => {
  it('memory, processes, log size and timeout hold; a 24h timeout does not fire at once', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const tasks = {
      memory: {
        // after processes: RLIMIT_NPROC counts the account's other tasks too, so that one runs alone
        requires: ['processes'],
        inputs: ['src/**'],
        resources: { memory: '256m' },
        run: 'python3 -c "x = bytearray(600 * 1024 * 1024)" 2>/dev/null && echo "600m allocated" || echo "600m refused"; python3 -c "x = bytearray(64 * 1024 * 1024)" && echo "64m allocated"',
      },
      processes: {
        inputs: ['src/**'],
        resources: { processes: 8 },
        // forks until refused, ends its children, then forks once more
        run: `python3 -c "
import os, signal, time
pids = []
try:
    for i in range(50):
        p = os.fork()
        if p == 0:
            time.sleep(5)
            os._exit(0)
        pids.append(p)
    print('no limit')
except OSError:
    print('fork refused after', len(pids))
for p in pids:
    os.kill(p, signal.SIGKILL)
    os.waitpid(p, 0)
print('fork again' if os.system('true') == 0 else 'still refused')
"`,
      },
      log: {
        requires: ['processes'],
        inputs: ['src/**'],
        resources: { log: '1k' },
        run: 'yes 0123456789 | head -c 100000; echo; echo after',
      },
      slow: { requires: ['processes'], inputs: ['src/**'], timeout: '1s', run: 'echo started; sleep 20; echo never' },
      day: {
        requires: ['processes'],
        inputs: ['src/**'],
        timeout: '24h',
        run: `sleep 0.5; echo "lived"; python3 -c "import os, json, base64; p = os.environ['TASKGATE_TOKEN'].split('.')[1]; c = json.loads(base64.urlsafe_b64decode(p + '=' * (-len(p) % 4))); print('token life', c['exp'] - c['iat'])"`,
      },
    };
    const add = await execa('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', account], { reject: false });
    expect(add.exitCode, add.stderr).toBe(0);
    const path = join(s.central, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...config, worker: { runAs: account } }));
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }), 'src/a.ts': 'a' }, 'tasks');
    await expectAccepted(s, { LOGNAME: 'bob' });
    const w = await taskgate(s.central, ['worker', '--once']);
    expect(w.exitCode, w.stderr).toBe(0);
    const jobs = Object.fromEntries((await jobsOf(s.central)).map((j) => [j.task, j]));
    const log = (task: string) => taskLog(s.central, jobs[task]!.id);
    expect(log('memory')).toContain('600m refused');
    expect(log('memory')).toContain('64m allocated');
    expect(log('processes')).toContain('fork refused');
    expect(log('processes')).toContain('fork again');
    const cut = log('log');
    expect(cut.length).toBeLessThan(1200);
    expect(cut.startsWith('0123456789')).toBe(true);
    expect(cut).toContain('[taskgate: log cut at 1024 bytes (resources.log); the rest of the output was dropped]');
    expect(cut).not.toContain('after');
    expect(jobs['log']!.status).toBe('done');
    expect(jobs['slow']!.status).toBe('failed');
    expect(log('slow')).toContain('started');
    expect(log('slow')).not.toContain('never');
    expect((await taskgate(s.central, ['jobs', 'show', jobs['slow']!.id])).stdout).toContain('timed out after 1 s');
    expect(jobs['day']!.status).toBe('done');
    expect(log('day')).toContain('lived');
    // the task token of a 24h task lives at most a day, not the timeout plus 5 minutes
    expect(Number(/token life (\d+)/.exec(log('day'))?.[1])).toBeLessThanOrEqual(86_400);
  });
});
