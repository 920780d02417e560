import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { TaskgateError } from '../errors/taskgate-error.js';
import validateConfig from '../generated/validate-config.js';
import type { RepoConfig, RuleConfig, TaskgateConfig } from './config-types.js';
import { DEFAULT_CONFIG, REPO_CONFIG_PATH } from './defaults.js';
import { globError } from './globs.js';
import { mergeConfig } from './merge-config.js';

export interface ConfigLocation {
  /** `--config PATH` from the hook's command line or the CLI. */
  explicit?: string | undefined;
  /** The environment, for TASKGATE_CONFIG. */
  env?: NodeJS.ProcessEnv;
  /** The repository root: where `.hg/taskgate.json` is looked for, and what relative paths are against. */
  root: string;
  /** The defaults when the repository has no configuration (a remote worker's clone); never for the gate. */
  defaultsIfMissing?: boolean;
  /** Refuse a configuration without repo.id (the trigger, reconcile): checked here, once. */
  requireRepoId?: boolean;
}

/** Which file holds the configuration: `--config`, then TASKGATE_CONFIG, then `.hg/taskgate.json`. */
export function findConfigPath(location: ConfigLocation): string {
  const chosen = location.explicit ?? location.env?.['TASKGATE_CONFIG'] ?? join(location.root, REPO_CONFIG_PATH);
  return isAbsolute(chosen) ? chosen : resolve(location.root, chosen);
}

