/** Signed checkpoints of an audit chain's head (DESIGN §15): a JWS that a rewritten chain cannot match. */
import { createLocalJWKSet, jwtVerify, SignJWT, type JWK } from 'jose';
import { TaskgateError } from '../errors/taskgate-error.js';
import { importSigningKey } from './key-store.js';
import type { KeyFile, StoredKey } from './token-types.js';

const CHECKPOINT_TYP = 'taskgate-checkpoint+jwt';

/** The head of one chain at one moment: `chain` names which (the audit file, or the store's chain). */
interface ChainCheckpoint {
  chain: string;
  seq: number;
  hash: string;
  at: string;
}

/** Signs a checkpoint with the service's signing key; typ taskgate-checkpoint+jwt, so that no verifier takes it for a job token. */
export async function signCheckpoint(checkpoint: ChainCheckpoint, key: StoredKey, issuer: string): Promise<string> {
  return new SignJWT({ chain: checkpoint.chain, seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYP })
    .setIssuer(issuer)
    .setIssuedAt(Math.floor(Date.parse(checkpoint.at) / 1000))
    .sign(await importSigningKey(key));
}

/** Checks a checkpoint against every key of the key file (retired ones too: checkpoints outlive tokens). */
export async function verifyCheckpoint(jws: string, keys: KeyFile, issuer: string): Promise<ChainCheckpoint> {
  try {
    const jwks = createLocalJWKSet({ keys: keys.keys.map((k) => k.publicJwk as JWK) });
    const { payload } = await jwtVerify(jws, jwks, {
      algorithms: ['EdDSA', 'ES256'],
      issuer,
      typ: CHECKPOINT_TYP,
      // a checkpoint does not expire: it anchors the past
      currentDate: new Date(8.64e15),
      clockTolerance: 0,
    });
    const { chain, seq, hash, at } = payload as Record<string, unknown>;
    if (typeof chain !== 'string' || typeof seq !== 'number' || typeof hash !== 'string' || typeof at !== 'string')
      throw new Error('claims chain, seq, hash and at are required');
    return { chain, seq, hash, at };
  } catch (error) {
    throw new TaskgateError(
      'ERR_AUDIT_BROKEN',
      `an audit checkpoint is refused: ${(error as Error).message}`,
      'checkpoints must be signed by a key of this repository (taskgate keys)',
    );
  }
}
