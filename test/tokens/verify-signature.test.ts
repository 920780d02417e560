// verifyJobToken checks signatures with node:crypto: over honest and forged tokens it accepts and refuses what jose's jwtVerify did.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, exportJWK, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyJobToken } from '../../src/tokens/verify-token.js';

/**
 * The signature and claims checks moved from jose's jwtVerify (WebCrypto, a thread-pool round
 * trip per token) to node:crypto on the calling thread. This holds them to jose's answers,
 * token by token, with the options verifyJobToken gave jose; the two intended differences
 * are named below.
 */
const ISS = 'https://hg.acme.test/taskgate';
const AUD = 'taskgate-workers';
const NOW = new Date('2026-12-01T10:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const TYP = 'taskgate-queued+jwt';

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ed25519');
const ed448 = generateKeyPairSync('ed448');

async function publicJwk(key: KeyObject, kid: string, extra: Partial<JWK> = {}): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, ...extra };
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS over a payload given as bytes. */
function jwsBytes(header: Record<string, unknown>, payload: Buffer, key: KeyObject = ed.privateKey): string {
  const input = `${b64(header)}.${payload.toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** A compact JWS over any header and payload, signed by `key` as `alg` says (ES256 as r || s). */
function jws(header: Record<string, unknown>, payload: unknown, key: KeyObject = ed.privateKey): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig =
    key.asymmetricKeyType === 'ec'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign(null, Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

const claims = { sub: 'repo:acme/app:task:build', job: 'j1', iss: ISS, aud: AUD, iat: T, nbf: T, exp: T + 3600, jti: 'j-1' };
const edHeader = { alg: 'EdDSA', kid: 'ed', typ: TYP };
const ecHeader = { alg: 'ES256', kid: 'ec', typ: TYP };
const good = jws(edHeader, claims);

/** Each case: a name and a token; every token carries a taskgate typ, so only the checks under test decide. */
const CASES: Array<[string, string]> = [
  ['a good EdDSA token', good],
  ['a good ES256 token', jws(ecHeader, claims, ec.privateKey)],
  ['signed by a stranger under our kid', jws(edHeader, claims, stranger.privateKey)],
  ['EdDSA naming the EC key', jws({ ...edHeader, kid: 'ec' }, claims)],
  ['ES256 naming the Ed25519 key', jws({ ...ecHeader, kid: 'ed' }, claims, ec.privateKey)],
  ['an unknown kid', jws({ ...edHeader, kid: 'nope' }, claims)],
  ['alg none', `${b64({ ...edHeader, alg: 'none' })}.${b64(claims)}.`],
  ['alg HS256', `${b64({ ...edHeader, alg: 'HS256' })}.${b64(claims)}.${b64('x'.repeat(32))}`],
  ['alg ES512', jws({ ...ecHeader, alg: 'ES512' }, claims, ec.privateKey)],
  ['a critical extension', jws({ ...edHeader, crit: ['exp'], exp: 1 }, claims)],
  ['a character outside base64url in the signature', `${good.slice(0, -2)}!${good.slice(-2)}`],
  ['a character outside base64url in the payload', good.replace('.', '.=')],
  ['two parts', good.split('.').slice(0, 2).join('.')],
  ['four parts', `${good}.${good.split('.')[2]}`],
  ['no signature', `${good.split('.').slice(0, 2).join('.')}.`],
  ['a truncated signature', good.slice(0, -4)],
  ['a tampered payload', `${good.split('.')[0]}.${b64({ ...claims, job: 'j2' })}.${good.split('.')[2]}`],
  ['a payload that is an array', jws(edHeader, [claims])],
  ['a payload that is a number', jws(edHeader, 42)],
  ['a payload that is not JSON', jws(edHeader, '{"sub":')],
  [
    'a payload that is not UTF-8',
    jwsBytes(edHeader, Buffer.concat([Buffer.from(JSON.stringify(claims).slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')])),
  ],
  ['an Ed448 key under our kid', jws({ ...edHeader, kid: 'ed448' }, claims, ed448.privateKey)],
  ...(['sub', 'jti', 'iat', 'nbf', 'exp', 'iss', 'aud'] as const).map((c): [string, string] => {
    const { [c]: _, ...rest } = claims;
    return [`no ${c}`, jws(edHeader, rest)];
  }),
  ...(['iat', 'nbf', 'exp'] as const).map((c): [string, string] => [
    `${c} as a string`,
    jws(edHeader, { ...claims, [c]: String(claims[c]) }),
  ]),
  ['another issuer', jws(edHeader, { ...claims, iss: 'https://evil.test' })],
  ['another audience', jws(edHeader, { ...claims, aud: 'someone-else' })],
  ['an audience list that holds ours', jws(edHeader, { ...claims, aud: ['x', AUD] })],
  ['an audience list without ours', jws(edHeader, { ...claims, aud: ['x', 'y'] })],
  ['expired within the skew', jws(edHeader, { ...claims, exp: T - 59 })],
  ['expired past the skew', jws(edHeader, { ...claims, exp: T - 60 })],
  ['nbf within the skew', jws(edHeader, { ...claims, nbf: T + 60 })],
  ['nbf past the skew', jws(edHeader, { ...claims, nbf: T + 61 })],
  ['issued within the skew ahead', jws(edHeader, { ...claims, iat: T + 60 })],
  ['issued past the skew ahead', jws(edHeader, { ...claims, iat: T + 61 })],
  ['issued 400 days ago', jws(edHeader, { ...claims, iat: T - 400 * 86_400, exp: T + 10 })],
  ['issued 401 days ago', jws(edHeader, { ...claims, iat: T - 401 * 86_400, exp: T + 10 })],
];

/** What jwtVerify answered with the options verifyJobToken gave it before. */
async function joseAccepts(token: string, jwks: { keys: JWK[] }): Promise<boolean> {
  return jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['EdDSA', 'ES256'],
    typ: TYP,
    issuer: ISS,
    audience: AUD,
    requiredClaims: ['jti', 'exp', 'nbf', 'iat', 'sub'],
    clockTolerance: 60,
    maxTokenAge: '400d',
    currentDate: NOW,
  }).then(
    ({ payload }) => (payload.iat ?? 0) <= T + 60,
    () => false,
  );
}

const oursAccepts = (token: string, jwks: { keys: JWK[] }) =>
  verifyJobToken(token, jwks, { issuer: ISS, audience: AUD, now: NOW }).then(
    () => true,
    (error: Error) => {
      // a refusal is always the one error of the exchange, never a crash of the parser
      expect(error.message).toMatch(/^the token (is refused: |was issued in the future|is not a JWT)/);
      return false;
    },
  );

describe('verifyJobToken on node:crypto', () => {
  it('accepts and refuses each honest and forged token as jose did', async () => {
    const jwks = {
      keys: [await publicJwk(ed.publicKey, 'ed'), await publicJwk(ec.publicKey, 'ec'), await publicJwk(ed448.publicKey, 'ed448')],
    };
    const answers = await Promise.all(
      CASES.map(async ([name, token]) => [name, await oursAccepts(token, jwks), await joseAccepts(token, jwks)]),
    );
    const disagree = answers.filter(([, ours, theirs]) => ours !== theirs);
    expect(disagree).toEqual([]);
    // the corpus holds both answers: it could catch a check that accepts all or refuses all
    const accepted = answers.filter(([, ours]) => ours).map(([name]) => name);
    expect(accepted).toEqual([
      'a good EdDSA token',
      'a good ES256 token',
      'an audience list that holds ours',
      'expired within the skew',
      'nbf within the skew',
      'issued within the skew ahead',
      'issued 400 days ago',
    ]);
  });

  it('takes only a key fit to verify: not one for encryption, another algorithm or without verify', async () => {
    const unfit: Array<Partial<JWK>> = [{ use: 'enc' }, { alg: 'ES256' }, { key_ops: ['encrypt'] }];
    for (const extra of unfit) {
      const jwks = { keys: [await publicJwk(ed.publicKey, 'ed', extra)] };
      expect([await oursAccepts(good, jwks), await joseAccepts(good, jwks)]).toEqual([false, false]);
    }
    const fit = { keys: [await publicJwk(ed.publicKey, 'ed', { use: 'sig', alg: 'EdDSA', key_ops: ['verify'] })] };
    expect([await oursAccepts(good, fit), await joseAccepts(good, fit)]).toEqual([true, true]);
  });

  it('is stricter in two ways: a token must name its key, and carry no base64 padding', async () => {
    const jwks = { keys: [await publicJwk(ed.publicKey, 'ed')] };
    // jose tried the only key of the token's kind
    const { kid: _, ...header } = edHeader;
    const unnamed = jws(header, claims);
    expect(await joseAccepts(unnamed, jwks)).toBe(true);
    await expect(verifyJobToken(unnamed, jwks, { issuer: ISS, audience: AUD, now: NOW })).rejects.toThrow(/names no key/);
    // jose read past base64 padding: the same token in two spellings
    expect(await joseAccepts(`${good}==`, jwks)).toBe(true);
    await expect(verifyJobToken(`${good}==`, jwks, { issuer: ISS, audience: AUD, now: NOW })).rejects.toThrow(/Invalid Compact JWS/);
  });

  it('tries every key that bears the kid (a set may hold two)', async () => {
    const jwks = { keys: [await publicJwk(stranger.publicKey, 'ed'), await publicJwk(ed.publicKey, 'ed')] };
    expect(await oursAccepts(good, jwks)).toBe(true);
  });
});
