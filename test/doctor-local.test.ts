// doctor on local pushes: they are trusted admin operations, with a warning when others can write .hg/.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hgOk, taskgate, tempDir } from './helpers/hg-fixture.js';

function doctorLine(out: string, name: string): string {
  return out.split('\n').find((l) => l.includes(`  ${name}:`)) ?? '';
}

describe('doctor on local pushes', () => {
  it('says local pushes are trusted admin operations, and warns when others can write .hg/', async () => {
    const dir = tempDir();
    const central = join(dir, 'central');
    await hgOk(dir, ['init', central]);
    expect((await taskgate(dir, ['install', central])).exitCode).toBe(0);
    chmodSync(join(central, '.hg'), 0o755);
    chmodSync(join(central, '.hg', 'store'), 0o755);
    chmodSync(join(central, '.hg', 'hgrc'), 0o644);
    const clean = await taskgate(dir, ['doctor', central]);
    expect(doctorLine(clean.stdout, 'local pushes')).toMatch(
      /^ok +local pushes: a push from a local path runs the hooks as the pusher's own account, which can switch them off .*trusted admin operations/,
    );
    expect(doctorLine(clean.stdout, 'repository writers')).toMatch(/^ok +repository writers: only this account can write \.hg\//);

    chmodSync(join(central, '.hg', 'store'), 0o775);
    chmodSync(join(central, '.hg', 'hgrc'), 0o666);
    const open = await taskgate(dir, ['doctor', central]);
    const line = doctorLine(open.stdout, 'repository writers');
    expect(line).toMatch(/^warn +repository writers: /);
    expect(line).toContain(`${join(central, '.hg', 'hgrc')} is writable by every account (mode 666)`);
    expect(line).toContain(`${join(central, '.hg', 'store')} is writable by group`);
    expect(open.stdout).toContain('hint: chown -R <the account that serves pushes>');
  });
});
