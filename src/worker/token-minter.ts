import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import type { JobRecord } from '../jobs/job-types.js';
import type { IssuedToken } from '../store/store-types.js';
import { activeKey, importSigningKey, publicJwks, readKeyFile } from '../tokens/key-store.js';
import { signJobToken } from '../tokens/sign-token.js';
import { jobSubject } from '../tokens/subject.js';
import { TOKEN_SCOPE, type JobClaims, type Jwks, type StoredKey } from '../tokens/token-types.js';

/** Signs the tokens of the exchanges, with the key of the process that holds it (the hg server with sqlite). */
export class TokenMinter {
  private constructor(
    private readonly config: TaskgateConfig,
    private readonly key: StoredKey,
    private readonly cryptoKey: Awaited<ReturnType<typeof importSigningKey>>,
    readonly jwks: Jwks,
  ) {}

  static async load(config: TaskgateConfig): Promise<TokenMinter> {
    const file = readKeyFile(config.tokens.keys);
    const key = activeKey(file);
    const t = config.tokens.ttl;
    const longest = Math.max(
      durationSeconds(t.queued, 'tokens.ttl.queued'),
      durationSeconds(t.running, 'tokens.ttl.running'),
      durationSeconds(t.done, 'tokens.ttl.done'),
    );
    return new TokenMinter(config, key, await importSigningKey(key), publicJwks(file, longest));
  }

  private claims(job: JobRecord, scope: string, extra: Partial<JobClaims>): JobClaims {
    return {
      sub: jobSubject(job.repo, job.branch, job.task),
      job: job.id,
      repo: job.repo,
      rev: job.rev,
      branch: job.branch,
      task: job.task,
      spec: job.spec,
      push: { id: job.push.id, node: job.push.node, node_last: job.push.nodeLast },
      actor: { sub: job.actor.sub, via: job.actor.via, groups: job.actor.groups },
      scope,
      ...extra,
    };
  }

  /** The running token a claim or heartbeat hands out: it names the worker (`act`) and the token it replaces (`prev`). */
  async running(job: JobRecord, worker: string, prev: string, now: Date, lifetimeSeconds: number): Promise<IssuedToken> {
    const s = await signJobToken('running', this.claims(job, TOKEN_SCOPE.running, { act: { sub: worker }, prev }), this.key, {
      issuer: this.config.tokens.issuer,
      audience: this.config.tokens.audience,
      ttlSeconds: lifetimeSeconds,
      now,
      cryptoKey: this.cryptoKey,
    });
    return { ...s, kind: 'running' };
  }

  /** The done receipt a completion hands out: referenced by the dependents' tokens, never consumed. */
  async done(job: JobRecord, worker: string, prev: string, now: Date): Promise<IssuedToken> {
    const s = await signJobToken('done', this.claims(job, TOKEN_SCOPE.done, { act: { sub: worker }, prev }), this.key, {
      issuer: this.config.tokens.issuer,
      audience: this.config.tokens.audience,
      ttlSeconds: durationSeconds(this.config.tokens.ttl.done, 'tokens.ttl.done'),
      now,
      cryptoKey: this.cryptoKey,
    });
    return { ...s, kind: 'done' };
  }

  /** The task identity token (TASKGATE_TOKEN): no exchange accepts it; it proves what runs, for an artifact store or a cloud. */
  async task(job: JobRecord, worker: string, now: Date): Promise<string> {
    // at most a day, whatever a stored definition says (DESIGN §14)
    const timeout = Math.min(durationSeconds(job.definition.timeout ?? '1h', `task ${job.task} timeout`), 86_400 - 300);
    const s = await signJobToken('task', this.claims(job, TOKEN_SCOPE.task, { act: { sub: worker } }), this.key, {
      issuer: this.config.tokens.issuer,
      audience: job.definition.audience ?? this.config.tokens.taskAudience,
      ttlSeconds: timeout + 300,
      now,
      cryptoKey: this.cryptoKey,
    });
    return s.token;
  }
}
