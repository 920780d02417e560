// Parity with Mozilla's hghooks, Mercurial's acl and hooklib (DESIGN §18), as real pushes: magic words, scoping, who-lists, RE2, files, heads.
import { readFileSync, symlinkSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, hgOk, taskgate } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

/** The scenarios of Mozilla's hghooks, Mercurial's acl and hooklib that DESIGN §18 adds, as real pushes. */

function audit(central: string) {
  return readFileSync(join(central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
}

const AUTHOR = { rule: 'author', pattern: '^[^<>]+ <[^@<>]+@acme\\.test>$' };
const NSPR = { rule: 'paths', id: 'nspr', deny: { 'nsprpub/**': ['*'] }, exemptWhen: { message: 'UPGRADE_NSPR_RELEASE' } };

describe("Mozilla's magic words (exemptWhen)", () => {
  it('nsprpub/** is refused without UPGRADE_NSPR_RELEASE, the hint names the word', async () => {
    const s = await scenario(onlyRules([NSPR, AUTHOR]));
    await commit(s.work, { 'nsprpub/prinit.c': 'x' }, 'Bug 1 - touch nspr');
    const r = await expectRejected(s, [/[0-9a-f]{12} {2}nspr +alice may not change nsprpub\/prinit\.c \(denied to \*\)/]);
    expect(r.all).toContain('a description matching UPGRADE_NSPR_RELEASE exempts it from this rule');
  });

  it('the word exempts that rule alone: a bad author in the same changeset is still refused', async () => {
    const s = await scenario(onlyRules([NSPR, AUTHOR]));
    await commit(s.work, { 'nsprpub/prinit.c': 'x' }, 'Bug 1 - UPGRADE_NSPR_RELEASE 4.35', { user: 'nobody@elsewhere' });
    const r = await expectRejected(s, ['author "nobody@elsewhere" does not match']);
    expect(r.all).not.toContain('nspr ');
  });

  it('accepted with the word and a good author, and the exemption is an audit record', async () => {
    const s = await scenario(onlyRules([NSPR, AUTHOR]));
    const node = await commit(s.work, { 'nsprpub/prinit.c': 'x' }, 'Bug 1 - UPGRADE_NSPR_RELEASE 4.35');
    await expectAccepted(s);
    const exempted = audit(s.central).filter((r) => r.event === 'push.exempted');
    expect(exempted.map((r) => r.data)).toEqual([
      expect.objectContaining({ rule: 'nspr', pattern: 'UPGRADE_NSPR_RELEASE', changesets: [node], matched: 'UPGRADE_NSPR_RELEASE' }),
    ]);
  });

  it('scope "push": the last description exempts the whole push (IGNORE BAD COMMIT MESSAGES), and only the last', async () => {
    const rule = { rule: 'message', pattern: '^Bug [0-9]+', exemptWhen: { message: 'IGNORE BAD COMMIT MESSAGES', scope: 'push' } };
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'IGNORE BAD COMMIT MESSAGES');
    await commit(s.work, { 'a.txt': 'b' }, 'bad one');
    await expectRejected(s, ['"bad one" does not match ^Bug [0-9]+', '"IGNORE BAD COMMIT MESSAGES" does not match']);
    await commit(s.work, { 'a.txt': 'c' }, 'merge day, IGNORE BAD COMMIT MESSAGES');
    await expectAccepted(s);
    const record = audit(s.central).find((r) => r.event === 'push.exempted')!;
    expect(record.data['changesets']).toHaveLength(3);
  });
});

describe('exceptAuthors, paths scoping and two instances by id', () => {
  it('a build bot is exempt by its author, a person is not', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^Bug [0-9]+', exceptAuthors: ['^ffxbld <'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'No bug - automated update', { user: 'ffxbld <release@mozilla.test>' });
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'No bug - by hand');
    await expectRejected(s, ['"No bug - by hand" does not match ^Bug [0-9]+']);
  });

  it('two files rules told apart by id, each over its own paths', async () => {
    const rules = [
      { rule: 'files', id: 'small-src', maxBytes: 10, paths: ['src/**'] },
      { rule: 'files', id: 'small-docs', maxBytes: 100, paths: ['docs/**'] },
    ];
    const s = await scenario(onlyRules(rules));
    await commit(s.work, { 'docs/a.md': 'x'.repeat(50), 'build/big.bin': 'x'.repeat(500) }, 'docs');
    await expectAccepted(s);
    await commit(s.work, { 'src/a.ts': 'x'.repeat(50), 'docs/b.md': 'x'.repeat(50) }, 'src');
    const r = await expectRejected(s, [/small-src +src\/a\.ts is 50 bytes, over the limit of 10/]);
    expect(r.all).not.toContain('docs/b.md');
  });

  it('a message rule scoped by paths judges only the changesets touching them', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: 'r=[a-z]+', paths: ['security/**'] }]));
    await commit(s.work, { 'src/a.ts': 'a' }, 'no review needed here');
    await expectAccepted(s);
    await commit(s.work, { 'security/nss.c': 'a' }, 'Bug 2 - no review');
    await expectRejected(s, ['"Bug 2 - no review" does not match r=[a-z]+']);
  });
});

