// signJobToken on node:crypto makes the very Ed25519 token jose made, and ES256 tokens that jose verifies.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { activeKey, initKeys, publicJwks, readKeyFile } from '../../src/tokens/key-store.js';
import { signJobToken } from '../../src/tokens/sign-token.js';
import type { JobClaims, SigningAlg, StoredKey } from '../../src/tokens/token-types.js';
import { TOKEN_TYP } from '../../src/tokens/token-types.js';
import { verifyJobToken } from '../../src/tokens/verify-token.js';

/**
 * Job tokens are signed with node:crypto directly (no thread-pool round trip per token): the
 * token must be the one jose's SignJWT made before, byte for byte with Ed25519 (deterministic),
 * and verify with jose for ES256 (whose signatures are random).
 */
const claims = {
  sub: 'repo:acme/app:branch:default:task:build',
  job: 'a'.repeat(32),
  repo: 'acme/app',
  rev: 'f'.repeat(40),
  branch: 'default',
  task: 'build',
  spec: 'e'.repeat(64),
  push: { id: 'TXN:1', node: 'f'.repeat(40), node_last: 'f'.repeat(40) },
  actor: { sub: 'bob', via: 'ssh', groups: ['devs'] },
  scope: 'job:claim',
  upstream: [{ job: 'b'.repeat(32), jti: 'x' }],
} as unknown as JobClaims;
const options = {
  issuer: 'https://hg.acme.test/taskgate',
  audience: 'taskgate-workers',
  ttlSeconds: 3600,
  now: new Date('2026-12-01T10:00:00Z'),
};

async function keyOf(alg: SigningAlg): Promise<StoredKey> {
  const path = join(mkdtempSync(join(tmpdir(), 'taskgate-sign-')), 'keys.json');
  await initKeys(path, alg);
  return activeKey(readKeyFile(path));
}

/** What signJobToken did with jose before, with the same jti. */
async function withJose(key: StoredKey, jti: string): Promise<string> {
  const iat = Math.floor(options.now.getTime() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TOKEN_TYP.queued })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + options.ttlSeconds)
    .setJti(jti)
    .sign(await importJWK(key.privateJwk as JWK, key.alg));
}

describe('signJobToken', () => {
  it('makes the very token jose made, with Ed25519', async () => {
    const key = await keyOf('EdDSA');
    const signed = signJobToken('queued', claims, key, options);
    expect(signed.token).toBe(await withJose(key, signed.jti));
    expect(decodeJwt(signed.token).exp).toBe(signed.exp);
  });

  it('makes ES256 tokens that jose verifies (r || s, not DER)', async () => {
    const key = await keyOf('ES256');
    const signed = signJobToken('queued', claims, key, options);
    const jwks = publicJwks({ version: 1, keys: [key] }, 86_400, options.now);
    const verified = await verifyJobToken(signed.token, jwks, { issuer: options.issuer, audience: options.audience, now: options.now });
    expect(verified.claims.jti).toBe(signed.jti);
    expect(Buffer.from(signed.token.split('.')[2]!, 'base64url').length).toBe(64);
    // and its form is jose's: the same header and claims, only the signature differs
    const theirs = await withJose(key, signed.jti);
    expect(signed.token.split('.').slice(0, 2)).toEqual(theirs.split('.').slice(0, 2));
  });
});
