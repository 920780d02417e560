// The audit page judges each chain as `audit verify` does, against the newest signed checkpoint wherever it was shipped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';
import { uiApp } from '../helpers/ui-app.js';

describe('the audit page', () => {
  it('shows the newest checkpoint (not found among the records: it is a signed file), and a chain broken under it', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, server: { readers: 'loopback' }, policy: { rules: [] } }, { trigger: true });
    await commit(
      s.work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { inputs: ['src/**'], run: 'true' } } }), 'src/a.ts': 'a' },
      'one',
    );
    await expectAccepted(s, { LOGNAME: 'bob' });
    const app = await uiApp(s.central);
    const page = await app.inject({ url: '/audit', remoteAddress: '127.0.0.1' });
    expect(page.statusCode).toBe(200);
    // the trigger anchored the chain as the push landed (SQLite: no service runs)
    expect(page.body).toMatch(/newest checkpoint: seq \d+ at \S+, hash <code>[0-9a-f]{16}<\/code>/);
    expect(page.body).toContain('verifies');

    // an edited record: the page says what `audit verify` says
    const log = join(s.central, '.hg', 'taskgate', 'audit.jsonl');
    writeFileSync(log, readFileSync(log, 'utf8').replace('"pusher":"bob"', '"pusher":"eve"'));
    const broken = await app.inject({ url: '/audit', remoteAddress: '127.0.0.1' });
    expect(broken.body).toContain('BROKEN');
  });
});
