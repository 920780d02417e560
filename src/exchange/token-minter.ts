// Signs every kind of job token with the key of the process that holds it (DESIGN §8).
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import type { JobRecord } from '../jobs/job-types.js';
import type { IssuedToken } from '../store/store-types.js';
import { jobClaims, type ClaimsExtra } from '../tokens/job-claims.js';
import type { KeyObject } from 'node:crypto';
import { activeKey, publicJwks, readKeyFile } from '../tokens/key-store.js';
import { signJobToken, signingKeyObject, type SignedToken } from '../tokens/sign-token.js';
import { tokenLifetimes, type TokenLifetimes } from '../tokens/token-lifetimes.js';
import type { Jwks, StoredKey, TokenKind } from '../tokens/token-types.js';

/** The signing key (the hg server's with sqlite, the service's with postgres), the JWKS it publishes, and the lifetimes. */
export class TokenMinter {
  private constructor(
    private readonly config: TaskgateConfig,
    private readonly key: StoredKey,
    private readonly keyObject: KeyObject,
    readonly jwks: Jwks,
    readonly lifetimes: TokenLifetimes,
  ) {}

  static load(config: TaskgateConfig): TokenMinter {
    const file = readKeyFile(config.tokens.keys);
    const key = activeKey(file);
    const lifetimes = tokenLifetimes(config);
    return new TokenMinter(config, key, signingKeyObject(key), publicJwks(file, lifetimes.longest), lifetimes);
  }

  private sign(kind: TokenKind, job: JobRecord, extra: ClaimsExtra, ttlSeconds: number, now: Date, audience?: string): SignedToken {
    return signJobToken(kind, jobClaims(job, kind, extra), this.key, {
      issuer: this.config.tokens.issuer,
      audience: audience ?? this.config.tokens.audience,
      ttlSeconds,
      now,
      keyObject: this.keyObject,
    });
  }

  /** The queued token of a ready job: it names the done receipts that released it (`upstream`). */
  queued(job: JobRecord, upstream: Array<{ job: string; jti: string }>, now: Date): SignedToken {
    return this.sign('queued', job, { upstream }, this.lifetimes.queued, now);
  }

  /** The running token a claim or heartbeat hands out: it names the worker (`act`) and the token it replaces (`prev`). */
  running(job: JobRecord, worker: string, prev: string, now: Date): IssuedToken {
    return { ...this.sign('running', job, { act: { sub: worker }, prev }, this.lifetimes.running, now), kind: 'running' };
  }

  /** The done receipt a completion hands out: referenced by the dependents' tokens, never consumed. */
  done(job: JobRecord, worker: string, prev: string, now: Date): IssuedToken {
    return { ...this.sign('done', job, { act: { sub: worker }, prev }, this.lifetimes.done, now), kind: 'done' };
  }

  /** The task identity token (TASKGATE_TOKEN): no exchange accepts it; it proves what runs, for an artifact store or a cloud. */
  task(job: JobRecord, worker: string, now: Date): string {
    // at most a day, whatever a stored definition says (DESIGN §14)
    const timeout = Math.min(durationSeconds(job.definition.timeout ?? '1h', `task ${job.task} timeout`), 86_400 - 300);
    const audience = job.definition.audience ?? this.config.tokens.taskAudience;
    return this.sign('task', job, { act: { sub: worker } }, timeout + 300, now, audience).token;
  }
}
