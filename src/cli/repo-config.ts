// The repository a subcommand works on (-R, else the one around the current folder) and its configuration.
import { resolve } from 'node:path';
import type { RepoConfig, TaskgateConfig } from '../config/config-types.js';
import { loadConfig } from '../config/load-config.js';
import { findRepoRoot } from '../hg/find-root.js';
import type { CliIo } from './cli-io.js';

interface RepoOptions {
  defaultsIfMissing?: boolean;
  requireRepoId?: boolean;
  /** Remember a configuration that passes the schema check, as the hooks do (config/checked-configs.ts). */
  remember?: boolean;
}

/** The repository (-R, else the one containing the current directory, as hg does) and its configuration. */
export function repoConfig(
  values: { repository?: string | undefined; config?: string | undefined },
  io: CliIo,
  options: RepoOptions & { requireRepoId: true },
): { root: string; config: RepoConfig };
export function repoConfig(
  values: { repository?: string | undefined; config?: string | undefined },
  io: CliIo,
  options?: RepoOptions,
): { root: string; config: TaskgateConfig };
export function repoConfig(
  values: { repository?: string | undefined; config?: string | undefined },
  io: CliIo,
  options: RepoOptions = {},
): { root: string; config: TaskgateConfig } {
  const root = findRepoRoot(values.repository ? resolve(io.cwd, values.repository) : io.cwd);
  const config = loadConfig({ explicit: values.config ? resolve(io.cwd, values.config) : undefined, env: io.env, root, ...options });
  return { root, config };
}

export const REPO_OPTIONS = {
  repository: { type: 'string', short: 'R' },
  config: { type: 'string' },
  json: { type: 'boolean' },
} as const;
