/** doctor's sandbox line: "none" fails, and bubblewrap must start a sandbox as the task account (DESIGN §14). */
import type { TaskgateConfig } from '../config/config-types.js';
import { toTaskgateError } from '../errors/taskgate-error.js';
import { openSandbox } from '../sandbox/open-sandbox.js';

export interface SandboxCheck {
  name: string;
  status: 'ok' | 'fail';
  detail: string;
  hint?: string;
}

export function sandboxCheck(config: TaskgateConfig, root: string): SandboxCheck {
  if (config.worker.sandbox === 'none')
    return {
      name: 'sandbox',
      status: 'fail',
      detail: 'worker.sandbox is "none": pushed code runs unsandboxed and can reach .hg/, the keys and the service',
      hint: 'set worker.sandbox to "bwrap" (the default) and install bubblewrap',
    };
  try {
    const sandbox = openSandbox({
      mode: 'bwrap',
      ...(config.worker.runAs ? { runAs: config.worker.runAs } : {}),
      ...(config.worker.workdir ? { workdir: config.worker.workdir } : {}),
      repoRoot: root,
    });
    return {
      name: 'sandbox',
      status: 'ok',
      detail: `bubblewrap starts; tasks run as ${sandbox.account.name} (uid ${sandbox.account.uid})`,
    };
  } catch (error) {
    const e = toTaskgateError(error);
    return { name: 'sandbox', status: 'fail', detail: `${e.code}: ${e.message}`, hint: e.hint };
  }
}
