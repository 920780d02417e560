// The service's own anchoring (DESIGN §15): every minute it checks whether a checkpoint is due (10 minutes or 100 records) and ships one.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { createServer } from '../src/server/create-server.js';
import { openStore } from '../src/store/open-store.js';
import { commit, taskgate } from './helpers/hg-fixture.js';
import { expectAccepted, scenario } from './helpers/scenario.js';

const lines = (file: string): number => readFileSync(file, 'utf8').trim().split('\n').length;

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the service's checkpoint timer", () => {
  it('ships a checkpoint once one is due, and none before', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const offHost = join(s.dir, 'other-mount', 'checkpoints.jsonl');
    mkdirSync(join(s.dir, 'other-mount'));
    const configPath = join(s.central, '.hg', 'taskgate.json');
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), audit: { checkpoints: offHost } }));
    await commit(
      s.work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { inputs: ['src/**'], run: 'true' } } }), 'src/a.ts': 'a' },
      'one',
    );
    await expectAccepted(s);
    // the push anchored the chain; the job's records come after that checkpoint
    expect((await taskgate(s.central, ['worker', '--once'])).exitCode).toBe(0);
    const before = lines(offHost);

    // only the interval and the clock are the test's: the checkpoint is made, signed and shipped for real
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let clock = Date.now() + 60_000;
    const config = loadConfig({ root: s.central, env: {} });
    const store = await openStore(config);
    const app = await createServer({ config, store, root: s.central, host: '127.0.0.1', baseUrl: () => '', now: () => new Date(clock) });
    try {
      vi.advanceTimersByTime(60_000);
      // a minute after the last checkpoint, with a handful of new records: not due
      expect(await waitFor(() => lines(offHost) > before, 1500)).toBe(false);
      clock += 10 * 60_000;
      vi.advanceTimersByTime(60_000);
      expect(await waitFor(() => lines(offHost) > before, 10_000)).toBe(true);
      expect(lines(offHost)).toBe(before + 1);
      const verify = await taskgate(s.central, ['audit', 'verify']);
      expect(verify.exitCode, verify.stdout).toBe(0);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
