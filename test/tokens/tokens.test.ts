// Job tokens (DESIGN §8): their claims, verified by PyJWT and `token verify`; key files and rotation; no token or key in any log.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { HELPERS, baseEnv, commit, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

const MANIFEST = JSON.stringify({
  version: 1,
  tasks: { build: { inputs: ['src/**'], run: 'make' }, test: { requires: ['build'], run: 'make test' } },
});

async function pushed(): Promise<{ s: Scenario; token: string; jobId: string }> {
  const s = await scenario(
    {
      repo: { id: 'acme/app' },
      identity: { groups: { devs: ['bob'] } },
      policy: { rules: [] },
      tokens: { issuer: 'https://hg.acme.test/taskgate', audience: 'taskgate-workers' },
    },
    { trigger: true },
  );
  await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'first');
  await expectAccepted(s, { LOGNAME: 'bob' });
  const job = (await jobsOf(s.central)).find((j) => j.task === 'build')!;
  const shown = JSON.parse((await taskgate(s.central, ['jobs', 'show', job.id, '--json'])).stdout) as { token: string };
  return { s, token: shown.token, jobId: job.id };
}

async function pyjwt(jwks: string, token: string, aud = 'taskgate-workers') {
  return execa('/usr/bin/python3', [join(HELPERS, 'verify-pyjwt.py'), jwks, token, 'https://hg.acme.test/taskgate', aud], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
  });
}

function tamper(token: string): string {
  const [h, p, sig] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  claims.task = 'deploy';
  return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
}

describe('job tokens', () => {
  it('a queued token carries the claims of DESIGN §8 and verifies with PyJWT against the JWKS; tampering and a wrong audience are refused', async () => {
    const { s, token, jobId } = await pushed();
    const jwksFile = join(s.dir, 'jwks.json');
    writeFileSync(jwksFile, (await taskgate(s.central, ['keys', 'jwks'])).stdout);
    const ok = await pyjwt(jwksFile, token);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    const { header, claims } = JSON.parse(ok.stdout);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'taskgate-queued+jwt', kid: expect.any(String) });
    expect(claims).toMatchObject({
      iss: 'https://hg.acme.test/taskgate',
      aud: 'taskgate-workers',
      sub: 'repo:acme/app:branch:default:task:build',
      job: jobId,
      repo: 'acme/app',
      branch: 'default',
      task: 'build',
      scope: 'job:claim',
      upstream: [],
      actor: { sub: 'bob', via: 'local', groups: ['devs'] },
      spec: expect.stringMatching(/^[0-9a-f]{64}$/),
      push: {
        id: expect.stringMatching(/^TXN:/),
        node: expect.stringMatching(/^[0-9a-f]{40}$/),
        node_last: expect.stringMatching(/^[0-9a-f]{40}$/),
      },
    });
    expect(claims.exp - claims.iat).toBe(24 * 3600);
    const tampered = await pyjwt(jwksFile, tamper(token));
    expect(tampered.exitCode).toBe(1);
    expect(tampered.stdout).toContain('refused: InvalidSignatureError');
    const wrongAud = await pyjwt(jwksFile, token, 'someone-else');
    expect(wrongAud.exitCode).toBe(1);
    expect(wrongAud.stdout).toContain('refused: InvalidAudienceError');
  });

  it('taskgate token verify checks the pinned rules and prints the claims', async () => {
    const { s, token } = await pushed();
    const ok = await taskgate(s.central, ['token', 'verify', token, '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, kind: 'queued', claims: { task: 'build' } });
    const bad = await taskgate(s.central, ['token', 'verify', tamper(token)]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('invalid token: the token is refused: signature verification failed');
  });

  it('keys: the private file is 0600, init refuses to overwrite, rotation keeps the old public key while its tokens live', async () => {
    const { s, token } = await pushed();
    const keys = join(s.central, '.hg', 'taskgate', 'keys.json');
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    const again = await taskgate(s.central, ['keys', 'init']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('error[ERR_KEYS_EXIST]');
    const oldKid = JSON.parse((await taskgate(s.central, ['keys', 'jwks'])).stdout).keys[0].kid;
    const rotated = await taskgate(s.central, ['keys', 'rotate', '--json']);
    expect(rotated.exitCode, rotated.stderr).toBe(0);
    const jwks = JSON.parse((await taskgate(s.central, ['keys', 'jwks'])).stdout);
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([JSON.parse(rotated.stdout).kid, oldKid]);
    expect(jwks.keys.every((k: Record<string, unknown>) => !('d' in k))).toBe(true);
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    // a token signed by the old key still verifies
    expect((await taskgate(s.central, ['token', 'verify', token])).exitCode).toBe(0);
    const audit = readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"event":"keys.rotated"');
  });

  it('no token or key reaches the logs, the audit log or the pusher', async () => {
    const { s } = await pushed();
    const more = await commit(s.work, { 'src/b.ts': 'b' }, 'second');
    const r = await expectAccepted(s, { LOGNAME: 'bob' });
    const tokens = (await jobsOf(s.central)).filter((j) => j.tokenJti !== null).map((j) => j.id);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const secrets: string[] = [];
    for (const id of tokens) secrets.push(JSON.parse((await taskgate(s.central, ['jobs', 'show', id, '--json'])).stdout).token);
    const keyFile = JSON.parse(readFileSync(join(s.central, '.hg', 'taskgate', 'keys.json'), 'utf8'));
    for (const k of keyFile.keys) secrets.push(k.privateJwk.d);
    const places = [r.all, readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')];
    try {
      places.push(readFileSync(join(s.central, '.hg', 'taskgate', 'taskgate.log'), 'utf8'));
    } catch {
      // nothing was logged
    }
    for (const place of places) for (const secret of secrets) expect(place.includes(secret)).toBe(false);
    // but the audit log names the jtis
    expect(places[1]).toContain((await jobsOf(s.central)).find((j) => j.rev === more && j.task === 'build')!.tokenJti);
  });

  it('verification refuses a token whose header names its own key', async () => {
    const { s, token } = await pushed();
    const [, p, sig] = token.split('.') as [string, string, string];
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'taskgate-queued+jwt', jku: 'https://evil.test/jwks' })).toString(
      'base64url',
    );
    const r = await taskgate(s.central, ['token', 'verify', `${header}.${p}.${sig}`]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('carries "jku"');
  });
});
