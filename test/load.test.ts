// A load test on loopback: 200 pushes from 4 clients over http with workers running, nothing lost or doubled; figures kept, never asserted.
import { execa, type ResultPromise } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TASKGATE, baseEnv, commit, hgOk, makeCentral, makeClone, push, taskLines, taskgate, tempDir } from './helpers/hg-fixture.js';
import { hgwebWithRemoteUser } from './helpers/servers.js';

/**
 * A load test on loopback: 200 pushes from 4 concurrent clients over http (hgweb behind a
 * wrapper that sets REMOTE_USER), through the full gate and trigger, with workers running
 * jobs meanwhile. Nothing lost, nothing doubled, every job run once, and the audit chain
 * verifies. The figures (pushes per second, 95th-percentile latency) are printed and kept in
 * load-results.json; they are never asserted.
 */

const CLIENTS = 4;
const ROUNDS = 50;
/**
 * The limit is a guard against a hang, never a throughput check (that is scripts/bench's):
 * a minute to set up, and 15 s for each push and its job, ten times what a busy two-core
 * machine was seen to take (0.34 pushes/s, four at a time).
 */
const LIMIT_MS = 60_000 + CLIENTS * ROUNDS * 15_000;
/** The workers are done when no job waits or runs; they are stuck when none finished for this long. */
const STUCK_MS = 120_000;

async function openJobs(repo: string): Promise<number> {
  const list = async (status: string) =>
    JSON.parse((await taskgate(repo, ['jobs', 'list', '--status', status, '--json'])).stdout).length as number;
  return (await list('ready')) + (await list('running')) + (await list('pending'));
}

/** Waits while the workers make progress, until no job waits or runs; the assertions after it say whether anything was left. */
async function drain(repo: string): Promise<void> {
  let open = await openJobs(repo);
  let progressed = Date.now();
  while (open > 0 && Date.now() - progressed < STUCK_MS) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await openJobs(repo);
    if (now < open) progressed = Date.now();
    open = now;
  }
}

describe('load', () => {
  it(
    `${CLIENTS * ROUNDS} pushes from ${CLIENTS} clients over http, with workers running`,
    async () => {
      const dir = tempDir('tg-load-');
      const repo = await makeCentral(dir, {
        trigger: true,
        hgrc: '[web]\nallow-push = *\npush_ssl = false\n',
        config: {
          repo: { id: 'acme/app' },
          identity: { groups: { devs: ['alice', ...Array.from({ length: CLIENTS }, (_, c) => `client${c}`)] } },
          policy: {
            rules: [
              { rule: 'message', pattern: '^LOAD-[0-9]+: ' },
              { rule: 'paths', allow: { '**': ['@devs'] } },
            ],
          },
        },
      });
      const seed = await makeClone(dir, repo, 'seed');
      await commit(
        seed,
        { 'tasks.json': JSON.stringify({ version: 1, tasks: { build: { inputs: ['**'], run: 'echo "$TASKGATE_JOB"' } } }) },
        'LOAD-0: the tasks',
      );
      expect((await push(seed, repo)).exitCode).toBe(0);
      const host = await hgwebWithRemoteUser(repo);
      const workers: ResultPromise[] = [
        execa(TASKGATE, ['worker', '-R', repo, '--concurrency', '2'], { env: baseEnv(), extendEnv: false, reject: false, all: true }),
      ];

      const latencies: number[] = [];
      const started = performance.now();
      try {
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, c) => {
            const work = await makeClone(dir, repo, `client${c}`);
            await hgOk(work, ['branch', '-q', `client${c}`]);
            for (let r = 0; r < ROUNDS; r++) {
              await commit(work, { [`c${c}/f${r}.txt`]: `${r}` }, `LOAD-${r + 1}: client ${c} round ${r}`, {
                user: `Client ${c} <client${c}@acme.test>`,
              });
              const t = performance.now();
              const p = await push(work, `http://client${c}:pw@${host}/`, {}, ['--new-branch']);
              latencies.push(performance.now() - t);
              expect(p.exitCode, p.all).toBe(0);
            }
          }),
        );
      } finally {
        await drain(repo);
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers);
      }
      const seconds = (performance.now() - started) / 1000;
      const sorted = [...latencies].sort((a, b) => a - b);
      const p95 = sorted[Math.ceil(sorted.length * 0.95) - 1]!;
      const figures = {
        pushes: latencies.length,
        clients: CLIENTS,
        seconds: Number(seconds.toFixed(1)),
        pushesPerSecond: Number((latencies.length / seconds).toFixed(2)),
        p95Ms: Math.round(p95),
        medianMs: Math.round(sorted[sorted.length >> 1]!),
      };
      console.log(`load: ${JSON.stringify(figures)}`);
      writeFileSync(join(ROOT, 'load-results.json'), `${JSON.stringify({ date: new Date().toISOString(), ...figures }, null, 2)}\n`);

      // nothing lost, nothing doubled
      expect((await taskgate(repo, ['reconcile', '--json'])).stdout).toContain('"created":[]');
      const jobs = JSON.parse((await taskgate(repo, ['jobs', 'list', '--limit', '5000', '--json'])).stdout) as Array<{
        id: string;
        status: string;
        actor: { sub: string; via: string };
      }>;
      expect(jobs).toHaveLength(1 + CLIENTS * ROUNDS);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
      expect(jobs.every((j) => j.status === 'done')).toBe(true);
      expect(
        jobs
          .filter((j) => j.actor.via === 'http')
          .map((j) => j.actor.sub)
          .sort(),
      ).toEqual(
        Array.from({ length: CLIENTS }, (_, c) => Array(ROUNDS).fill(`client${c}`))
          .flat()
          .sort(),
      );
      // sandboxed tasks write only their archive and their log: what each printed is in its log
      const runs = taskLines(dir);
      expect(runs).toHaveLength(jobs.length);
      expect(new Set(runs).size).toBe(jobs.length);
      const audit = await taskgate(repo, ['audit', 'verify']);
      expect(audit.exitCode, audit.stdout).toBe(0);
    },
    LIMIT_MS,
  );
});
