// gate.timeout (DESIGN §4): a gate whose hg hangs stops it and refuses the push, instead of holding the repository lock.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, executable } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

const SLOW_READ = [
  '# a read that hangs once the test says so: it records its pid, then waits a minute',
  'import os, time',
  'def reposetup(ui, repo):',
  '    if not repo.local():',
  '        return',
  "    marker = os.path.join(os.fsdecode(repo.root), '.hg', 'slow-now')",
  "    if os.environ.get('HG_HOOKTYPE') == 'pretxnchangegroup' and os.path.exists(marker):",
  "        open(marker, 'w').write(str(os.getpid()))",
  '        time.sleep(60)',
  '',
].join('\n');

/** Whether process `pid` still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('gate.timeout', () => {
  it('a hung hg read is killed and the push refused with ERR_GATE_TIMEOUT; within the limit the same push passes', async () => {
    const config = onlyRules([{ rule: 'message', pattern: '^OPS-[0-9]+: ' }], { gate: { timeout: '2s' } });
    const s = await scenario(config);
    // an hg that hangs before it reads: it records its pid, then waits a minute
    const pidFile = join(s.dir, 'hg.pid');
    const hung = executable(join(s.dir, 'hg-hung'), `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: a change');
    const started = Date.now();
    const r = await expectRejected(s, ['error[ERR_GATE_TIMEOUT]', 'gate.timeout (2s)', 'hint: raise gate.timeout'], { TASKGATE_HG: hung });
    // refused at the limit, not after the minute hg would have taken
    expect(Date.now() - started, r.all).toBeLessThan(30_000);
    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    // the gate killed it: nothing of the refused push's read lives on
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(pid)).toBe(false);
    // the same push with a working hg is judged as usual
    await expectAccepted(s);
  });

  it.skipIf(!existsSync('/usr/bin/chg'))(
    "through chg's warm server, the gate's own session is stopped too, and nothing is retried",
    async () => {
      const config = onlyRules([{ rule: 'message', pattern: '^OPS-[0-9]+: ' }], { gate: { timeout: '3s' } });
      const s = await scenario(config);
      const ext = join(s.dir, 'slow_read.py');
      writeFileSync(ext, SLOW_READ);
      const hgrc = join(s.central, '.hg', 'hgrc');
      writeFileSync(hgrc, `${readFileSync(hgrc, 'utf8')}\n[extensions]\nslow_read = ${ext}\n`);
      // chg's sockets in a folder of this test's own: the first push starts the server
      const runtime = join(s.dir, 'run');
      mkdirSync(runtime);
      chmodSync(runtime, 0o700);
      const env = { XDG_RUNTIME_DIR: runtime };
      await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: a change');
      await expectAccepted(s, env);
      // the next read hangs in chg's worker, reached over the gate's session
      const marker = join(s.central, '.hg', 'slow-now');
      writeFileSync(marker, '');
      await commit(s.work, { 'a.txt': 'b' }, 'OPS-2: another change');
      const started = Date.now();
      const r = await expectRejected(s, ['error[ERR_GATE_TIMEOUT]', 'gate.timeout (3s)'], env);
      expect(Date.now() - started, r.all).toBeLessThan(30_000);
      const pid = Number(readFileSync(marker, 'utf8').trim());
      expect(pid).toBeGreaterThan(1);
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(alive(pid)).toBe(false);
    },
  );
});
