// Each attack on a job token (DESIGN §8) and on the exchange, refused by the real verification, service and store.
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { buildHeadJobs } from '../../src/jobs/build-jobs.js';
import { JobService } from '../../src/exchange/job-service.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { newWorkerKey, signClientAssertion, verifyClientAssertion } from '../../src/tokens/client-assertion.js';
import { initKeys, publicJwks, readKeyFile } from '../../src/tokens/key-store.js';
import type { StoredKey } from '../../src/tokens/token-types.js';
import { verifyJobToken } from '../../src/tokens/verify-token.js';
import { tempDir } from '../helpers/hg-fixture.js';

/** Each attack on a token of DESIGN §8, one test each, against the real verification and exchange. */

const ISS = 'https://hg.acme.test/taskgate';
const AUD = 'taskgate-workers';
const NOW = new Date('2026-11-01T10:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const CLAIMS = {
  sub: 'repo:acme/app:branch:default:task:build',
  job: 'j1',
  repo: 'acme/app',
  rev: 'a'.repeat(40),
  branch: 'default',
  task: 'build',
  spec: 's',
  push: { id: 'p', node: 'a'.repeat(40), node_last: 'a'.repeat(40) },
  actor: { sub: 'bob', via: 'ssh' as const, groups: [] },
  scope: 'job:claim',
  upstream: [],
};

let key: StoredKey;
let jwks: { keys: JWK[] };
beforeAll(async () => {
  const dir = tempDir('tg-attack-');
  key = await initKeys(join(dir, 'keys.json'), 'EdDSA', NOW);
  jwks = publicJwks(readKeyFile(join(dir, 'keys.json')), 86_400, NOW);
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const verify = (token: string, kinds?: Array<'queued' | 'running' | 'done' | 'task'>) =>
  verifyJobToken(token, jwks, { issuer: ISS, audience: AUD, now: NOW, ...(kinds ? { kinds } : {}) });

/** A token signed with the real key, with the header and claims an attacker chooses. */
async function forged(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'taskgate-queued+jwt', ...header })
    .sign(await importJWK(key.privateJwk as JWK, 'EdDSA'));
}
const good = { ...CLAIMS, iss: ISS, aud: AUD, iat: T, nbf: T, exp: T + 3600, jti: 'j-1' };

describe('token attacks, each refused', () => {
  it('a correctly signed token is accepted (the baseline the attacks vary)', async () => {
    expect((await verify(await forged({}, good))).claims['job']).toBe('j1');
  });

  it('alg: none', async () => {
    const token = `${b64({ alg: 'none', typ: 'taskgate-queued+jwt', kid: key.kid })}.${b64(good)}.`;
    await expect(verify(token)).rejects.toThrow(/refused/);
  });

  it('HS256 signed with the public key as the secret', async () => {
    const head = `${b64({ alg: 'HS256', typ: 'taskgate-queued+jwt', kid: key.kid })}.${b64(good)}`;
    for (const secret of [
      JSON.stringify(key.publicJwk),
      String((key.publicJwk as { x: string }).x),
      Buffer.from(String((key.publicJwk as { x: string }).x), 'base64url'),
    ]) {
      const sig = createHmac('sha256', secret).update(head).digest('base64url');
      await expect(verify(`${head}.${sig}`)).rejects.toThrow(/refused/);
    }
  });

  it('the wrong typ, iss or aud', async () => {
    await expect(verify(await forged({ typ: 'JWT' }, good))).rejects.toThrow(/typ "JWT" is not accepted/);
    await expect(verify(await forged({}, { ...good, iss: 'https://evil.test' }))).rejects.toThrow(/refused.*iss/);
    await expect(verify(await forged({}, { ...good, aud: 'someone-else' }))).rejects.toThrow(/refused.*aud/);
  });

  it('expired, nbf in the future, iat far in the future', async () => {
    await expect(verify(await forged({}, { ...good, exp: T - 61 }))).rejects.toThrow(/refused.*exp/);
    await expect(verify(await forged({}, { ...good, nbf: T + 3000 }))).rejects.toThrow(/refused.*nbf/);
    await expect(verify(await forged({}, { ...good, iat: T + 86_400, nbf: T, exp: T + 90_000 }))).rejects.toThrow(
      /issued in the future|iat/,
    );
  });

  it('a tampered payload', async () => {
    const [h, , s] = (await forged({}, good)).split('.');
    await expect(verify(`${h}.${b64({ ...good, task: 'deploy' })}.${s}`)).rejects.toThrow(/refused.*signature/);
  });

  it('an unknown kid, and a key that is not in the JWKS', async () => {
    await expect(verify(await forged({ kid: 'nope' }, good))).rejects.toThrow(/refused/);
    const other = await newWorkerKey('mallory');
    const token = await new SignJWT(good)
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'taskgate-queued+jwt' })
      .sign(await importJWK(other.privateJwk, 'EdDSA'));
    await expect(verify(token)).rejects.toThrow(/refused/);
  });

  it('a key named by the token itself: jku, x5u, an embedded jwk or x5c', async () => {
    for (const header of [
      { jku: 'https://evil.test/jwks.json' },
      { x5u: 'https://evil.test/cert.pem' },
      { jwk: key.publicJwk },
      { x5c: ['MIIB'] },
    ]) {
      await expect(verify(await forged(header, good))).rejects.toThrow(/never takes keys from a token/);
    }
  });

  it('a queued token presented where a running token is required', async () => {
    await expect(verify(await forged({}, good), ['running'])).rejects.toThrow(/typ "taskgate-queued\+jwt" is not accepted here/);
  });
});

