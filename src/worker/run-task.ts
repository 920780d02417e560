/** One job's task: a fresh archive of its revision, handed to the sandbox with its limits, its log kept and cut at its limit. */
import { join } from 'node:path';
import type { JobRecord } from '../jobs/job-types.js';
import { SANDBOX_WORKDIR } from '../sandbox/bwrap-args.js';
import { taskLimits } from '../sandbox/limits.js';
import type { Sandbox } from '../sandbox/open-sandbox.js';
import type { TaskRun } from '../sandbox/sandbox-types.js';
import { keepInputsOnly } from './hermetic-archive.js';
import { openTaskLog } from './task-log.js';

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

export interface TaskOutcome extends TaskRun {
  timeoutSeconds: number;
}

/**
 * Runs a job's `run` with `sh -c` in a fresh archive of its revision (`dir/src`, outside any .hg/), in the
 * sandbox, as the sandbox's account. The environment is minimal: PATH, HOME, the task's `env` and the
 * TASKGATE_* variables; the worker's own credentials are never passed on.
 */
export async function runTask(options: {
  sandbox: Sandbox;
  /** Puts the job's revision, files only, into the folder given (an archive of the central repository, or the service's source). */
  source: (dest: string) => Promise<void>;
  job: JobRecord;
  taskToken: string;
  /** The job's own folder, made fresh for it. */
  dir: string;
  logPath: string;
  manifestPath: string;
  /** Told how many bytes the task has written so far, after each write to the log (a remote worker sends it on). */
  onOutput?: (written: number) => void;
}): Promise<TaskOutcome> {
  const { sandbox, job } = options;
  const limits = taskLimits(job.definition, `task ${job.task}`);
  const archive = join(options.dir, 'src');
  await options.source(archive);
  if (job.definition.hermetic === true) keepInputsOnly(archive, job.definition, options.manifestPath);
  await sandbox.own(options.dir);
  const boxed = sandbox.mode === 'bwrap';
  const log = openTaskLog(options.logPath, limits.logBytes);
  const result = await sandbox.start({
    command: job.definition.run,
    dir: archive,
    network: job.definition.network === true,
    limits,
    output: (chunk) => {
      log.write(chunk);
      options.onOutput?.(log.written);
    },
    env: {
      PATH: boxed ? SYSTEM_PATH : (process.env['PATH'] ?? '/usr/bin:/bin'),
      // inside the sandbox /tmp is the task's own
      HOME: boxed ? '/tmp' : options.dir,
      TMPDIR: boxed ? '/tmp' : options.dir,
      PWD: boxed ? SANDBOX_WORKDIR : archive,
      LANG: 'C.UTF-8',
      ...(job.definition.env ?? {}),
      TASKGATE_TOKEN: options.taskToken,
      TASKGATE_JOB: job.id,
      TASKGATE_REV: job.rev,
      TASKGATE_ATTEMPT: String(job.attempts),
    },
  });
  await log.close();
  return { ...result, timeoutSeconds: limits.timeoutSeconds };
}
