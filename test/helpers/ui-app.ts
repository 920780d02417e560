// taskgate serve's app in process over a repository's real store, closed after the file's tests.
import type { FastifyInstance } from 'fastify';
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer } from '../../src/server/create-server.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store-types.js';
import { pageNotFound, uiRoutes } from '../../src/ui/ui-routes.js';

const open: Array<{ app: FastifyInstance; store: JobStore }> = [];
afterAll(async () => {
  for (const o of open) {
    await o.app.close();
    await o.store.close();
  }
});

/** The service with the web UI for the repository `central` (its configuration, its store). */
export async function uiApp(central: string): Promise<FastifyInstance> {
  const config = loadConfig({ root: central, env: {} });
  const store = await openStore(config);
  const pages = uiRoutes({ config, store, root: central });
  const app = await createServer({
    config,
    store,
    root: central,
    host: '127.0.0.1',
    baseUrl: () => 'http://127.0.0.1',
    pages,
    pageNotFound,
  });
  open.push({ app, store });
  return app;
}
