// The admin commands: install and uninstall leave a clean, idempotent hgrc, doctor flags each problem with a hint, every command has --help.
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, hgOk, makeClone, taskgate, tempDir } from './helpers/hg-fixture.js';

async function installed() {
  const dir = tempDir();
  const central = join(dir, 'central');
  await hgOk(dir, ['init', central]);
  writeFileSync(
    join(central, '.hg', 'hgrc'),
    '[ui]\nusername = Service <svc@acme.test>\n\n[hooks]\nincoming.notify = /usr/local/bin/notify\n\n[web]\nallow-push = *\n',
  );
  const r = await taskgate(dir, ['install', central]);
  expect(r.exitCode, r.stderr).toBe(0);
  return { dir, central };
}

function doctorLine(out: string, name: string): string {
  return out.split('\n').find((l) => l.includes(`  ${name}:`)) ?? '';
}

describe('install, uninstall', () => {
  it('install writes the four hooks, keeps every other line, and twice leaves an identical hgrc', async () => {
    const { dir, central } = await installed();
    const first = readFileSync(join(central, '.hg', 'hgrc'), 'utf8');
    expect(first).toMatch(
      /\[hooks\]\nincoming\.notify = \/usr\/local\/bin\/notify\npretxnchangegroup\.taskgate = \S+\/hooks\/pretxnchangegroup\npretxnclose\.taskgate = \S+\/hooks\/pretxnclose\nchangegroup\.taskgate = \S+\/hooks\/changegroup\ntxnclose-bookmark\.taskgate = \S+\/hooks\/txnclose-bookmark\n/,
    );
    expect(first).toContain('[ui]\nusername = Service <svc@acme.test>\n');
    expect(first).toContain('[web]\nallow-push = *\n');
    const again = await taskgate(dir, ['install', central]);
    expect(again.stdout).toContain('nothing changed');
    expect(readFileSync(join(central, '.hg', 'hgrc'), 'utf8')).toBe(first);
    // the default configuration loads, and the key is private
    expect(JSON.parse(readFileSync(join(central, '.hg', 'taskgate.json'), 'utf8')).repo.id).toBe('central');
    // and is remembered as checked, so the first push need not load the schema's validator
    expect(readFileSync(join(central, '.hg', 'taskgate', 'schema-checked'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const un = await taskgate(dir, ['uninstall', central]);
    expect(un.exitCode).toBe(0);
    expect(readFileSync(join(central, '.hg', 'hgrc'), 'utf8')).toBe(
      '[ui]\nusername = Service <svc@acme.test>\n\n[hooks]\nincoming.notify = /usr/local/bin/notify\n\n[web]\nallow-push = *\n',
    );
  });

  it('an installed repository gates and triggers pushes, and doctor is happy', async () => {
    const { dir, central } = await installed();
    const work = await makeClone(dir, central);
    await commit(
      work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { build: { inputs: ['**'], run: 'true' } } }), 'a.txt': 'a' },
      'first',
    );
    const push = await hgOk(work, ['push', central]).catch((e: Error) => e.message);
    expect(push).toContain('added 1 changesets');
    const doctor = await taskgate(dir, ['doctor', central]);
    expect(doctor.exitCode, doctor.stdout).toBe(0);
    expect(doctorLine(doctor.stdout, 'manifest')).toMatch(/^ok +manifest: tasks\.json at tip: 1 tasks/);
    expect((await taskgate(central, ['jobs', 'list'])).stdout).toContain('build');
  });
});

describe('doctor flags each problem, with a hint', () => {
  it('an untrusted hgrc', async () => {
    const { dir, central } = await installed();
    // root trusts only its own files: an hgrc owned by nobody is silently ignored by hg
    chownSync(join(central, '.hg', 'hgrc'), 65534, 65534);
    const r = await taskgate(dir, ['doctor', central]);
    expect(r.exitCode).toBe(1);
    expect(doctorLine(r.stdout, 'hook pretxnchangegroup.taskgate')).toMatch(/^fail .*hg ignores that file: it is not trusted/);
    expect(r.stdout).toContain('hint: add "[trusted]');
  });

  it('a key file readable by others', async () => {
    const { dir, central } = await installed();
    chmodSync(join(central, '.hg', 'taskgate', 'keys.json'), 0o644);
    const r = await taskgate(dir, ['doctor', central]);
    expect(r.exitCode).toBe(1);
    expect(doctorLine(r.stdout, 'signing key')).toMatch(/^fail .*mode 0644: others can read it/);
    expect(r.stdout).toContain('hint: chmod 600');
  });

  it('an invalid configuration', async () => {
    const { dir, central } = await installed();
    writeFileSync(join(central, '.hg', 'taskgate.json'), JSON.stringify({ repo: { id: 'x' }, policy: { rules: [{ rule: 'nope' }] } }));
    const r = await taskgate(dir, ['doctor', central]);
    expect(r.exitCode).toBe(1);
    expect(doctorLine(r.stdout, 'configuration')).toMatch(/^fail .*ERR_CONFIG_INVALID.*\/policy\/rules\/0\/rule/);
    expect(r.stdout).toContain('hint: fix each key named above');
  });

  it('an unreachable store', async () => {
    const { dir, central } = await installed();
    const db = join(central, '.hg', 'taskgate', 'jobs.db');
    renameSync(db, `${db}.moved`);
    mkdirSync(db);
    const r = await taskgate(dir, ['doctor', central]);
    expect(r.exitCode).toBe(1);
    expect(doctorLine(r.stdout, 'store')).toMatch(/^fail .*cannot be opened or written/);
    expect(r.stdout).toContain('hint: check the permissions and free space');
  });

  it('a non-empty outbox', async () => {
    const { dir, central } = await installed();
    mkdirSync(join(central, '.hg', 'taskgate', 'outbox'), { recursive: true });
    writeFileSync(join(central, '.hg', 'taskgate', 'outbox', '1-abc.json'), '{}');
    const r = await taskgate(dir, ['doctor', central]);
    expect(r.exitCode).toBe(1);
    expect(doctorLine(r.stdout, 'outbox')).toMatch(/^fail +outbox: 1 batch of jobs wait/);
    expect(r.stdout).toContain('hint: run `taskgate reconcile`');
  });
});

describe('help', () => {
  it('every command answers --help with its usage and an example', async () => {
    const help = await taskgate('/', ['help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) +/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(13);
    for (const c of commands) {
      const r = await taskgate('/', [c, '--help']);
      expect(r.exitCode, c).toBe(0);
      expect(r.stdout).toContain(`usage: taskgate ${c}`);
      expect(r.stdout).toContain(`example: taskgate ${c}`);
    }
  });
});
