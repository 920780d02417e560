// `taskgate serve`: the JWKS, worker API, read APIs and web UI over the repository's store, until SIGTERM, then a bounded stop.
import { createServer } from '../server/create-server.js';
import { withStore } from '../store/with-store.js';
import { pageNotFound, uiRoutes } from '../ui/ui-routes.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const SERVE_USAGE = 'taskgate serve [-R REPO] [--host 127.0.0.1] [--port 8470]';

/** How long a stopping service gives open requests before it cuts their connections. */
const STOP_GRACE_MS = 3000;

/** `taskgate serve`: JWKS, worker API, read APIs and the web UI's pages, until SIGTERM; stopped within 5 s of it whatever is open. */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs('serve', args, { ...REPO_OPTIONS, host: { type: 'string' }, port: { type: 'string' } }, SERVE_USAGE);
  const { root, config } = repoConfig(values, io);
  const host = values.host ?? '127.0.0.1';
  const log = (line: string) => io.err(`taskgate serve: ${line}\n`);
  return withStore(config, async (store) => {
    let base = '';
    const pages = uiRoutes({ config, store, root, now: io.now });
    const app = await createServer({ config, store, root, host, baseUrl: () => base, now: io.now, log, pages, pageNotFound });
    base = await app.listen({ host, port: Number(values.port ?? '8470') });
    io.out(`taskgate serve: listening on ${base}\n`);
    await new Promise<void>((done) => {
      process.once('SIGTERM', () => done());
      process.once('SIGINT', () => done());
    });
    // waits answer at once on close; whatever still hangs is cut after the grace period
    const cut = setTimeout(() => app.server.closeAllConnections(), STOP_GRACE_MS);
    cut.unref();
    await app.close();
    clearTimeout(cut);
    return EXIT.ok;
  });
}
