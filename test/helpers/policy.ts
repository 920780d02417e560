// Policies for tests: the example policy of DESIGN §3 with overrides, or a policy of just the given rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'taskgate.json');

/** The example policy of DESIGN §3 (examples/taskgate.json), with root's email too, as tests use it. */
export function examplePolicy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const policy = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { identity: { users: Record<string, unknown> } };
  policy.identity.users['root'] = { emails: ['root@acme.test'] };
  return { ...policy, ...overrides };
}

/** A policy of just the given rules. */
export function onlyRules(rules: Array<Record<string, unknown>>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = examplePolicy(overrides);
  return { ...base, policy: { rules } };
}
