// A forged source archive from the network (DESIGN §14) writes nothing outside the job's folder and fails the job; the source cache's bounds.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { pack, type Headers } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, taskgate, tempDir } from '../helpers/hg-fixture.js';
import { extractTar } from '../../src/worker/extract-tar.js';
import { SourceCache } from '../../src/worker/source-cache.js';

// The source tar comes from the network (DESIGN §14): a fake service's archive may try to write
// outside the job's folder; the worker refuses it, writes nothing outside, and fails the job back.

type Entry = Headers & { body?: string };

/** A tar made of the given entries, whatever they say (tar-stream writes what it is told). */
function forgedTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const { body, ...header } of entries) p.entry(header, body ?? undefined);
  p.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    p.on('data', (c: Buffer) => chunks.push(c));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
}

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A fake service: hands out one forged job per tar, serves that tar as its source, and records the failures it is told of. */
async function fakeService(tars: Buffer[]): Promise<{ url: string; failures: string[] }> {
  const failures: string[] = [];
  let next = 0;
  const job = (i: number) => ({
    id: `forged${i}`,
    repo: 'acme/app',
    rev: `${i}`.repeat(40).slice(0, 40),
    branch: 'default',
    task: `t${i}`,
    definition: { run: 'true' },
    status: 'running',
    attempts: 1,
    requires: [],
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (value: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const url = req.url ?? '';
      if (url === '/.well-known/openid-configuration') return json({ issuer: 'urn:fake' });
      if (url === '/v1/claim') {
        const i = next++;
        if (i >= tars.length) return json({ claimed: null });
        return json({ claimed: { job: job(i), token: `running-${i}`, taskToken: 't', leaseSeconds: 60, heartbeatSeconds: 30 } });
      }
      const source = /^\/v1\/jobs\/forged(\d+)\/source$/.exec(url);
      if (source) return res.writeHead(200, { 'content-type': 'application/x-tar' }).end(tars[Number(source[1])]);
      if (url === '/v1/fail') {
        failures.push(String((JSON.parse(Buffer.concat(chunks).toString()) as { outcome: { reason: string } }).outcome.reason));
        return json({ status: 'failed', upstreamFailed: [] });
      }
      if (url === '/v1/open') return json({ open: false });
      return json({ ok: true });
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, failures };
}

describe('a forged source archive', () => {
  it('writes nothing outside the job folder: ../escape, a symlink out then a write through it, a symlink in then a write through it', async () => {
    const host = tempDir('tg-forged-');
    const outside = join(host, 'outside');
    mkdirSync(outside);
    const work = join(host, 'work');
    mkdirSync(work);
    // a root worker's tasks run as nobody, who must reach the job folders
    chmodSync(host, 0o755);
    chmodSync(work, 0o755);
    const tars = [
      await forgedTar([
        { name: 'ok.txt', body: 'fine' },
        { name: '../../escape', body: 'pwned' },
        { name: '../escape', body: 'pwned' },
      ]),
      await forgedTar([
        { name: 'out', type: 'symlink', linkname: outside },
        { name: 'out/pwned', body: 'pwned' },
      ]),
      await forgedTar([
        { name: 'up', type: 'symlink', linkname: 'a/../../..' },
        { name: 'up/pwned', body: 'pwned' },
      ]),
      await forgedTar([
        { name: 'here', type: 'symlink', linkname: '.' },
        { name: 'here/../../pwned', body: 'pwned' },
        { name: 'here/pwned', body: 'pwned' },
      ]),
    ];
    const { url, failures } = await fakeService(tars);
    const key = join(host, 'w.jwk');
    await taskgate(host, ['keys', 'worker', 'w', '--out', key]);
    const config = join(host, 'worker.json');
    writeFileSync(config, JSON.stringify({ worker: { workdir: work, logs: 'logs', source: { cache: 'sources' } } }));
    const r = await execa(TASKGATE, ['worker', '--server', url, '--name', 'w', '--key', key, '--config', config, '--once'], {
      cwd: host,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('taskgate worker: 0 jobs run');
    expect(failures).toHaveLength(4);
    for (const f of failures) expect(f).toMatch(/^no source: the source archive is refused: /);
    expect(failures[0]).toContain('"../../escape" leaves the folder');
    expect(failures[1]).toContain('points out of the archive');
    expect(failures[2]).toContain('points out of the archive');
    expect(failures[3]).toContain('leaves the folder');
    // nothing outside the job folders, which are gone; nothing kept in the cache
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
    expect(existsSync(join(host, 'escape')) || existsSync(join(host, 'pwned'))).toBe(false);
    expect(readdirSync(join(host, 'sources'))).toEqual([]);
  });

  it('refuses a write through a link that points inside, devices, hard links and archives past the size bound', async () => {
    const extract = async (entries: Entry[], maxBytes = 1e6) => {
      const dest = tempDir('tg-extract-');
      const error = await extractTar(Readable.from(await forgedTar(entries)), dest, { maxBytes, maxEntries: 100 }).catch((e: Error) => e);
      return { dest, error: error instanceof Error ? error : null };
    };
    const through = await extract([
      { name: 'sub', type: 'directory' },
      { name: 'link', type: 'symlink', linkname: 'sub' },
      { name: 'link/x', body: 'x' },
    ]);
    expect(through.error?.message).toContain('written through a symlink');
    const device = await extract([{ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 }]);
    expect(device.error?.message).toContain('is a character-device');
    const hard = await extract([{ name: 'h', type: 'link', linkname: '/etc/passwd' }]);
    expect(hard.error?.message).toContain('is a link');
    const abs = await extract([{ name: '/tmp/abs', body: 'x' }]);
    expect(abs.error?.message).toContain('is not a relative path');
    const big = await extract([{ name: 'big', body: 'x'.repeat(5000) }], 4096);
    expect(big.error?.message).toContain('more than 4096 bytes');
    const twice = await extract([
      { name: 'f', body: 'one' },
      { name: 'f', body: 'two' },
    ]);
    expect(twice.error).not.toBeNull();
    // an honest archive: files, folders, an executable, a link inside
    const fine = await extract([
      { name: 'bin/run.sh', body: '#!/bin/sh\n', mode: 0o755 },
      { name: 'lib', type: 'symlink', linkname: 'bin' },
    ]);
    expect(fine.error).toBeNull();
    expect(readdirSync(fine.dest).sort()).toEqual(['bin', 'lib']);
  });
});

describe('the source cache', () => {
  it('keeps the most recently used revisions within its bound of entries, and serves a hit without fetching', async () => {
    const dir = join(tempDir('tg-cache-'), 'sources');
    const cache = new SourceCache({ dir, entries: 2, bytes: 1e9, maxBytes: 1e6 });
    const node = (c: string) => c.repeat(40);
    let fetched = 0;
    const fetchTar = async () => {
      fetched++;
      return Readable.from(await forgedTar([{ name: 'f', body: 'x' }]));
    };
    const into = () => join(tempDir('tg-cache-dest-'), 'src');
    expect(await cache.extract(node('a'), into(), fetchTar)).toBe('miss');
    await new Promise((r) => setTimeout(r, 20));
    expect(await cache.extract(node('b'), into(), fetchTar)).toBe('miss');
    await new Promise((r) => setTimeout(r, 20));
    // a is used again: b is now the least recently used
    expect(await cache.extract(node('a'), into(), fetchTar)).toBe('hit');
    await new Promise((r) => setTimeout(r, 20));
    expect(await cache.extract(node('c'), into(), fetchTar)).toBe('miss');
    expect(fetched).toBe(3);
    expect(readdirSync(dir).sort()).toEqual([`${node('a')}.tar`, `${node('c')}.tar`]);
    // a node that is not one is refused before any path is made of it
    await expect(cache.extract('../x', into(), fetchTar)).rejects.toThrow('is not a node');
  });
});
