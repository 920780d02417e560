// An invalid manifest at a head (a cycle, an unknown requires, a bad glob, not JSON) queues no job, reports readably, and the push is processed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, jobsOf } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';

async function pushManifest(tasks: unknown) {
  // no manifest rule here: the trigger must cope with what the gate would have refused
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const node = await commit(
    s.work,
    { 'tasks.json': typeof tasks === 'string' ? tasks : JSON.stringify({ version: 1, tasks }), 'src/a.ts': 'a' },
    'manifest',
  );
  const r = await expectAccepted(s);
  return { s, node, out: r.all };
}

describe('an invalid manifest at a head produces no job and a readable report', () => {
  it('a cycle', async () => {
    const { s, node, out } = await pushManifest({ a: { requires: ['b'], run: 'x' }, b: { requires: ['a'], run: 'y' } });
    expect(out).toContain(
      `taskgate: ${node.slice(0, 12)} (default): tasks.json cannot be read, nothing queued: tasks.json: tasks form a cycle: a -> b -> a`,
    );
    expect(await jobsOf(s.central)).toEqual([]);
  });

  it('an unknown requires', async () => {
    const { s, out } = await pushManifest({ a: { requires: ['ghost'], run: 'x', inputs: ['src/**'] } });
    expect(out).toContain('nothing queued: tasks.json: task "a" requires "ghost", which is not a task');
    expect(await jobsOf(s.central)).toEqual([]);
  });

  it('a bad glob', async () => {
    const { s, out } = await pushManifest({ a: { run: 'x', inputs: ['src/[**'] } });
    expect(out).toMatch(/nothing queued: tasks\.json: task "a" has an invalid glob "src\/\[\*\*"/);
    expect(await jobsOf(s.central)).toEqual([]);
  });

  it('not JSON at all; the push is still recorded as processed', async () => {
    const { s, out } = await pushManifest('{ "version": 1,');
    expect(out).toContain('nothing queued: tasks.json is not valid JSON');
    expect(await jobsOf(s.central)).toEqual([]);
    expect(readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')).toContain('"event":"push.landed"');
  });
});
