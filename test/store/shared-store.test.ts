// One store shared by two repositories with their own keys (DESIGN §14, issue 13): a worker of one never touches the other's jobs.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { commit, jobsOf, makeCentral, makeClone, push, taskgate, tempDir } from '../helpers/hg-fixture.js';

// One store shared by two repositories, each with its own signing key (DESIGN §14): a worker of
// repository A never reserves, cancels or fails B's job.

async function repository(dir: string, name: string, store: string) {
  const central = await makeCentral(dir, {
    name,
    config: { repo: { id: `acme/${name}` }, policy: { rules: [] }, store: { backend: 'sqlite', path: store } },
    trigger: true,
  });
  const work = await makeClone(dir, central, `work-${name}`);
  const tasks = { build: { inputs: ['src/**'], run: `echo built ${name}` } };
  await commit(work, { 'tasks.json': JSON.stringify({ version: 1, tasks }), 'src/a.ts': name }, `tasks of ${name}`);
  const r = await push(work, central, { LOGNAME: 'bob' });
  expect(r.exitCode, r.all).toBe(0);
  return central;
}

describe('a store shared by two repositories (issue 13)', () => {
  it("repository A's worker runs A's job and leaves B's alone: still ready, its token live, never cancelled", async () => {
    const dir = tempDir('tg-shared-');
    const store = join(dir, 'shared', 'jobs.db');
    const a = await repository(dir, 'a', store);
    const b = await repository(dir, 'b', store);
    // B's job is the older one in the store: a worker taking the oldest ready job would reach it first
    const db = new Database(store);
    db.prepare("UPDATE jobs SET created_at = '2000-01-01T00:00:00.000Z' WHERE repo = 'acme/b'").run();
    db.close();
    const w = await taskgate(a, ['worker', '--once']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout).toContain('1 job run');
    const [jobA] = await jobsOf(a);
    expect(jobA!.status).toBe('done');
    const [jobB] = await jobsOf(b);
    expect(jobB!.repo).toBe('acme/b');
    expect(jobB!.status).toBe('ready');
    const check = new Database(store, { readonly: true });
    const tokens = check.prepare('SELECT kind, state FROM tokens WHERE job_id = ?').all(jobB!.id);
    const reserved = check.prepare('SELECT reserved_by FROM jobs WHERE id = ?').get(jobB!.id) as { reserved_by: string | null };
    check.close();
    expect(tokens).toEqual([{ kind: 'queued', state: 'live' }]);
    expect(reserved.reserved_by).toBeNull();
    // B's own worker runs it
    const wb = await taskgate(b, ['worker', '--once']);
    expect(wb.exitCode, wb.stderr).toBe(0);
    expect((await jobsOf(b))[0]!.status).toBe('done');
  });
});
