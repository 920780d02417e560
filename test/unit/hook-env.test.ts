// parseHookEnv: reads what Mercurial sets for a hook, names every malformed variable, and says so outside a hook.
import { describe, expect, it } from 'vitest';
import { parseHookEnv } from '../../src/hg/hook-env.js';
import { TaskgateError } from '../../src/errors/taskgate-error.js';

const NODE = 'a'.repeat(40);

function refused(env: NodeJS.ProcessEnv): TaskgateError {
  try {
    parseHookEnv(env, 'pretxnchangegroup');
  } catch (error) {
    return error as TaskgateError;
  }
  throw new Error('accepted');
}

describe('parseHookEnv', () => {
  it('reads what Mercurial sets', () => {
    expect(
      parseHookEnv(
        { HG_NODE: NODE, HG_NODE_LAST: 'b'.repeat(40), HG_SOURCE: 'serve', HG_URL: 'remote:ssh:1', HG_TXNID: 'TXN:1' },
        'pretxnchangegroup',
      ),
    ).toEqual({
      node: NODE,
      nodeLast: 'b'.repeat(40),
      source: 'serve',
      url: 'remote:ssh:1',
      txnId: 'TXN:1',
      bypassVar: null,
    });
  });

  it('names every malformed variable', () => {
    const e = refused({ HG_NODE: 'tip', HG_NODE_LAST: `${NODE}\n`, HG_HOOKTYPE: 'pretxnchangegroup' });
    expect(e.code).toBe('ERR_HOOK_ENV');
    expect(e.message).toBe('the hook environment is malformed: HG_NODE, HG_NODE_LAST, HG_SOURCE');
  });

  it('outside a hook, says so', () => {
    expect(refused({}).code).toBe('ERR_NOT_IN_HOOK');
  });
});
