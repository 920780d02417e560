// A central repository with a policy and a clone, and pushes expected to be accepted or rejected with given report lines.
import { expect } from 'vitest';
import { centralLog, makeCentral, makeClone, push, tempDir, type CentralOptions } from './hg-fixture.js';

export interface Scenario {
  dir: string;
  central: string;
  work: string;
}

/** A central repository with the gate and `config`, and an empty working clone. */
export async function scenario(config: Record<string, unknown>, options: Omit<CentralOptions, 'config'> = {}): Promise<Scenario> {
  const dir = tempDir();
  const central = await makeCentral(dir, { config, ...options });
  const work = await makeClone(dir, central);
  return { dir, central, work };
}

/** Pushes and expects the gate to accept: exit 0 and the changesets in the central repository. */
export async function expectAccepted(s: Scenario, env: Record<string, string | undefined> = {}, args: string[] = [], dest = s.central) {
  const r = await push(s.work, dest, env, args);
  expect(r.exitCode, r.all).toBe(0);
  const local = (await centralLog(s.work)).trim().split('\n').sort();
  const remote = (await centralLog(s.central)).trim().split('\n').sort();
  expect(remote).toEqual(local);
  return r;
}

/** Pushes and expects a rejection: non-zero exit, every expected report line in the output, and the central log unchanged. */
export async function expectRejected(
  s: Scenario,
  expected: Array<string | RegExp>,
  env: Record<string, string | undefined> = {},
  args: string[] = [],
  dest = s.central,
) {
  const before = await centralLog(s.central);
  const r = await push(s.work, dest, env, args);
  expect(r.exitCode, r.all).not.toBe(0);
  expect(r.all).toContain('taskgate: push rejected');
  for (const e of expected) {
    if (typeof e === 'string') expect(r.all).toContain(e);
    else expect(r.all).toMatch(e);
  }
  expect(await centralLog(s.central)).toBe(before);
  return r;
}