describe('who-lists: negations and undefined groups', () => {
  it('"!bob" refuses bob even where "*" grants; others pass', async () => {
    const s = await scenario(onlyRules([{ rule: 'paths', allow: { '**': ['*', '!bob'] } }]));
    await commit(s.work, { 'a.txt': 'a' }, 'x');
    await expectRejected(s, ['bob may not change a.txt (no allow rule grants it)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'carol' });
  });

  it('"!@group" in a mixed list wins over the group that grants', async () => {
    const identity = { groups: { devs: ['alice', 'bob'], contractors: ['bob'], admins: ['root'] }, users: {} };
    const s = await scenario(onlyRules([{ rule: 'branch', push: { default: ['@devs', '!@contractors'] } }], { identity }));
    await commit(s.work, { 'a.txt': 'a' }, 'x');
    await expectRejected(s, ['bob may not push to branch default (allowed: @devs, !@contractors)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });

  it('branch.deny: ["*", "!alice"] denies everyone but alice', async () => {
    const s = await scenario(onlyRules([{ rule: 'branch', deny: { 'release*': ['*', '!alice'] } }]));
    await commit(s.work, { 'a.txt': 'a' }, 'x', { branch: 'release-1' });
    await expectRejected(s, [/[0-9a-f]{12} {2}branch +bob may not push to branch release-1 \(denied to \*, !alice\)/, 'hint: '], {
      LOGNAME: 'bob',
    });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });

  it('an empty who-list reads "nobody"', async () => {
    const s = await scenario(onlyRules([{ rule: 'branch', push: { default: [] } }]));
    await commit(s.work, { 'a.txt': 'a' }, 'x');
    await expectRejected(s, ['alice may not push to branch default (allowed: nobody)']);
  });

  it('@nosuchgroup is ERR_CONFIG_INVALID naming its JSON path, at the push and in doctor', async () => {
    const s = await scenario(
      onlyRules([
        { rule: 'message', pattern: '.' },
        { rule: 'paths', allow: { 'src/**': ['alice', '@nosuchgroup'] } },
      ]),
    );
    await commit(s.work, { 'a.txt': 'a' }, 'x');
    await expectRejected(s, [
      'error[ERR_CONFIG_INVALID]',
      '/policy/rules/1/allow/src~1**/1: the group "nosuchgroup" is not defined in identity.groups',
    ]);
    const doctor = await taskgate(s.dir, ['doctor', s.central]);
    expect(doctor.exitCode).not.toBe(0);
    expect(doctor.stdout).toMatch(
      /fail +configuration: ERR_CONFIG_INVALID.*\/policy\/rules\/1\/allow\/src~1\*\*\/1: the group "nosuchgroup"/,
    );
  });
});

describe('RE2 patterns', () => {
  it('(?i)^.*bug [0-9]+ matches "Bug 603517 - …"', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '(?i)^.*bug [0-9]+' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'Bug 603517 - Fix the widget; r=bsmedberg');
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'fix the widget');
    await expectRejected(s, ['"fix the widget" does not match (?i)^.*bug [0-9]+']);
  });

  // the hooks' re2js asks for a literal's case fold only under (?i) (scripts/re2-fold-plugin.mjs)
  it('one-letter literals fold case under (?i) only', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '(?i)^x', forbid: ['^W', 'P$'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'X-ray: wip');
    await commit(s.work, { 'a.txt': 'b' }, 'x-ray: up');
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'c' }, 'y-ray');
    await expectRejected(s, ['"y-ray" does not match (?i)^x']);
    await commit(s.work, { 'a.txt': 'd' }, 'x: WIP');
    await expectRejected(s, ['"x: WIP" matches the forbidden P$']);
  });

  it('(?=x) is refused at load, naming its path', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', forbid: ['^WIP', '(?=x)'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'Bug 1 - x');
    await expectRejected(s, ['error[ERR_CONFIG_REGEX]', '/policy/rules/0/forbid/1: invalid regular expression "(?=x)" (RE2 syntax)']);
  });

  it('a forbid match quotes the line that matched, not the summary', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', forbid: ['(?m)^DONTBUILD\\b'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'Bug 1 - fine summary\n\nsome words\nDONTBUILD please\nmore');
    await expectRejected(s, ['"DONTBUILD please" matches the forbidden (?m)^DONTBUILD\\b']);
  });
});

