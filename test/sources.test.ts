// The hook's sources: a pull into the central repository passes untouched, unbundle is checked when gate.sources lists it.
import { describe, expect, it } from 'vitest';
import { commit, hg, hgOk } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { scenario } from './helpers/scenario.js';

describe('hook sources', () => {
  it('a pull into the central repository (source pull) passes untouched', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^OPS' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'no key');
    const r = await hg(s.central, ['pull', '-q', s.work]);
    expect(r.exitCode, r.all).toBe(0);
    expect(await hgOk(s.central, ['log', '-T', '{desc}'])).toBe('no key');
  });

  it('unbundle is checked when listed in gate.sources', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^OPS' }], { gate: { sources: ['unbundle', 'push', 'serve'] } }));
    await commit(s.work, { 'a.txt': 'a' }, 'no key');
    await hgOk(s.work, ['bundle', '-q', '-a', `${s.dir}/b.hg`]);
    const r = await hg(s.central, ['unbundle', `${s.dir}/b.hg`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain('"no key" does not match ^OPS');
  });
});
