/** Defaults for every key a repository's file may leave out (DESIGN §3). */
export const DEFAULT_CONFIG = {
  repo: {},
  identity: { groups: {}, users: {} },
  gate: { sources: ['serve', 'push'], maxViolations: 500, timeout: '120s' },
  policy: { rules: [] },
  manifest: { path: 'tasks.json' },
  tokens: {
    audience: 'taskgate-workers',
    taskAudience: 'taskgate-tasks',
    alg: 'EdDSA',
    keys: '.hg/taskgate/keys.json',
    ttl: { queued: '24h', running: '15m', done: '7d' },
  },
  store: { backend: 'sqlite', path: '.hg/taskgate/jobs.db' },
  worker: { sandbox: 'bwrap', lease: '60s', heartbeat: '15s', logs: '.hg/taskgate/logs' },
  audit: { path: '.hg/taskgate/audit.jsonl' },
  log: { path: '.hg/taskgate/taskgate.log', level: 'info' },
  hg: { command: 'auto' },
} as const;

/** Where a repository's own configuration lives, relative to its root. */
export const REPO_CONFIG_PATH = '.hg/taskgate.json';
