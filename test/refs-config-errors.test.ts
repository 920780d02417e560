// A broken refs rule refuses even a bookmark-only push (fail closed), each problem named by its JSON path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, hg, hgOk } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, scenario } from './helpers/scenario.js';

/** A bookmark-only push into a central repository whose bookmarks rule is `protect`. */
async function bookmarkPushWith(protect: unknown[]) {
  const s = await scenario(onlyRules([]));
  await commit(s.work, { 'a.txt': 'a' }, 'one');
  await expectAccepted(s);
  writeFileSync(join(s.central, '.hg', 'taskgate.json'), JSON.stringify(onlyRules([{ rule: 'bookmarks', protect }])));
  await hgOk(s.work, ['bookmark', '-r', '0', 'production']);
  const r = await hg(s.work, ['push', '-B', 'production', s.central]);
  expect(r.exitCode, r.all).not.toBe(0);
  expect(r.all).toContain('taskgate: push rejected: the policy could not be checked');
  expect(await hgOk(s.central, ['bookmarks', '-T', '{bookmark}\n'])).toBe('');
  return r.all;
}

describe('a broken refs rule refuses even a bookmark-only push (fail closed)', () => {
  it('an invalid bookmark pattern, named by its JSON path', async () => {
    const out = await bookmarkPushWith([{ pattern: '^(unclosed', move: ['*'] }]);
    expect(out).toContain('error[ERR_CONFIG_REGEX]');
    expect(out).toContain('/policy/rules/0/protect/0/pattern: invalid regular expression "^(unclosed" (RE2 syntax)');
  });

  it('an unknown key', async () => {
    const out = await bookmarkPushWith([{ pattern: '^production$', rename: ['*'] }]);
    expect(out).toContain('error[ERR_CONFIG_INVALID]');
    expect(out).toContain('/policy/rules/0/protect/0: unknown key "rename"');
  });

  it('a who-list naming an undefined group', async () => {
    const out = await bookmarkPushWith([{ pattern: '^production$', create: ['@deployers'] }]);
    expect(out).toContain('error[ERR_CONFIG_INVALID]');
    expect(out).toContain('/policy/rules/0/protect/0/create/0: group "deployers" is not defined in identity.groups');
  });
});
