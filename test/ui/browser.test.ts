// The web UI in a real browser: pushes, push, job, lineage and log followed by link, live status, markup shown as text, no secret on any page.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, hgOk } from '../helpers/hg-fixture.js';
import { expectAccepted, expectRejected, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';
import { launch, screenshotDir, shoot } from '../helpers/browser.js';

const HOSTILE_FILE = 'docs/<img src=x onerror=alert(1)>.md';
const HOSTILE_DESCRIPTION = '<script>alert("description")</script> builds';

/** A central repository with a rejected push, then an accepted one whose tasks carry markup in their names' surroundings. */
async function story(): Promise<{ s: Scenario; rejection: string }> {
  const s = await scenario(
    { repo: { id: 'acme/app' }, policy: { rules: [{ rule: 'message', pattern: '^OPS-[0-9]+: ' }] } },
    { trigger: true },
  );
  await commit(s.work, { 'src/a.ts': 'a' }, 'fix stuff', { user: 'Bob <bob@acme.test>' });
  const rejected = await expectRejected(s, ['does not match'], { LOGNAME: 'bob' });
  await hgOk(s.work, ['--config', 'extensions.strip=', 'strip', '-q', '--no-backup', '-r', 'all()']);
  await commit(
    s.work,
    {
      'tasks.json': JSON.stringify({
        version: 1,
        tasks: {
          build: { inputs: ['src/**'], run: 'sleep 2; echo built-output', description: HOSTILE_DESCRIPTION },
          docs: { requires: ['build'], inputs: ['docs/**'], run: 'echo documented' },
          package: { requires: ['build', 'docs'], run: 'echo packaged' },
        },
      }),
      'src/a.ts': 'a',
      [HOSTILE_FILE]: 'x',
    },
    'OPS-1: add <b>bold</b> <script>alert(2)</script> tasks',
    { user: 'Bob <bob@acme.test>' },
  );
  await expectAccepted(s, { LOGNAME: 'bob' });
  // the lines of the report, as the pusher saw them
  const lines = rejected.all.split('\n');
  const from = lines.findIndex((l) => l.includes('taskgate: push rejected'));
  const to = lines.findIndex((l, i) => i > from && l.includes('taskgate: nothing was added'));
  return { s, rejection: lines.slice(from, to + 1).join('\n') };
}

/** Every text a reader's browser received, for the secrets scan. */
function recordBodies(page: Page, into: string[]): void {
  page.on('response', async (r) => {
    try {
      into.push(await r.text());
    } catch {
      // a stream (the event source) has no body to read here
    }
  });
}

describe('the web UI in a real browser', () => {
  it('follows pushes -> push -> job -> lineage and log, shows a status change live, and shows markup as text', async () => {
    const { s, rejection } = await story();
    const url = await taskgateServe(s.central);
    const shots = screenshotDir();
    const browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const dialogs: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    const bodies: string[] = [];
    recordBodies(page, bodies);
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused/.test(m.text())) blocked.push(m.text());
    });

    await page.goto(url);
    await expect.poll(() => page.locator('#live').isVisible()).toBe(true);
    // the rejection, exactly as the pusher saw it
    expect((await page.locator('pre.report').first().textContent())!.trim()).toBe(rejection.trim());
    await shoot(page, shots, 'pushes');

    // pushes -> push
    await page.locator('tr.push', { hasText: 'OPS-1' }).locator('td a').first().click();
    await page.waitForURL(/\/pushes\//);
    expect(await page.locator('svg.dag-svg g.node').count()).toBe(3);
    expect(await page.locator('ul.files').textContent()).toContain(HOSTILE_FILE);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(await page.locator('ul.changesets').textContent()).toContain('<script>alert(2)</script>');
    await shoot(page, shots, 'push');

    // push -> job (through the DAG's node)
    await page.locator('svg.dag-svg a', { hasText: 'build' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f]+$/);
    expect(await page.locator('p.description').textContent()).toBe(HOSTILE_DESCRIPTION);
    const status = page.locator('h1 [data-role="status"]');
    expect(await status.textContent()).toBe('ready');
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    // a worker runs the jobs: the open page follows without reloading
    const worker = execa(TASKGATE, ['worker', '-R', s.central, '--once', '--name', 'w-browser'], {
      env: baseEnv(),
      extendEnv: false,
      reject: false,
    });
    await page.waitForFunction(() => document.querySelector('h1 [data-role="status"]')?.textContent === 'running', undefined, {
      timeout: 20_000,
    });
    await page.waitForFunction(() => document.querySelector('h1 [data-role="status"]')?.textContent === 'done', undefined, {
      timeout: 20_000,
    });
    await page.waitForFunction(() => document.getElementById('log-text')?.textContent?.includes('built-output'), undefined, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect((await worker).exitCode).toBe(0);

    // lineage: glob -> file -> changeset -> push -> pusher
    await page.reload();
    const lineage = (await page.locator('ol.lineage').textContent())!.replace(/\s+/g, ' ');
    expect(lineage).toMatch(
      /glob src\/\*\* → file src\/a\.ts → changeset [0-9a-f]{12} OPS-1: add <b>bold<\/b> <script>alert\(2\)<\/script> tasks .*→ push TXN:[0-9a-f]+ \(accepted, .*\) → pusher bob via local/,
    );
    expect(await page.locator('table.tokens').textContent()).toMatch(/queued.*running.*done/s);
    await shoot(page, shots, 'job');
    // the log's download link
    const href = await page.locator('a[download]').getAttribute('href');
    const log = await page.evaluate(async (u) => (await fetch(u!)).text(), href);
    expect(log).toContain('built-output');

    // job -> its downstream, -> the task's history, -> workers, -> audit
    await page.locator('ol.lineage a', { hasText: 'TXN:' }).click();
    await page.waitForURL(/\/pushes\//);
    expect(await page.locator('svg.dag-svg g.node.st-done').count()).toBe(3);
    await page.locator('a', { hasText: 'history' }).first().click();
    await page.waitForURL(/\/tasks\/build$/);
    expect(await page.locator('main table').textContent()).toContain('done');
    await shoot(page, shots, 'task');
    await page.goto(`${url}/workers`);
    expect(await page.locator('main table').textContent()).toContain('w-browser');
    await shoot(page, shots, 'workers');
    await page.goto(`${url}/audit`);
    expect(await page.locator('main').textContent()).toContain('verifies');
    expect(await page.locator('main').textContent()).toContain('push.rejected');
    await shoot(page, shots, 'audit');
    await page.goto(`${url}/jobs/ffffffffffffffffffffffffffffffff`);
    expect(await page.locator('h1').textContent()).toContain('404');
    await page.locator('a', { hasText: 'Back to the pushes' }).click();
    await page.waitForURL(`${url}/`);

    expect(dialogs).toEqual([]);
    expect(blocked).toEqual([]);
    scanForSecrets(s, bodies);
  });
});

/** No page, API answer or event carries a token, a key, a server path or a password. */
function scanForSecrets(s: Scenario, bodies: string[]): void {
  const db = new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'), { readonly: true });
  const tokens = (db.prepare('SELECT answer FROM tokens WHERE answer IS NOT NULL').all() as Array<{ answer: string }>)
    .map((a) => (JSON.parse(a.answer) as { issued: { token: string } | null }).issued?.token)
    .filter((t): t is string => typeof t === 'string');
  db.close();
  expect(tokens.length).toBeGreaterThan(0);
  const key = JSON.parse(readFileSync(join(s.central, '.hg', 'taskgate', 'keys.json'), 'utf8')) as unknown;
  const privates = JSON.stringify(key).match(/"d":"[^"]+"/g) ?? [];
  expect(privates.length).toBeGreaterThan(0);
  expect(bodies.length).toBeGreaterThan(8);
  for (const body of bodies) {
    for (const t of tokens) expect(body).not.toContain(t);
    for (const d of privates) expect(body).not.toContain(d.slice(5, -1));
    expect(body).not.toMatch(/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/);
    expect(body).not.toContain(s.dir);
    expect(body).not.toMatch(/password/i);
  }
}