function readJson(path: string, via: string | null): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = via ? ` (extended from ${via})` : '';
    if (code === 'ENOENT') {
      throw new TaskgateError(
        via ? 'ERR_CONFIG_EXTENDS' : 'ERR_CONFIG_MISSING',
        `configuration file ${path} does not exist${where}`,
        via ? 'fix the "extends" path, or create the base file' : 'create it with `taskgate install REPO`, or point TASKGATE_CONFIG at one',
      );
    }
    throw new TaskgateError(
      'ERR_CONFIG_UNREADABLE',
      `configuration file ${path} cannot be read: ${code ?? String(error)}${where}`,
      'make it readable by the account that runs the hooks',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TaskgateError(
      'ERR_CONFIG_SYNTAX',
      `configuration file ${path} is not valid JSON: ${(error as Error).message}`,
      'fix the JSON syntax (a trailing comma or a missing quote is the usual cause)',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration file ${path} must hold a JSON object`,
      'start from the example in the README',
    );
  }
  return value as Record<string, unknown>;
}

function describeSchemaError(error: ErrorObject): string {
  const at = error.instancePath === '' ? '/' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${at}: unknown key "${String(params['additionalProperty'])}"`;
  if (error.keyword === 'discriminator')
    return `${at}/rule: is not a rule taskgate knows (message, author, branch, paths, files, secrets, heads, merges, tags, ownership, manifest)`;
  if (error.keyword === 'enum') return `${at}: must be one of ${JSON.stringify(params['allowedValues'])}`;
  return `${at}: ${error.message ?? error.keyword}`;
}

/** Every regular expression and glob in the rules must compile; all failures are reported at once. */
/** Lookahead, lookbehind and backreferences: JavaScript has them, RE2 does not. */
const RE2_MISSING = /(?<!\\)\(\?<?[=!]|(?<!\\)\\(?:[1-9]|k<)/;

function checkPatterns(rules: RuleConfig[], path: string): void {
  const problems: string[] = [];
  let regexProblem = false;
  const regex = (value: unknown, at: string) => {
    if (typeof value !== 'string') return;
    // the rules match with RE2 (linear time), loaded only when a push is judged: here, the
    // syntax, and the constructs RE2 does not have
    let problem: string | null = null;
    try {
      new RegExp(value, 'u');
      if (RE2_MISSING.test(value)) problem = 'lookaround and backreferences are not available';
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem) {
      regexProblem = true;
      problems.push(`${at}: invalid regular expression ${JSON.stringify(value)} (RE2 syntax): ${problem}`);
    }
  };
  const glob = (value: unknown, at: string) => {
    if (typeof value !== 'string') return;
    const problem = globError(value);
    if (problem) problems.push(`${at}: invalid glob ${JSON.stringify(value)}: ${problem}`);
  };
  rules.forEach((rule, i) => {
    const at = `/policy/rules/${i}`;
    const r = rule as unknown as Record<string, unknown>;
    for (const key of ['pattern', 'names', 'protect']) regex(r[key], `${at}/${key}`);
    if (rule.rule === 'message') (rule.forbid ?? []).forEach((p, j) => regex(p, `${at}/forbid/${j}`));
    for (const key of ['deny', 'allow', 'push']) {
      const map = r[key];
      if (map && typeof map === 'object') for (const g of Object.keys(map)) glob(g, `${at}/${key}/${g}`);
    }
    for (const key of ['forbid', 'allowPaths', 'branches']) {
      if (rule.rule === 'message' && key === 'forbid') continue;
      const list = r[key];
      if (Array.isArray(list)) list.forEach((g, j) => glob(g, `${at}/${key}/${j}`));
    }
  });
  if (problems.length > 0) {
    throw new TaskgateError(
      regexProblem ? 'ERR_CONFIG_REGEX' : 'ERR_CONFIG_GLOB',
      `configuration ${path} has ${problems.length} invalid pattern${problems.length === 1 ? '' : 's'}`,
      'fix each pattern named above; regular expressions are JavaScript syntax, globs are picomatch syntax',
      { details: problems },
    );
  }
}

/** Whether the configuration names its repository (install and doctor work without one). */
export function hasRepoId(config: TaskgateConfig): config is RepoConfig {
  return typeof config.repo.id === 'string' && config.repo.id !== '';
}

/** The configuration's repo.id, required where job ids and token subjects are made. */
function withRepoId(config: TaskgateConfig): RepoConfig {
  const id = config.repo.id;
  if (!id) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration ${config.source.path} has no repo.id`,
      'set "repo": { "id": "org/name" } in the repository\'s own .hg/taskgate.json (job ids and token subjects depend on it)',
    );
  }
  return { ...config, repo: { ...config.repo, id } };
}

/** Loads, merges (`extends`), validates and completes the configuration. Throws a TaskgateError with every problem. */
export function loadConfig(location: ConfigLocation & { requireRepoId: true }): RepoConfig;
export function loadConfig(location: ConfigLocation): TaskgateConfig;
export function loadConfig(location: ConfigLocation): TaskgateConfig {
  const config = readConfig(location);
  return location.requireRepoId ? withRepoId(config) : config;
}

function readConfig(location: ConfigLocation): TaskgateConfig {
  const path = findConfigPath(location);
  const useDefaults =
    location.defaultsIfMissing === true && location.explicit === undefined && !location.env?.['TASKGATE_CONFIG'] && !existsSync(path);
  const own = useDefaults ? {} : readJson(path, null);
  const files = [path];
  let merged: unknown = own;
  let current = own;
  let currentPath = path;
  while (typeof current['extends'] === 'string') {
    const basePath = resolve(dirname(currentPath), current['extends']);
    if (files.includes(basePath)) {
      throw new TaskgateError(
        'ERR_CONFIG_EXTENDS',
        `configuration ${currentPath} extends ${basePath}, which is already in the chain`,
        'remove the loop from the "extends" chain',
      );
    }
    const base = readJson(basePath, currentPath);
    if (base['repo'] && typeof base['repo'] === 'object' && 'id' in (base['repo'] as object)) {
      throw new TaskgateError(
        'ERR_CONFIG_EXTENDS',
        `base configuration ${basePath} sets repo.id, which is never inherited`,
        "set repo.id only in the repository's own .hg/taskgate.json",
      );
    }
    files.push(basePath);
    merged = mergeConfig(base, merged);
    current = base;
    currentPath = basePath;
  }
  const withoutExtends = { ...(merged as Record<string, unknown>) };
  delete withoutExtends['extends'];
  if (!validateConfig(withoutExtends)) {
    const details = (validateConfig.errors ?? []).map(describeSchemaError);
    const chain = files.length > 1 ? ` (merged with ${files.slice(1).join(', ')})` : '';
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration ${path}${chain} has ${details.length} error${details.length === 1 ? '' : 's'}`,
      'fix each key named above; the schema is src/config/config.schema.json',
      { details },
    );
  }
  const full = mergeConfig(DEFAULT_CONFIG, withoutExtends) as Omit<TaskgateConfig, 'source'>;
  const rules = (full.policy.rules ?? []).map((rule) => ({ ...rule, id: rule.id ?? rule.rule })) as RuleConfig[];
  checkPatterns(rules, path);
  const root = location.root;
  const inRoot = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  return {
    ...full,
    source: { path, files, root },
    policy: { rules },
    audit: { path: inRoot(full.audit.path) },
    worker: {
      ...full.worker,
      logs: inRoot(full.worker.logs),
      ...(full.worker.trust ? { trust: { ...full.worker.trust, jwks: inRoot(full.worker.trust.jwks) } } : {}),
    },
    // the issuer defaults to a name derived from the repository id; production sets an https URL
    tokens: { ...full.tokens, issuer: full.tokens.issuer ?? `urn:taskgate:${full.repo?.id ?? 'unnamed'}`, keys: inRoot(full.tokens.keys) },
    log: { ...full.log, path: inRoot(full.log.path) },
    store: full.store.path ? { ...full.store, path: inRoot(full.store.path) } : full.store,
  };
}
