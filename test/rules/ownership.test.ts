// The ownership rule, each case pushed for real: owners change their tasks' inputs, others are refused, nobody grants themselves ownership.
import { describe, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const manifest = (owners: string[]) =>
  JSON.stringify(
    {
      version: 1,
      tasks: {
        build: { inputs: ['src/**'], run: 'make', owners },
        docs: { inputs: ['docs/**'], run: 'make docs' },
      },
    },
    null,
    2,
  );

async function owned() {
  const s = await scenario(onlyRules([{ rule: 'ownership' }]));
  await commit(s.work, { 'tasks.json': manifest(['alice']), 'src/a.ts': 'a', 'docs/x.md': 'x' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'alice' });
  return s;
}

describe('ownership rule', () => {
  it("lets an owner change a task's inputs, and anyone change an unowned task's", async () => {
    const s = await owned();
    await commit(s.work, { 'src/a.ts': 'b' }, 'change build input');
    await expectAccepted(s, { LOGNAME: 'alice' });
    await commit(s.work, { 'docs/x.md': 'y' }, 'docs');
    await expectAccepted(s, { LOGNAME: 'bob' });
  });

  it('refuses a non-owner changing an input', async () => {
    const s = await owned();
    await commit(s.work, { 'src/a.ts': 'b' }, 'change build input');
    await expectRejected(s, ['bob may not change task build: src/a.ts (an input, src/**); owners: alice', 'hint: ask an owner of build'], {
      LOGNAME: 'bob',
    });
  });

  it('refuses granting yourself ownership in the same push', async () => {
    const s = await owned();
    await commit(s.work, { 'tasks.json': manifest(['alice', 'bob']) }, 'make me an owner');
    await commit(s.work, { 'src/a.ts': 'b' }, 'now change build');
    await expectRejected(s, ['bob may not change task build: its definition in tasks.json', 'bob may not change task build: src/a.ts'], {
      LOGNAME: 'bob',
    });
  });

  it('refuses relaxing the rule in the same push: dropping the owners of an owned task', async () => {
    const s = await owned();
    await commit(s.work, { 'tasks.json': manifest([]) }, 'no owners any more');
    await commit(s.work, { 'src/a.ts': 'b' }, 'now change build');
    await expectRejected(s, ['bob may not change task build: its definition in tasks.json', 'bob may not change task build: src/a.ts'], {
      LOGNAME: 'bob',
    });
  });
});
