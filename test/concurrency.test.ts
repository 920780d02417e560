// Concurrent pushes, to one repository or to two sharing a store: every push queues its jobs exactly once.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, hgOk, jobsOf, makeCentral, makeClone, push, taskgate, tempDir } from './helpers/hg-fixture.js';

/** Concurrent pushes: the changegroup hooks run after the lock is released, in any order. */

const TASKS = JSON.stringify({ version: 1, tasks: { build: { inputs: ['**'], run: 'true' }, test: { requires: ['build'], run: 'true' } } });

async function central(dir: string, name: string, config: Record<string, unknown>): Promise<string> {
  return makeCentral(dir, { name, config, trigger: true });
}

/** `clients` working copies, each on a branch of its own, each pushing `rounds` times as fast as it can. */
async function hammer(dir: string, repo: string, clients: number, rounds: number, tag: string): Promise<string[]> {
  const seed = await makeClone(dir, repo, `${tag}-seed`);
  await commit(seed, { 'tasks.json': TASKS }, 'the tasks');
  expect((await push(seed, repo)).exitCode).toBe(0);
  const heads: string[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const work = await makeClone(dir, repo, `${tag}-c${c}`);
      await hgOk(work, ['branch', '-q', `client${c}`]);
      for (let r = 0; r < rounds; r++) {
        heads.push(await commit(work, { [`c${c}/f${r}.txt`]: `${r}` }, `client ${c} round ${r}`));
        const p = await push(work, repo, {}, ['--new-branch']);
        expect(p.exitCode, p.all).toBe(0);
      }
    }),
  );
  return heads;
}

describe('concurrent pushes', () => {
  it('four clients pushing to one repository at once: every push queues its jobs exactly once', async () => {
    const dir = tempDir('tg-conc-');
    const repo = await central(dir, 'central', { repo: { id: 'acme/app' }, policy: { rules: [] } });
    const heads = await hammer(dir, repo, 4, 4, 'one');
    const r = await taskgate(repo, ['reconcile', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ drained: 0, created: [] });
    const jobs = await jobsOf(repo);
    // the manifest's own push, then two jobs per pushed head
    expect(jobs).toHaveLength(2 + heads.length * 2);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    for (const h of heads) expect(jobs.filter((j) => j.rev === h).map((j) => j.task)).toEqual(['build', 'test']);
    expect((await taskgate(repo, ['audit', 'verify'])).exitCode).toBe(0);
  }, 120_000);

  it('two repositories sharing one store, pushed to at once: each job once, in its own repository', async () => {
    const dir = tempDir('tg-shared-');
    const shared = join(dir, 'shared', 'jobs.db');
    const a = await central(dir, 'a', { repo: { id: 'acme/a' }, policy: { rules: [] }, store: { backend: 'sqlite', path: shared } });
    const b = await central(dir, 'b', { repo: { id: 'acme/b' }, policy: { rules: [] }, store: { backend: 'sqlite', path: shared } });
    const [ha, hb] = await Promise.all([hammer(dir, a, 2, 4, 'a'), hammer(dir, b, 2, 4, 'b')]);
    for (const [repo, heads] of [
      [a, ha],
      [b, hb],
    ] as const) {
      expect(JSON.parse((await taskgate(repo, ['reconcile', '--json'])).stdout)).toMatchObject({ created: [] });
      const jobs = await jobsOf(repo);
      expect(jobs).toHaveLength(2 + heads.length * 2);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
      expect(jobs.every((j) => heads.includes(j.rev) || jobs.filter((k) => k.rev === j.rev).length === 2)).toBe(true);
    }
    const all = await jobsOf(a);
    expect(all.every((j) => j.repo === 'acme/a')).toBe(true);
  }, 120_000);
});
