import { TaskgateError } from '../errors/taskgate-error.js';
import { openStore } from '../store/open-store.js';
import { runWorker } from '../worker/run-worker.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const WORKER_USAGE = 'taskgate worker [-R REPO] [--concurrency N] [--once] [--name NAME]';

/** `taskgate worker`: with the SQLite store, in process on the hg server. */
export async function workerCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs('worker', args, { ...REPO_OPTIONS, concurrency: { type: 'string' }, once: { type: 'boolean' }, name: { type: 'string' } }, WORKER_USAGE);
  const concurrency = Number(values.concurrency ?? '1');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TaskgateError('ERR_USAGE', `taskgate worker: --concurrency ${values.concurrency} is not a positive whole number`, `usage: ${WORKER_USAGE}`);
  const { root, config } = repoConfig(values, io);
  const store = openStore(config);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const { ran } = await runWorker({ root, config, store, concurrency, once: values.once ?? false, ...(values.name ? { name: values.name } : {}),
      log: (line) => io.err(`${line}\n`), now: io.now, signal: stop.signal });
    io.out(`taskgate worker: ${ran} job${ran === 1 ? '' : 's'} run\n`);
    return CLI_EXIT.ok;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    store.close();
  }
}
