import { describe, expect, it } from 'vitest';
import { commit, taskgate } from './helpers/hg-fixture.js';
import { expectRejected, scenario } from './helpers/scenario.js';

describe('hostile input', () => {
  it('a description built to make a configured pattern backtrack catastrophically is judged in linear time', async () => {
    // ^(a+)+$ against "aaaa...!" takes 2^n steps in a backtracking engine: hours at n = 40.
    // The test's timeout is the proof: with JavaScript's RegExp this push never ends.
    const s = await scenario({ policy: { rules: [{ rule: 'message', pattern: '^(a+)+$' }, { rule: 'author', pattern: '^(.*a){12}$' }] } });
    await commit(s.work, { 'a.txt': 'a' }, `${'a'.repeat(50_000)}!`, { user: `${'a'.repeat(5_000)}!` });
    await expectRejected(s, [/does not match \^\(a\+\)\+\$/, /does not match \^\(\.\*a\)\{12\}\$/]);
  }, 60_000);

  it('a pattern the linear-time engine cannot run is refused when the configuration loads, naming it', async () => {
    const s = await scenario({ policy: { rules: [{ rule: 'message', pattern: '^(?=OPS)\\w+-(\\d+): \\1' }] } });
    const r = await taskgate(s.work, ['check', '--config', `${s.central}/.hg/taskgate.json`]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error[ERR_CONFIG_REGEX]');
    expect(r.stderr).toContain('/policy/rules/0/pattern: invalid regular expression "^(?=OPS)\\\\w+-(\\\\d+): \\\\1" (RE2 syntax)');
  });
});
