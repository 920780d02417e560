import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { JobService } from '../server/job-service.js';
import { openStore } from '../store/open-store.js';
import { HttpBackend } from '../worker/http-backend.js';
import { LocalBackend } from '../worker/local-backend.js';
import { runWorker } from '../worker/run-worker.js';
import { claimVerifier } from '../worker/verify-claim.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const WORKER_USAGE = 'taskgate worker [-R REPO] [--concurrency N] [--once] [--name NAME] [--server URL --key WORKER.jwk]';

/** `taskgate worker`: in process with the SQLite store, or against `taskgate serve` with --server. */
export async function workerCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs(
    'worker',
    args,
    {
      ...REPO_OPTIONS,
      concurrency: { type: 'string' },
      once: { type: 'boolean' },
      name: { type: 'string' },
      server: { type: 'string' },
      key: { type: 'string' },
    },
    WORKER_USAGE,
  );
  const concurrency = Number(values.concurrency ?? '1');
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TaskgateError(
      'ERR_USAGE',
      `taskgate worker: --concurrency ${values.concurrency} is not a positive whole number`,
      `usage: ${WORKER_USAGE}`,
    );
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const log = (line: string) => io.err(`${line}\n`);
  try {
    if (values.server) {
      if (!values.key || !values.name)
        throw new TaskgateError(
          'ERR_USAGE',
          "taskgate worker --server needs --name and --key (the worker's private JWK)",
          `usage: ${WORKER_USAGE}`,
        );
      // a remote worker archives revisions from its own clone (-R), which it keeps up to date;
      // a plain clone has no taskgate.json, and then the worker settings are the defaults
      const { root, config } = repoConfig(values, io, { defaultsIfMissing: true });
      const backend = new HttpBackend(values.server, JSON.parse(readFileSync(resolve(io.cwd, values.key), 'utf8')));
      const trust = config.worker.trust;
      if (!trust)
        log(
          'taskgate worker: WARNING: no worker.trust: the jobs this service hands out are run without checking their tokens against a pinned JWKS (taskgate keys worker NAME --out KEY --trust FILE)',
        );
      const { ran } = await runWorker({
        ...(trust ? { verify: claimVerifier(trust, config.tokens.audience) } : {}),
        root,
        config,
        backend,
        concurrency,
        once: values.once ?? false,
        name: values.name,
        log,
        signal: stop.signal,
      });
      io.out(`taskgate worker: ${ran} job${ran === 1 ? '' : 's'} run\n`);
      return CLI_EXIT.ok;
    }
    const { root, config } = repoConfig(values, io);
    const store = await openStore(config);
    try {
      const backend = new LocalBackend(await JobService.create(config, store, io.now));
      const { ran } = await runWorker({
        root,
        config,
        backend,
        concurrency,
        once: values.once ?? false,
        ...(values.name ? { name: values.name } : {}),
        log,
        signal: stop.signal,
      });
      io.out(`taskgate worker: ${ran} job${ran === 1 ? '' : 's'} run\n`);
      return CLI_EXIT.ok;
    } finally {
      await store.close();
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
