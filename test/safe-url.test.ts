// Database URLs are masked wherever they are printed (DESIGN §15): by safeUrl and maskUrls, and in the CLI's and doctor's output.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskUrls, safeUrl } from '../src/store/safe-url.js';
import { taskgate } from './helpers/hg-fixture.js';
import { scenario } from './helpers/scenario.js';

const URL_WITH_SECRETS =
  'postgres://tguser:pw-in-userinfo@127.0.0.1:1/jobs?sslmode=require&password=pw-in-query&sslpassword=pw-ssl&sslkey=/etc/ssl/private/key.pem';
const SECRETS = ['tguser', 'pw-in-userinfo', 'pw-in-query', 'pw-ssl', '/etc/ssl/private/key.pem'];

describe('database URLs are masked wherever they are printed (DESIGN §15)', () => {
  it('safeUrl masks user info and the password, sslpassword and sslkey parameters; maskUrls inside any text', () => {
    const masked = safeUrl(URL_WITH_SECRETS);
    for (const s of SECRETS) expect(masked).not.toContain(s);
    expect(masked).toContain('127.0.0.1:1/jobs');
    expect(masked).toContain('sslmode=require');
    const text = maskUrls(`connect to ${URL_WITH_SECRETS} failed`);
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(safeUrl('not a url')).toBe('the configured PostgreSQL database');
  });

  it('the CLI and doctor print an unreachable store without its secrets', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const configPath = join(s.central, '.hg', 'taskgate.json');
    writeFileSync(
      configPath,
      JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), store: { backend: 'postgres', url: URL_WITH_SECRETS } }),
    );
    for (const args of [['doctor'], ['doctor', '--json'], ['jobs', 'list'], ['jobs', 'list', '--json'], ['audit', 'verify']]) {
      const r = await taskgate(s.central, args);
      expect(r.exitCode, args.join(' ')).not.toBe(0);
      const all = `${r.stdout}\n${r.stderr}`;
      expect(all, args.join(' ')).toMatch(/ERR_STORE_UNAVAILABLE|store/);
      for (const secret of SECRETS) expect(all, args.join(' ')).not.toContain(secret);
    }
  });
});
