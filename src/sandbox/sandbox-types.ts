/** The shapes the sandbox works with: its mode, the account a task runs as, its limits, one run's outcome. */
export type SandboxMode = 'bwrap' | 'none';

/** Who a task runs as; `switchTo` is set only when a root worker drops to `worker.runAs`. */
export interface TaskAccount {
  name: string;
  uid: number;
  gid: number;
  switchTo: boolean;
}

export interface TaskLimits {
  timeoutSeconds: number;
  /** Address space of every process of the task (RLIMIT_AS), bytes. */
  memoryBytes: number;
  /** Processes of the task's account (RLIMIT_NPROC), counted inside its user namespace. */
  processes: number;
  /** Bytes of output kept in the log; the rest is cut with a marker line. */
  logBytes: number;
}

export interface TaskRequest {
  command: string;
  /** The job's archive on the host: the task's working directory and its only writable place. */
  dir: string;
  env: Record<string, string>;
  network: boolean;
  limits: TaskLimits;
  /** Each chunk of stdout and stderr, in arrival order. */
  output: (chunk: Buffer) => void;
}

export interface TaskRun {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}
