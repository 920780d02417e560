// The browser for the UI tests: Debian's chromium driven by playwright-core (nothing downloaded), and screenshots for docs/ui.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
import { ROOT, tempDir } from './hg-fixture.js';

/** Debian's chromium, driven by playwright-core: nothing is downloaded. */
export const CHROMIUM = process.env['TASKGATE_CHROMIUM'] ?? '/usr/bin/chromium';

const browsers: Browser[] = [];
afterAll(async () => {
  for (const b of browsers) await b.close();
});

export async function launch(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  browsers.push(browser);
  return browser;
}

/** Where screenshots go: docs/ui/ with TASKGATE_UPDATE_SCREENSHOTS=1 (for docs/ui.md), else a temporary folder. */
export function screenshotDir(): string {
  if (process.env['TASKGATE_UPDATE_SCREENSHOTS'] !== '1') return tempDir('tg-shots-');
  const dir = join(ROOT, 'docs', 'ui');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function shoot(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
