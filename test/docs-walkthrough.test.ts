// Every command and configuration block of README.md and docs/ run as an admin would, in order, on a real repository: an example that rots fails.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, baseEnv, commit, hgOk, jobsOf, makeClone, push, tempDir } from './helpers/hg-fixture.js';
import { freshDatabase } from './helpers/postgres.js';
import { hgwebWithRemoteUser } from './helpers/servers.js';

/**
 * Every command of the docs' ```sh blocks, every ```ini, ```apache and ```python block of
 * docs/operations.md is run here, in the order an admin would, against a real repository:
 * an example that rots fails this test. The few lines that are not run say why below.
 */

interface DocCommand {
  where: string;
  text: string;
}
interface DocBlock {
  where: string;
  lang: string;
  text: string;
}

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function blocks(): DocBlock[] {
  return DOCS.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```/gm)].map((m) => ({
      where: `${file}:${text.slice(0, m.index).split('\n').length}`,
      lang: m[1]!,
      text: m[2]!,
    }));
  });
}

/** One command per line; a trailing `# comment` is the docs talking, not the shell. */
function shCommands(): DocCommand[] {
  return blocks()
    .filter((b) => b.lang === 'sh')
    .flatMap((b) =>
      b.text
        .split('\n')
        .map((line) => line.replace(/\s+#.*$/, '').trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((text) => ({ where: b.where, text })),
    );
}

/** Lines the tests do not run, each with its reason. */
const NOT_RUN: Record<string, string> = {
  './scripts/test': 'it is what CI runs: this test is part of it',
  'git clone <taskgate> /opt/taskgate && cd /opt/taskgate && ./scripts/test': 'a fresh clone running ./scripts/test is exactly how CI runs',
  './scripts/bench --quick': 'the bench is kept out of the tests (issue 7); CI would time it on a busy machine',
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the docs, run as an admin would', () => {
  it('every command and configuration example of README.md and docs/ works', async () => {
    const dir = tempDir('tg-walk-');
    const central = join(dir, 'srv', 'app');
    const etc = join(dir, 'etc');
    const shell = join(dir, 'shell');
    mkdirSync(join(etc, 'workers'), { recursive: true });
    mkdirSync(shell);
    const port = await freePort();
    const vars: Record<string, string> = { JOB: '', TOKEN: '' };
    const subst = (text: string) =>
      text
        .replaceAll('/opt/taskgate', ROOT)
        .replaceAll('/srv/hg/app', central)
        .replaceAll('/srv/hg/', `${join(dir, 'srv')}/`)
        .replaceAll('/etc/taskgate', etc)
        .replaceAll('http://hg.acme.test:8470', `http://127.0.0.1:${port}`)
        .replaceAll('http://127.0.0.1:8470', `http://127.0.0.1:${port}`)
        .replaceAll('--port 8470', `--port ${port}`);
    // HOME of its own: a remote worker's default source cache is under it
    const env = () => baseEnv({ PATH: `${join(ROOT, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, HOME: join(dir, 'home'), ...vars });

    const all = shCommands();
    const ran = new Set<DocCommand>();
    const pick = (pattern: RegExp): DocCommand[] => {
      const found = all.filter((c) => pattern.test(c.text));
      expect(found.length, `no docs command matches ${pattern}`).toBeGreaterThan(0);
      for (const c of found) ran.add(c);
      return found;
    };
    const run = async (pattern: RegExp, expectExit = 0, cwd = shell) => {
      const outs: string[] = [];
      for (const c of pick(pattern)) {
        const r = await execa('sh', ['-c', subst(c.text)], { cwd, env: env(), extendEnv: false, reject: false, all: true });
        expect(r.exitCode, `${c.where}: ${c.text}\n${r.all}`).toBe(expectExit);
        outs.push(r.stdout);
      }
      return outs.join('');
    };
    const longRunning: ResultPromise[] = [];
    const start = (pattern: RegExp, cwd = shell) =>
      pick(pattern).map((c) => {
        const p = execa('sh', ['-c', `exec ${subst(c.text)}`], { cwd, env: env(), extendEnv: false, reject: false, all: true });
        longRunning.push(p);
        return p;
      });
    const stop = async (procs: ResultPromise[]) => {
      for (const p of procs) p.kill('SIGTERM');
      for (const p of procs) {
        const r = await p;
        expect(r.exitCode ?? 0, String(r.all)).toBe(0);
      }
    };

    try {
      // ./scripts/demo, end to end
      const demo = await execa(join(ROOT, 'scripts', 'demo'), [], {
        cwd: ROOT,
        env: baseEnv({ PATH: process.env['PATH'] }),
        extendEnv: false,
        reject: false,
        all: true,
      });
      ran.add(pick(/^\.\/scripts\/demo$/)[0]!);
      expect(demo.exitCode, demo.all).toBe(0);
      expect(demo.all).toContain('push rejected');
      const cleanup = /clean up with: (rm -rf \S+)/.exec(demo.stdout);
      expect(cleanup).not.toBeNull();
      await execa('sh', ['-c', cleanup![1]!]);

      // a central repository, as an admin has one
      mkdirSync(join(dir, 'srv'));
      await hgOk(dir, ['init', central]);
      writeFileSync(join(central, '.hg', 'hgrc'), '[web]\nallow-push = *\npush_ssl = false\n');
      const hgrcBefore = readFileSync(join(central, '.hg', 'hgrc'), 'utf8');
      await run(/^(\/opt\/taskgate\/bin\/)?taskgate install \/srv\/hg\/app$/);
      const hgrc = readFileSync(join(central, '.hg', 'hgrc'), 'utf8');
      // the [hooks] examples of policy.md and manifest.md are what install writes
      for (const b of blocks().filter((x) => x.lang === 'ini' && x.text.includes('[hooks]'))) {
        for (const line of b.text.split('\n').filter((l) => l.includes('.taskgate = '))) expect(hgrc, b.where).toContain(subst(line));
      }

      // keys init makes a key where there is none (install already made one: start again without it)
      rmSync(join(central, '.hg', 'taskgate', 'keys.json'));
      await run(/^taskgate keys init /);
      expect(statSync(join(central, '.hg', 'taskgate', 'keys.json')).mode & 0o777).toBe(0o600);

      // $EDITOR: the admin writes a policy
      const policy = join(dir, 'policy.json');
      const config = {
        repo: { id: 'acme/app' },
        identity: { groups: { admins: ['alice'], devs: ['alice', 'bob', 'carol'] } },
        gate: { bypass: { marker: 'POLICY-BYPASS:', who: ['@admins'] } },
        tokens: { issuer: 'https://hg.acme.test/taskgate' },
        policy: { rules: [{ rule: 'message', pattern: '^[A-Z]+-[0-9]+: ' }] },
      };
      writeFileSync(policy, JSON.stringify(config));
      vars['EDITOR'] = `cp ${policy}`;
      await run(/^\$EDITOR /);
      delete vars['EDITOR'];

      // a developer's first push
      const work = await makeClone(dir, central);
      const tasks = {
        version: 1,
        tasks: { build: { inputs: ['src/**'], run: 'true' }, test: { requires: ['build'], inputs: ['test/**'], run: 'true' } },
      };
      await commit(work, { 'tasks.json': JSON.stringify(tasks), 'src/a.ts': 'a' }, 'APP-1: the first tasks');
      const first = await push(work, central);
      expect(first.exitCode, first.all).toBe(0);

      expect(await run(/^taskgate check -R \/srv\/hg\/app -r 'all\(\)' --user bob$/)).toContain('pass the policy');
      // a developer checks a draft in a working copy against the central policy
      await commit(work, { 'src/b.ts': 'b' }, 'APP-2: more work');
      expect(await run(/^taskgate check --config /, 0, work)).toContain('1 changeset pass the policy');
      expect(await run(/^taskgate doctor \/srv\/hg\/app$/)).toMatch(/^ok +configuration/m);
      expect(await run(/^taskgate affected -R \/srv\/hg\/app -r tip$/)).toContain('build');
      await run(/^taskgate graph -R \/srv\/hg\/app -r tip --format svg > jobs.svg$/);
      expect(readFileSync(join(shell, 'jobs.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*>build<\/text>/);

      // jobs, tokens
      expect(await run(/^taskgate jobs list -R \/srv\/hg\/app --status ready$/)).toContain('build');
      const build = (await jobsOf(central)).find((j) => j.task === 'build')!;
      vars['JOB'] = build.id;
      vars['TOKEN'] = JSON.parse(await run(/^taskgate jobs show "\$JOB" -R \/srv\/hg\/app --json$/)).token as string;
      expect(vars['TOKEN']).toMatch(/^ey/);
      await run(/^taskgate keys jwks -R \/srv\/hg\/app > jwks.json$/);
      await run(/^taskgate token verify "\$TOKEN" /);

      // workers
      expect(await run(/^taskgate worker -R \/srv\/hg\/app --once$/)).toContain('2 jobs run');
      expect(await run(/^taskgate lineage "\$JOB" -R \/srv\/hg\/app$/)).toContain('alice');
      // the build task prints nothing: its log is there, and empty
      expect(await run(/^taskgate jobs log "\$JOB" -R \/srv\/hg\/app$/)).toBe('');
      expect((await jobsOf(central)).map((j) => j.status)).toEqual(['done', 'done']);

      // a second push: cancel its build, then retry it
      await commit(work, { 'src/c.ts': 'c' }, 'APP-3: another change');
      expect((await push(work, central)).exitCode).toBe(0);
      vars['JOB'] = (await jobsOf(central)).find((j) => j.task === 'build' && j.status === 'ready')!.id;
      await run(/^taskgate jobs cancel "\$JOB" /);
      await run(/^taskgate jobs retry "\$JOB" /);
      expect((await jobsOf(central)).find((j) => j.id === vars['JOB'])!.status).toBe('ready');

      // the long-running workers of README.md and operations.md run what is queued
      const workers = start(/^(\/opt\/taskgate\/bin\/)?taskgate worker -R \/srv\/hg\/app --concurrency \d$/);
      expect(workers.length).toBe(2);
      await until('the in-process workers', async () => (await jobsOf(central)).every((j) => j.status === 'done'));
      await stop(workers);

      expect(await run(/^taskgate reconcile -R \/srv\/hg\/app$/)).toContain('unprocessed pushes: none');

      // a whole push bypassed with a push variable, by an admin
      await commit(work, { 'src/d.ts': 'd' }, 'hotfix without a ticket');
      await run(/^hg push --pushvars /, 0, work);
      await run(/^taskgate audit verify /);
      expect(await run(/^taskgate audit tail /)).toContain('push.bypassed');

      // the service and a remote worker with its own key
      await run(/^taskgate keys rotate /);
      const jwk = await run(/^taskgate keys worker build-01 --out /);
      const groupsExample = blocks().find((b) => b.lang === 'json' && b.text.includes('"build-01"'))!;
      const registration = JSON.parse(subst(groupsExample.text)) as { worker: { keys: Record<string, string> } };
      writeFileSync(registration.worker.keys['build-01']!, jwk);
      writeFileSync(join(central, '.hg', 'taskgate.json'), JSON.stringify({ ...config, ...registration }));
      const [serve] = start(/^taskgate serve -R \/srv\/hg\/app --host 127.0.0.1 --port 8470$/);
      await until(
        'taskgate serve',
        async () => (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`).catch(() => null))?.ok === true,
      );
      await commit(work, { 'test/t.ts': 't' }, 'APP-4: a test');
      expect((await push(work, central)).exitCode).toBe(0);
      // a remote worker with no clone: its own configuration (keys worker --trust), the sources from the service
      const [remote] = start(/^taskgate worker --server /);
      await until('the remote worker', async () => (await jobsOf(central)).every((j) => j.status === 'done'));
      // the log of an ended attempt, through serve as a reader: --follow stops at its end
      expect(await run(/^taskgate jobs log "\$JOB" --attempt 1 --follow --server /)).toBe('');
      await stop([remote!, serve!]);
      expect((await jobsOf(central)).filter((j) => j.actor.sub === 'alice').length).toBeGreaterThanOrEqual(4);
      expect(readdirSync(join(dir, 'home', '.cache', 'taskgate', 'sources')).filter((f) => f.endsWith('.tar')).length).toBeGreaterThan(0);

      // hgweb.wsgi, behind a wrapper that sets REMOTE_USER as the proxy does
      const wsgi = blocks().find((b) => b.lang === 'python' && b.text.includes('hgweb('))!;
      const wsgiPath = subst(/^# (\S+)/.exec(wsgi.text)![1]!);
      writeFileSync(wsgiPath, subst(wsgi.text));
      const hostPort = await hgwebWithRemoteUser(wsgiPath);
      await commit(work, { 'src/e.ts': 'e' }, 'APP-5: over http', { user: 'Carol <carol@acme.test>' });
      const http = await push(work, `http://carol:pw@${hostPort}/`);
      expect(http.exitCode, http.all).toBe(0);
      expect((await jobsOf(central)).some((j) => j.actor.sub === 'carol' && j.actor.via === 'http')).toBe(true);

      // the Apache site, checked by Apache itself
      const site = blocks().find((b) => b.lang === 'apache')!;
      const apache = join(dir, 'apache');
      mkdirSync(apache);
      const mods = ['mpm_event', 'authz_core', 'authz_user', 'authn_core', 'auth_openidc', 'wsgi'];
      writeFileSync(
        join(apache, 'apache2.conf'),
        [
          `ServerRoot ${apache}`,
          `PidFile ${apache}/pid`,
          'ServerName 127.0.0.1',
          `Listen 127.0.0.1:${port}`,
          `ErrorLog ${apache}/error.log`,
          ...mods.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
          subst(site.text),
        ].join('\n'),
      );
      const apacheTest = await execa('apache2', ['-t', '-f', join(apache, 'apache2.conf')], { reject: false, all: true });
      expect(apacheTest.exitCode, `${site.where}\n${apacheTest.all}`).toBe(0);

      // the systemd units, checked by systemd
      const units = join(dir, 'units');
      mkdirSync(units);
      // templates, verified through an instance of each (app)
      const unitFiles = blocks()
        .filter((b) => b.lang === 'ini' && b.text.includes('/etc/systemd/system/'))
        .map((b) => {
          const name = /\/etc\/systemd\/system\/(\S+)/.exec(b.text)![1]!;
          writeFileSync(join(units, name), subst(b.text));
          return join(units, name.replace('@.', '@app.'));
        });
      expect(unitFiles.length).toBe(4);
      const verify = await execa('systemd-analyze', ['verify', '--man=no', ...unitFiles], { reject: false, all: true });
      expect(verify.exitCode, verify.all).toBe(0);
      expect(
        verify.all.split('\n').filter((l) => l.includes(units)),
        verify.all,
      ).toEqual([]);

      // PostgreSQL: the store entry of the docs, then migrate and copy the SQLite jobs across
      const jobsBefore = await jobsOf(central);
      const pgUrl = await freshDatabase();
      const storeExample = blocks().find((b) => b.lang === 'json' && b.text.includes('"backend": "postgres"'))!;
      const storeEntry = JSON.parse(storeExample.text.replace(/postgres:\/\/[^"]+/, pgUrl)) as Record<string, unknown>;
      const current = JSON.parse(readFileSync(join(central, '.hg', 'taskgate.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(central, '.hg', 'taskgate.json'), JSON.stringify({ ...current, ...storeEntry }));
      expect(await run(/^taskgate store migrate /)).toContain('schema version 0 -> 3');
      expect(await run(/^taskgate store copy /)).toContain(`jobs: ${jobsBefore.length} copied`);
      expect((await jobsOf(central)).map((j) => [j.id, j.status])).toEqual(jobsBefore.map((j) => [j.id, j.status]));

      // and uninstall takes exactly the hook lines away again
      await run(/^taskgate uninstall \/srv\/hg\/app$/);
      expect(readFileSync(join(central, '.hg', 'hgrc'), 'utf8')).toBe(hgrcBefore);
    } finally {
      for (const p of longRunning) p.kill('SIGKILL');
    }

    const missing = all.filter((c) => !ran.has(c) && !(c.text in NOT_RUN)).map((c) => `${c.where}: ${c.text}`);
    expect(missing, 'docs commands this test does not run').toEqual([]);
    expect(
      Object.keys(NOT_RUN).filter((text) => !all.some((c) => c.text === text)),
      'NOT_RUN names a line the docs no longer have',
    ).toEqual([]);
  }, 240_000);

  it('every block is of a kind that one of the docs tests runs', () => {
    const kinds = blocks().map((b) => {
      if (b.lang === 'ini')
        return b.text.includes('[hooks]') ? 'hgrc' : b.text.includes('/etc/systemd/system/') ? 'systemd' : `ini ${b.where}`;
      if (b.lang === 'python') return b.text.includes('hgweb(') ? 'wsgi' : b.text.includes('jwt.decode') ? 'pyjwt' : `python ${b.where}`;
      return b.lang;
    });
    // json: docs-examples.test.ts; js and pyjwt: the token snippets there; text: usage synopses
    expect(kinds.filter((k) => !['sh', 'json', 'js', 'pyjwt', 'wsgi', 'hgrc', 'systemd', 'apache', 'text'].includes(k))).toEqual([]);
  });
});
