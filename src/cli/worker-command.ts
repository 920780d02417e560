// `taskgate worker`: in process with the SQLite store, or remote against `taskgate serve`, trusting only its pinned keys (DESIGN §14).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { JobService } from '../exchange/job-service.js';
import { withStore } from '../store/with-store.js';
import { HttpBackend } from '../worker/http-backend.js';
import type { JobBackend } from '../worker/job-backend.js';
import { LocalBackend } from '../worker/local-backend.js';
import { pinnedFetch, readCa } from '../worker/pinned-fetch.js';
import { runWorker } from '../worker/run-worker.js';
import { serviceUrl } from '../worker/service-url.js';
import { SourceCache, sourceCacheOptions } from '../worker/source-cache.js';
import { claimVerifier, type ClaimVerifier } from '../worker/verify-claim.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';
import { findRepoRoot } from '../hg/find-root.js';

export const WORKER_USAGE =
  'taskgate worker [-R REPO] [--concurrency N] [--once] [--name NAME] [--server URL --key WORKER.jwk [--config WORKER.json]]';

const WORKER_OPTIONS = {
  ...REPO_OPTIONS,
  concurrency: { type: 'string' },
  once: { type: 'boolean' },
  name: { type: 'string' },
  server: { type: 'string' },
  key: { type: 'string' },
} as const;
type WorkerValues = ReturnType<typeof parseCliArgs<typeof WORKER_OPTIONS>>['values'];

/** `taskgate worker`: in process with the SQLite store, or against `taskgate serve` with --server. */
export async function workerCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs('worker', args, WORKER_OPTIONS, WORKER_USAGE);
  const concurrency = Number(values.concurrency ?? '1');
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TaskgateError(
      'ERR_USAGE',
      `taskgate worker: --concurrency ${values.concurrency} is not a positive whole number`,
      `usage: ${WORKER_USAGE}`,
    );
  if (values.server && (!values.key || !values.name))
    throw new TaskgateError(
      'ERR_USAGE',
      "taskgate worker --server needs --name and --key (the worker's private JWK)",
      `usage: ${WORKER_USAGE}`,
    );
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const log = (line: string) => io.err(`${line}\n`);
  // plain http to another host is refused before anything else (DESIGN §14)
  if (values.server) serviceUrl(values.server);
  const run = (root: string | null, config: TaskgateConfig, backend: JobBackend, verify?: ClaimVerifier) =>
    runWorker({
      ...(verify ? { verify } : {}),
      ...(root ? { root } : {}),
      config,
      backend,
      concurrency,
      once: values.once ?? false,
      ...(values.name ? { name: values.name } : {}),
      log,
      signal: stop.signal,
    });
  try {
    const { ran } = values.server ? await remote(values, io, log, stop.signal, run) : await local(values, io, run);
    io.out(`taskgate worker: ${ran} job${ran === 1 ? '' : 's'} run\n`);
    return EXIT.ok;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

type Run = (root: string | null, config: TaskgateConfig, backend: JobBackend, verify?: ClaimVerifier) => Promise<{ ran: number }>;

/** In process: the store of the repository's configuration, and the exchange with the hg server's key. */
function local(values: WorkerValues, io: CliIo, run: Run): Promise<{ ran: number }> {
  const { root, config } = repoConfig(values, io);
  return withStore(config, async (store) => run(root, config, new LocalBackend(await JobService.create(config, store, io.now), root)));
}

/**
 * A remote worker's configuration: `--config FILE` (its `worker` part; relative paths against the
 * file's folder), else the repository of -R or of the current folder, defaults if it has none.
 */
function remoteConfig(values: WorkerValues, io: CliIo): { root: string | null; config: TaskgateConfig } {
  if (values.repository) return repoConfig(values, io, { defaultsIfMissing: true });
  if (values.config) {
    const file = resolve(io.cwd, values.config);
    return { root: null, config: loadConfig({ explicit: file, env: io.env, root: dirname(file) }) };
  }
  try {
    findRepoRoot(io.cwd);
  } catch {
    throw new TaskgateError(
      'ERR_USAGE',
      'taskgate worker --server: no --config and no repository here',
      "give the worker's own configuration file (--config WORKER.json, written by `taskgate keys worker NAME --out KEY --trust WORKER.json`)",
    );
  }
  return repoConfig(values, io, { defaultsIfMissing: true });
}

/**
 * Against `taskgate serve`: sources come from the service (GET /v1/jobs/{id}/source), kept in a
 * bounded cache by node; no clone is needed. While the service is away the worker waits and
 * retries; it never gives up on its own.
 */
function remote(values: WorkerValues, io: CliIo, log: (line: string) => void, signal: AbortSignal, run: Run): Promise<{ ran: number }> {
  const url = serviceUrl(values.server ?? '');
  const { root, config } = remoteConfig(values, io);
  const jwk = JSON.parse(readFileSync(resolve(io.cwd, values.key ?? ''), 'utf8')) as ConstructorParameters<typeof HttpBackend>[1];
  // workers trust nothing the service says: each claimed job is checked against the pinned JWKS (DESIGN §14)
  const trust = config.worker.trust;
  if (!trust)
    log(
      'taskgate worker: WARNING: no worker.trust: the jobs this service hands out are run without checking their tokens against a pinned JWKS (taskgate keys worker NAME --out KEY --trust FILE)',
    );
  const verify = trust ? claimVerifier(trust, config.tokens.audience) : undefined;
  const backend = new HttpBackend(values.server ?? '', jwk, {
    log,
    signal,
    ...(values.name ? { name: values.name } : {}),
    // a private CA pinned in the worker's configuration: the only one trusted for this service (http is loopback only)
    ...(trust?.ca && url.protocol === 'https:' ? { fetch: pinnedFetch(readCa(trust.ca)) } : {}),
    cache: new SourceCache(sourceCacheOptions(config)),
  });
  return run(root, config, backend, verify);
}
