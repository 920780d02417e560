/** The example policy of DESIGN §3, as tests use it. */
export function examplePolicy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repo: { id: 'acme/app' },
    identity: {
      groups: { devs: ['alice', 'bob'], release: ['alice'], admins: ['root'] },
      users: { alice: { emails: ['alice@acme.test'] }, bob: { emails: ['bob@acme.test'] }, root: { emails: ['root@acme.test'] } },
    },
    gate: { sources: ['serve', 'push'], bypass: { marker: 'POLICY-BYPASS:', who: ['@admins'] } },
    policy: {
      rules: [
        { rule: 'message', pattern: '^[A-Z]+-[0-9]+: .{8,}', forbid: ['^WIP\\b', '^fixup!'], skipMerges: true },
        { rule: 'author', pattern: '^[^<>]+ <[^@<>]+@acme\\.test>$', matchPusher: true, except: ['@release'] },
        { rule: 'branch', names: '^(default|stable|feature/[a-z0-9._-]+)$', push: { stable: ['@release'] }, create: ['@devs'], close: ['@release'] },
        { rule: 'paths', deny: { 'deploy/prod/**': ['*'] }, allow: { '**': ['@devs'] }, except: ['@release'] },
        { rule: 'files', maxBytes: 5000000, forbid: ['**/*.pem', '**/.env'], caseCollisions: true, portableNames: true },
        { rule: 'secrets', allowPaths: ['test/fixtures/**'] },
        { rule: 'heads', singleHeadPerBranch: true },
        { rule: 'merges', allow: true },
        { rule: 'tags', protect: '^v[0-9]' },
        { rule: 'ownership' },
        { rule: 'manifest' },
      ],
    },
    manifest: { path: 'tasks.json' },
    ...overrides,
  };
}

/** A policy of just the given rules. */
export function onlyRules(rules: Array<Record<string, unknown>>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = examplePolicy(overrides);
  return { ...base, policy: { rules } };
}