describe('exchange attacks, each refused by the service and the store', () => {
  async function service() {
    const dir = tempDir('tg-exchange-');
    mkdirSync(join(dir, '.hg'));
    writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify({ repo: { id: 'acme/app' }, tokens: { issuer: ISS } }));
    const config = loadConfig({ root: dir });
    await initKeys(config.tokens.keys, 'EdDSA');
    const store = new SqliteStore(config.store.path!);
    const node = 'b'.repeat(40);
    const jobs = buildHeadJobs({
      repo: 'acme/app',
      node,
      branch: 'default',
      push: { id: 'p', node, nodeLast: node },
      actor: { sub: 'bob', via: 'ssh', groups: [] },
      now: new Date(),
      tasks: ['one', 'two'].map((task) => ({ task, definition: { run: 'true' }, requires: [], reasons: [], filesMatched: 0 })),
    });
    await store.enqueue({
      push: {
        id: 'p',
        repo: 'acme/app',
        node,
        nodeLast: node,
        heads: [node],
        actor: { sub: 'bob', via: 'ssh', groups: [] },
        source: 'hook',
        createdAt: new Date().toISOString(),
      },
      jobs,
    });
    const svc = await JobService.create(config, store);
    await svc.housekeeping();
    return { svc, store, config };
  }

  it('a token of another job does nothing for it', async () => {
    const { svc, store } = await service();
    const a = (await svc.claim('w1'))!;
    const b = (await store.listJobs({ status: 'ready' }))[0]!;
    const running = JSON.parse(Buffer.from(a.token.split('.')[1]!, 'base64url').toString()) as { jti: string };
    const r = await store.exchange({
      jobId: b.id,
      jti: running.jti,
      worker: 'w1',
      transition: 'complete',
      now: Math.floor(Date.now() / 1000),
      issued: { jti: 'x', token: 'x', exp: 0, kind: 'done' },
      leaseSeconds: 60,
    });
    expect(r).toMatchObject({ ok: false, reason: 'wrong_job' });
    expect((await store.getJob(b.id))!.status).toBe('ready');
  });

  it("the task's own TASKGATE_TOKEN is accepted by no exchange, and a running token only from the worker that holds it", async () => {
    const { svc } = await service();
    const a = (await svc.claim('w1'))!;
    await expect(svc.heartbeat('w1', a.taskToken)).rejects.toThrow(/not accepted here/);
    await expect(svc.complete('w2', a.token)).rejects.toThrow(/belongs to w1, not w2/);
  });

  it('a replay after completion fails the job and kills its tokens', async () => {
    const { svc, store } = await service();
    const a = (await svc.claim('w1'))!;
    await svc.complete('w1', a.token);
    await expect(svc.complete('w1', a.token)).resolves.toMatchObject({ released: [] });
    // the same token from the same worker after the 30 s retry window, or from anyone else: a replay
    const row = (await store.tokensOf(a.job.id)).find((t) => t.kind === 'running')!;
    const late = await store.exchange({
      jobId: a.job.id,
      jti: row.jti,
      worker: 'w1',
      transition: 'complete',
      now: Math.floor(Date.now() / 1000) + 31,
      issued: { jti: 'y', token: 'y', exp: 0, kind: 'done' },
      leaseSeconds: 60,
    });
    expect(late).toMatchObject({ ok: false, reason: 'replay', job: { status: 'failed', reason: 'token_replay' } });
  });

  it('a worker assertion reused (also after a restart), presented after its exp, future-dated, too long-lived, or lifted from another request', async () => {
    const worker = await newWorkerKey('build-01');
    const keys = new Map([['build-01', worker.publicJwk]]);
    const file = join(tempDir(), 'jobs.db');
    let store = new SqliteStore(file);
    const claim = { method: 'POST', url: 'https://hg.acme.test/v1/claim' };
    const check = (now: Date, path = '/v1/claim', method = 'POST', audience = ISS) => ({
      audience,
      now,
      request: { method, path },
      use: (jti: string, exp: number) => store.useAssertion(jti, exp, Math.floor(now.getTime() / 1000)),
    });
    const assertion = await signClientAssertion('build-01', worker.privateJwk, ISS, claim, NOW);
    expect(await verifyClientAssertion(assertion, keys, check(NOW))).toBe('build-01');
    await expect(verifyClientAssertion(assertion, keys, check(NOW))).rejects.toThrow(/already used/);
    // the used jti lives in the store: a restart does not forget it
    await store.close();
    store = new SqliteStore(file);
    await expect(verifyClientAssertion(assertion, keys, check(NOW))).rejects.toThrow(/already used/);
    const fresh = await signClientAssertion('build-01', worker.privateJwk, ISS, claim, NOW);
    await expect(verifyClientAssertion(fresh, keys, check(new Date(NOW.getTime() + 125_000)))).rejects.toThrow(/refused.*exp/);
    await expect(verifyClientAssertion(fresh, keys, check(NOW, '/v1/claim', 'POST', 'https://other.test'))).rejects.toThrow(/refused.*aud/);
    // lifted from a claim, presented to complete, or with another method
    await expect(verifyClientAssertion(fresh, keys, check(NOW, '/v1/complete'))).rejects.toThrow(/another request \(htm\/htu\)/);
    await expect(verifyClientAssertion(fresh, keys, check(NOW, '/v1/claim', 'GET'))).rejects.toThrow(/another request/);
    // dated a year ahead, with a one-minute lifetime from then
    const ahead = await signClientAssertion('build-01', worker.privateJwk, ISS, claim, new Date(NOW.getTime() + 365 * 86_400_000));
    await expect(verifyClientAssertion(ahead, keys, check(NOW))).rejects.toThrow(/refused|future/);
    const skewed = await signClientAssertion('build-01', worker.privateJwk, ISS, claim, new Date(NOW.getTime() + 90_000), 600);
    await expect(verifyClientAssertion(skewed, keys, check(NOW))).rejects.toThrow(/future|5 minutes/);
    const long = await signClientAssertion('build-01', worker.privateJwk, ISS, claim, NOW, 3600);
    await expect(verifyClientAssertion(long, keys, check(NOW))).rejects.toThrow(/longer than 5 minutes/);
    // a refused presentation records nothing: the honest request still goes through
    expect(await verifyClientAssertion(fresh, keys, check(NOW))).toBe('build-01');
    await store.close();
  });
});
