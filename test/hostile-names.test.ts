// Non-UTF-8 and control characters in names, descriptions and authors: caught where denied, shown escaped, never raw on the terminal.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { baseEnv, commit, hgOk } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

const paths = { rule: 'paths', deny: { 'deploy/prod/**': ['*'] } };

function writeRaw(work: string, latin1Path: string, content: string) {
  const full = Buffer.concat([Buffer.from(`${work}/`), Buffer.from(latin1Path, 'latin1')]);
  mkdirSync(join(work, latin1Path.split('/').slice(0, -1).join('/')), { recursive: true });
  writeFileSync(full, content);
}

describe('non-UTF-8 and control characters', () => {
  it('a non-UTF-8 file name under a denied path is caught and shown escaped', async () => {
    const s = await scenario(onlyRules([paths]));
    writeRaw(s.work, 'deploy/prod/caf\xe9.yaml', 'x');
    await hgOk(s.work, ['commit', '-q', '-A', '-m', 'raw name']);
    await expectRejected(s, ['may not change deploy/prod/caf\\xe9.yaml (denied to *)'], { LOGNAME: 'bob' });
  });

  it('a non-UTF-8 name elsewhere passes, and is listed readably by portableNames', async () => {
    const s = await scenario(onlyRules([paths]));
    writeRaw(s.work, 'src/caf\xe9.txt', 'x');
    await hgOk(s.work, ['commit', '-q', '-A', '-m', 'raw name']);
    await expectAccepted(s, { LOGNAME: 'bob' });
    writeRaw(s.work, 'src/na\xefve.txt', 'x');
    await hgOk(s.work, ['commit', '-q', '-A', '-m', 'raw name 2']);
    const s2 = { ...s };
    const { writeFileSync: w } = await import('node:fs');
    w(join(s.central, '.hg', 'taskgate.json'), JSON.stringify(onlyRules([{ rule: 'files', portableNames: true }])));
    await expectRejected(s2, ['src/na\\xefve.txt is not valid UTF-8 (macOS refuses it)']);
  });

  it('escape sequences in names and descriptions never reach the terminal raw', async () => {
    const s = await scenario(
      onlyRules([
        { rule: 'message', pattern: '^OPS' },
        { rule: 'files', portableNames: true },
      ]),
    );
    await commit(s.work, { 'evil\x1b[31mred.txt': 'x' }, 'bad \x1b]0;owned\x07 title');
    const r = await expectRejected(s, [
      'evil\\x1b[31mred.txt contains a control character (0x1b)',
      '"bad \\x1b]0;owned\\x07 title" does not match ^OPS',
    ]);
    const report = r.all
      .split('\n')
      .filter((l) => l.includes('  message  ') || l.includes('  files  '))
      .join('\n');
    expect(report).not.toContain('\x1b');
    expect(report).not.toContain('\x07');
  });

  it('a latin-1 author is reported readably', async () => {
    const s = await scenario(onlyRules([{ rule: 'author', pattern: '^[A-Za-z ]+ <' }]));
    writeFileSync(join(s.work, 'a.txt'), 'a');
    const author = Buffer.from('J\xe9r\xf4me <j@acme.test>', 'latin1');
    // hg converts the local encoding (latin-1 here) to UTF-8 as it stores the author
    const r = await execa('/bin/sh', ['-c', 'hg commit -q -A -m x -u "$(printf "J\\351r\\364me <j@acme.test>")"'], {
      cwd: s.work,
      env: baseEnv({ HGENCODING: 'latin1' }),
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(author.length).toBeGreaterThan(0);
    await expectRejected(s, ['author "J\\xe9r\\xf4me <j@acme.test>" does not match']);
  });
});
