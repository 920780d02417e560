// DESIGN §17: with server.url, the pusher's report ends with the link to the push's page, and the link opens it.
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer } from '../../src/server/create-server.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store-types.js';
import { pageNotFound, uiRoutes } from '../../src/ui/ui-routes.js';
import { commit } from '../helpers/hg-fixture.js';
import { expectAccepted, expectRejected, scenario, type Scenario } from '../helpers/scenario.js';

const URL_BASE = 'https://ci.acme.test/taskgate/';
const TASKS = { version: 1, tasks: { build: { inputs: ['src/**'], run: 'true' }, docs: { inputs: ['docs/**'], run: 'true' } } };
const MESSAGE = { rule: 'message', pattern: '^[A-Z]+-[0-9]+: ' };

const open: Array<{ app: FastifyInstance; store: JobStore }> = [];
afterAll(async () => {
  for (const o of open) {
    await o.app.close();
    await o.store.close();
  }
});

/** The push page the link names, asked of taskgate serve's app in process (readers on loopback). */
async function page(s: Scenario, link: string): Promise<{ status: number; body: string }> {
  const config = loadConfig({ root: s.central, env: {} });
  const store = await openStore(config);
  const app = await createServer({
    config,
    store,
    root: s.central,
    host: '127.0.0.1',
    baseUrl: () => '',
    pages: uiRoutes({ config, store, root: s.central }),
    pageNotFound,
  });
  open.push({ app, store });
  const r = await app.inject({ method: 'GET', url: link.slice(URL_BASE.length - 1), remoteAddress: '127.0.0.1' });
  return { status: r.statusCode, body: r.body };
}

/** The report's lines from taskgate, in order, without hg's `remote: ` prefix. */
function taskgateLines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.replace(/^remote: /, ''))
    .filter((l) => l.startsWith('taskgate: '));
}

function linkOf(lines: string[]): string {
  const m = /^taskgate: details: (\S+)$/.exec(lines.at(-1) ?? '');
  expect(m, lines.join('\n')).not.toBeNull();
  return m![1]!;
}

describe('the link to the push page (DESIGN §17)', () => {
  it('a rejected push ends with the link, and the page it names shows the rejection', async () => {
    const s = await scenario(
      { repo: { id: 'acme/app' }, server: { url: URL_BASE, readers: 'loopback' }, policy: { rules: [MESSAGE] } },
      { keys: true },
    );
    await commit(s.work, { 'src/a.ts': 'a' }, 'fix stuff');
    const r = await expectRejected(s, ['does not match']);
    const link = linkOf(taskgateLines(r.all ?? ''));
    expect(link).toMatch(/^https:\/\/ci\.acme\.test\/taskgate\/pushes\/[^/]+$/);
    const p = await page(s, link);
    expect(p.status).toBe(200);
    expect(p.body).toContain('fix stuff');
    expect(p.body).toMatch(/rejected/);
  });

  it('an accepted push that queues jobs ends with the link, and the page shows its jobs', async () => {
    const s = await scenario(
      { repo: { id: 'acme/app' }, server: { url: URL_BASE.slice(0, -1), readers: 'loopback' }, policy: { rules: [MESSAGE] } },
      { trigger: true },
    );
    await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'src/a.ts': 'a' }, 'OPS-1: tasks and a source');
    const r = await expectAccepted(s);
    const lines = taskgateLines(r.all ?? '');
    expect(lines.join('\n')).toMatch(/jobs? queued: .*build/);
    const p = await page(s, linkOf(lines));
    expect(p.status).toBe(200);
    expect(p.body).toContain('build');
  });

  it('without server.url, or when nothing is queued, no link is printed', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [MESSAGE] } }, { trigger: true });
    await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'src/a.ts': 'a' }, 'OPS-1: tasks');
    expect(await expectAccepted(s).then((r) => r.all)).not.toContain('details:');
    await commit(s.work, { 'src/a.ts': 'b' }, 'fix');
    expect((await expectRejected(s, ['does not match'])).all).not.toContain('details:');

    const quiet = await scenario({ repo: { id: 'acme/app' }, server: { url: URL_BASE }, policy: { rules: [] } }, { trigger: true });
    await commit(quiet.work, { README: 'no manifest' }, 'no tasks');
    expect((await expectAccepted(quiet)).all).not.toContain('details:');
  });
});
