// Queued token expiry, with the clock injected: a ready job whose queued token runs out expires, and a retry gives it a new token.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { buildHeadJobs } from '../../src/jobs/build-jobs.js';
import { JobService } from '../../src/exchange/job-service.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { initKeys } from '../../src/tokens/key-store.js';
import { tempDir } from '../helpers/hg-fixture.js';

describe('queued token expiry (clock injected)', () => {
  it('a ready job whose queued token runs out becomes expired, and a retry gives it a new token', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.hg'));
    writeFileSync(
      join(dir, '.hg', 'taskgate.json'),
      JSON.stringify({ repo: { id: 'x/y' }, tokens: { ttl: { queued: '1h', running: '15m', done: '7d' } } }),
    );
    const config = loadConfig({ root: dir });
    await initKeys(config.tokens.keys, 'EdDSA');
    const store = new SqliteStore(config.store.path!);
    let clock = new Date('2026-11-01T10:00:00Z');
    const now = () => clock;
    const node = 'a'.repeat(40);
    const jobs = buildHeadJobs({
      repo: 'x/y',
      node,
      branch: 'default',
      tasks: [{ task: 't', definition: { run: 'true' }, requires: [], reasons: [], filesMatched: 0 }],
      push: { id: 'p', node, nodeLast: node },
      actor: { sub: 'bob', via: 'local', groups: [] },
      now: clock,
    });
    await store.enqueue({
      push: {
        id: 'p',
        repo: 'x/y',
        node,
        nodeLast: node,
        heads: [node],
        actor: { sub: 'bob', via: 'local', groups: [] },
        source: 'hook',
        createdAt: clock.toISOString(),
      },
      jobs,
    });
    const service = await JobService.create(config, store, now);
    await service.housekeeping();
    const first = (await store.getJob(jobs[0]!.id))!;
    expect(first.status).toBe('ready');
    clock = new Date('2026-11-01T11:00:02Z');
    await service.housekeeping();
    expect(await store.getJob(first.id)).toMatchObject({ status: 'expired', token: null });
    expect((await store.tokensOf(first.id)).map((t) => t.state)).toEqual(['dead']);
    expect(await service.claim('w')).toBeNull();
    expect(await store.retryJob(first.id, Math.floor(clock.getTime() / 1000))).toEqual([first.id]);
    await service.housekeeping();
    const claimed = await service.claim('w');
    expect(claimed?.job.id).toBe(first.id);
    await store.close();
  });
});