describe('files: symlinks, executables, case-only renames, contains', () => {
  it('a symlink is refused with symlinks: false, accepted without', async () => {
    for (const symlinks of [false, undefined]) {
      const s = await scenario(onlyRules([{ rule: 'files', ...(symlinks === false ? { symlinks } : {}) }]));
      writeFileSync(join(s.work, 'target.txt'), 't');
      symlinkSync('target.txt', join(s.work, 'link'));
      await commit(s.work, {}, 'a link');
      if (symlinks === false)
        await expectRejected(s, [/[0-9a-f]{12} {2}files +link is a symlink, and symlinks are not allowed here/, 'hint: ']);
      else await expectAccepted(s);
    }
  });

  it('executables: false refuses a new executable file and chmod +x of a tracked one; not configured, both pass', async () => {
    const s = await scenario(onlyRules([{ rule: 'files', executables: false }]));
    await commit(s.work, { 'plain.sh': 'echo' }, 'plain');
    await expectAccepted(s);
    chmodSync(join(s.work, 'plain.sh'), 0o755);
    await commit(s.work, {}, 'chmod +x');
    await expectRejected(s, ['plain.sh gets the executable bit: executable files are not allowed here', 'hint: clear the bit']);
    const t = await scenario(onlyRules([{ rule: 'files' }]));
    writeFileSync(join(t.work, 'run.sh'), 'echo');
    chmodSync(join(t.work, 'run.sh'), 0o755);
    await commit(t.work, {}, 'new executable');
    await expectAccepted(t);
  });

  it('executables as a who-list: alice may add the bit, bob may not', async () => {
    const s = await scenario(onlyRules([{ rule: 'files', executables: ['alice'] }]));
    writeFileSync(join(s.work, 'run.sh'), 'echo');
    chmodSync(join(s.work, 'run.sh'), 0o755);
    await commit(s.work, {}, 'new executable');
    await expectRejected(s, ['run.sh gets the executable bit: bob may not add it (allowed: alice)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });

  it('a case-only rename is refused with caseOnlyRenames: false, accepted without', async () => {
    for (const caseOnlyRenames of [false, undefined]) {
      const s = await scenario(onlyRules([{ rule: 'files', ...(caseOnlyRenames === false ? { caseOnlyRenames } : {}) }]));
      await commit(s.work, { README: 'r' }, 'readme');
      await hgOk(s.work, ['mv', 'README', 'readme']);
      await commit(s.work, {}, 'rename');
      if (caseOnlyRenames === false)
        await expectRejected(s, ['renames README to readme, a change of case only', 'hint: keep the old name']);
      else await expectAccepted(s);
    }
  });

  it('contains: added lines of matching files are checked against RE2 patterns', async () => {
    const s = await scenario(onlyRules([{ rule: 'files', contains: { '**/.arcconfig': ['"phabricator\\.uri"\\s*:\\s*"http:'] } }]));
    await commit(s.work, { '.arcconfig': '{\n  "phabricator.uri": "https://phab.acme.test/"\n}\n' }, 'good');
    await expectAccepted(s);
    await commit(s.work, { '.arcconfig': '{\n  "phabricator.uri": "http://phab.acme.test/"\n}\n' }, 'bad');
    await expectRejected(s, ['.arcconfig:2 matches the forbidden content "phabricator\\.uri"\\s*:\\s*"http:']);
  });
});

describe('heads and merges', () => {
  async function newRoot(rule: Record<string, unknown>) {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'the first root');
    // the first push into an empty repository brings the one root
    await expectAccepted(s);
    await hgOk(s.work, ['update', '-q', 'null']);
    await commit(s.work, { 'b.txt': 'b' }, 'unrelated history', { branch: 'orphan' });
    return s;
  }

  it('singleRoot refuses a new root, even on a new branch; without it, accepted', async () => {
    await expectRejected(await newRoot({ rule: 'heads', singleRoot: true }), [
      /[0-9a-f]{12} {2}heads +starts a new root \(history unrelated to the repository's, on branch orphan\)/,
      'hint: rebase it',
    ]);
    await expectAccepted(await newRoot({ rule: 'heads' }));
  });

  it('branchesPerPush: 1 refuses a push touching three branches, accepts one branch', async () => {
    const s = await scenario(onlyRules([{ rule: 'heads', branchesPerPush: 1 }]));
    await commit(s.work, { 'a.txt': 'a' }, 'default');
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'on a', { branch: 'a' });
    await hgOk(s.work, ['update', '-q', 'default']);
    await commit(s.work, { 'b.txt': 'b' }, 'on b', { branch: 'b' });
    await hgOk(s.work, ['update', '-q', 'default']);
    await commit(s.work, { 'c.txt': 'c' }, 'on default');
    await expectRejected(s, [
      /heads +the push touches 3 branches \(a, b, default\); at most 1 per push/,
      'hint: push the branches one at a time',
    ]);
    const r = await hgOk(s.work, ['push', '-b', 'a', '--new-branch', s.central]).catch((e: Error) => e.message);
    expect(r).toContain('added 1 changesets');
  });

  it('merges "cross-branch" refuses a merge of two heads of one branch, accepts a merge across branches', async () => {
    const s = await scenario(onlyRules([{ rule: 'merges', allow: 'cross-branch' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'base');
    await commit(s.work, { 'f.txt': 'f' }, 'feature', { branch: 'feature' });
    await hgOk(s.work, ['update', '-q', 'default']);
    await hgOk(s.work, ['merge', '-q', 'feature']);
    await hgOk(s.work, ['commit', '-q', '-m', 'merge feature']);
    await expectAccepted(s);
    await commit(s.work, { 'b.txt': 'b' }, 'one head');
    await hgOk(s.work, ['update', '-q', '-r', '.^']);
    await commit(s.work, { 'c.txt': 'c' }, 'other head');
    await hgOk(s.work, ['merge', '-q']);
    await hgOk(s.work, ['commit', '-q', '-m', 'merge two heads']);
    await expectRejected(s, ['merges two heads of branch default, and only merges between branches are allowed here', 'hint: rebase']);
  });
});
