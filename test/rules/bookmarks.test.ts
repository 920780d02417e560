// The bookmarks rule over local, ssh and http pushes: create, move, force-move and delete of a protected bookmark, bookmark-only pushes too.
import { describe, expect, it } from 'vitest';
import { commit, hg, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { scenario, type Scenario } from '../helpers/scenario.js';
import { DUMMY_SSH, hgwebWithRemoteUser } from '../helpers/servers.js';

const rule = {
  rule: 'bookmarks',
  protect: [{ pattern: '^(@|production)$', create: ['@release'], move: ['@release'], delete: ['@admins'], force: ['@admins'] }],
};
const WEB = '[web]\nallow-push = *\npush_ssl = false\n';

/** Bookmark name -> node in a repository. */
async function bookmarks(repo: string): Promise<Record<string, string>> {
  const out = await hgOk(repo, ['bookmarks', '-T', '{bookmark} {node}\n']);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ') as [string, string]),
  );
}

interface Channel {
  name: string;
  /** Push `production` (and whatever it needs) as `user`. */
  push(s: Scenario, user: string): Promise<Awaited<ReturnType<typeof hg>>>;
}

const local: Channel = {
  name: 'local',
  push: (s, user) => hg(s.work, ['push', '-f', '-B', 'production', s.central], { LOGNAME: user, USER: user }),
};
const ssh: Channel = {
  name: 'ssh',
  push: (s, user) =>
    hg(s.work, ['push', '-f', '-B', 'production', '-e', DUMMY_SSH, `ssh://${user}@localhost/${s.central}`], { LOGNAME: 'alice' }),
};
const servers = new Map<string, string>();
const http: Channel = {
  name: 'http',
  push: async (s, user) => {
    const host = servers.get(s.central) ?? (await hgwebWithRemoteUser(s.central));
    servers.set(s.central, host);
    return hg(s.work, ['push', '-f', '-B', 'production', `http://${user}:pw@${host}/`], { LOGNAME: 'alice' });
  },
};

async function expectRefused(channel: Channel, s: Scenario, user: string, expected: string[]) {
  const before = await bookmarks(s.central);
  const r = await channel.push(s, user);
  expect(r.exitCode, r.all).not.toBe(0);
  expect(r.all).toContain('taskgate: push rejected');
  for (const e of expected) expect(r.all).toContain(e);
  expect(await bookmarks(s.central)).toEqual(before);
}

async function expectLanded(channel: Channel, s: Scenario, user: string) {
  const r = await channel.push(s, user);
  // hg push exits 1 for "no changes found" even when it updates a bookmark
  expect([0, 1], r.all).toContain(r.exitCode);
  expect(r.all).not.toContain('rejected');
  expect((await bookmarks(s.central))['production']).toBe((await bookmarks(s.work))['production']);
}

describe.each([local, ssh, http])('bookmarks rule over $name', (channel) => {
  it('guards create, move, force-move and delete of a protected bookmark; bookmark-only pushes are judged', async () => {
    const s = await scenario(onlyRules([rule]), { hgrc: WEB });
    const first = await commit(s.work, { 'a.txt': 'a' }, 'one');
    await hgOk(s.work, ['bookmark', '-r', '.', 'production']);
    await expectRefused(channel, s, 'bob', ['bookmarks', 'bob may not create bookmark production', '(allowed: @release)', 'hint: ']);
    await expectLanded(channel, s, 'alice');

    // a forward move: release only; bob's push carries a changeset too, and nothing of it lands
    const second = await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['bookmark', '-f', '-r', '.', 'production']);
    await expectRefused(channel, s, 'bob', [
      `bob may not move bookmark production from ${first.slice(0, 12)} to ${second.slice(0, 12)} (allowed: @release)`,
    ]);
    await expectLanded(channel, s, 'alice');

    // back to the first changeset, already on the server: a bookmark-only push, and a force-move
    await hgOk(s.work, ['bookmark', '-f', '-r', first, 'production']);
    await expectRefused(channel, s, 'alice', [
      `alice may not force-move bookmark production from ${second.slice(0, 12)} to ${first.slice(0, 12)} (not a descendant)`,
      'hint: move it only forward',
    ]);
    await expectLanded(channel, s, 'root');

    await hgOk(s.work, ['bookmark', '-d', 'production']);
    await expectRefused(channel, s, 'alice', ['alice may not delete bookmark production', '(allowed: @admins)']);
    const r = await channel.push(s, 'root');
    expect(r.all).toContain('deleting remote bookmark production');
    expect(await bookmarks(s.central)).toEqual({});
  });
});
