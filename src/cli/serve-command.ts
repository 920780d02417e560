import { createServer } from '../server/create-server.js';
import { withStore } from '../store/with-store.js';
import { uiRoutes } from '../ui/ui-routes.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const SERVE_USAGE = 'taskgate serve [-R REPO] [--host 127.0.0.1] [--port 8470]';

/** `taskgate serve`: JWKS, worker API, read APIs and the web UI's pages, until SIGTERM. */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs('serve', args, { ...REPO_OPTIONS, host: { type: 'string' }, port: { type: 'string' } }, SERVE_USAGE);
  const { root, config } = repoConfig(values, io);
  return withStore(config, async (store) => {
    let base = '';
    const pages = uiRoutes({ config, store, root, now: io.now });
    const app = await createServer({ config, store, root, baseUrl: () => base, now: io.now, pages });
    base = await app.listen({ host: values.host ?? '127.0.0.1', port: Number(values.port ?? '8470') });
    io.out(`taskgate serve: listening on ${base}\n`);
    await new Promise<void>((done) => {
      process.once('SIGTERM', () => done());
      process.once('SIGINT', () => done());
    });
    await app.close();
    return CLI_EXIT.ok;
  });
}
