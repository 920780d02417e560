// The shapes of job tokens (DESIGN §8): kinds, typ and scope per kind, stored signing keys, a JWKS and the claims.
import type { JWK } from 'jose';

/** A public JSON Web Key Set. */
export interface Jwks {
  keys: JWK[];
}

export type TokenKind = 'queued' | 'running' | 'done' | 'task';
export type SigningAlg = 'EdDSA' | 'ES256';

export const TOKEN_TYP: Record<TokenKind, string> = {
  queued: 'taskgate-queued+jwt',
  running: 'taskgate-running+jwt',
  done: 'taskgate-done+jwt',
  task: 'taskgate-task+jwt',
};

export const TOKEN_SCOPE: Record<TokenKind, string> = { queued: 'job:claim', running: 'job:run', done: 'job:done', task: 'task' };

export interface StoredKey {
  kid: string;
  alg: SigningAlg;
  createdAt: string;
  /** Set when a newer key took over signing; the public key stays published while its tokens live. */
  retiredAt: string | null;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
}

export interface KeyFile {
  version: 1;
  keys: StoredKey[];
}

/** The claims of a job token (DESIGN §8), beyond iss/aud/iat/nbf/exp/jti. */
export interface JobClaims {
  sub: string;
  job: string;
  repo: string;
  rev: string;
  branch: string;
  task: string;
  spec: string;
  push: { id: string; node: string; node_last: string };
  actor: { sub: string | null; via: string; groups: string[] };
  scope: string;
  prev?: string;
  act?: { sub: string };
  upstream?: Array<{ job: string; jti: string }>;
}
