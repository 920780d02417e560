// Loads a repository's configuration: finds its file, follows `extends`, checks the schema and the policy, applies defaults.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { RepoConfig, RuleConfig, TaskgateConfig } from './config-types.js';
import { DEFAULT_CONFIG, REPO_CONFIG_PATH } from './defaults.js';
import { mergeConfig } from './merge-config.js';
import { checkRefsRules } from './check-refs-rules.js';
import { configDigest, rememberChecked, wasChecked } from './checked-configs.js';
import { configValidator } from './schema-validator.js';

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
  /**
   * A hook: a configuration that passed the schema check in this repository before is not
   * checked again, and one that passes is remembered (config/checked-configs.ts).
   */
  remember?: boolean;
}

/**
 * What the policy adds to loading (given by `policy/`, which knows its rules): the rule names
 * for the schema's error text, and a check of every pattern and who-list, by JSON path.
 */
export interface ConfigChecks {
  ruleNames: readonly string[];
  /** Throws a TaskgateError naming every problem. */
  check(config: TaskgateConfig): void;
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
  let protoKey = false;
  try {
    value = JSON.parse(text, (key: string, v: unknown) => {
      protoKey ||= key === '__proto__';
      return v;
    });
  } catch (error) {
    throw new TaskgateError(
      'ERR_CONFIG_SYNTAX',
      `configuration file ${path} is not valid JSON: ${(error as Error).message}`,
      'fix the JSON syntax (a trailing comma or a missing quote is the usual cause)',
    );
  }
  // a key JavaScript treats as the prototype: merging would hide it from the digest of a check (checked-configs.ts)
  if (protoKey) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration file ${path} has a key named "__proto__"`,
      'remove that key: no setting, user or group has that name',
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

/**
 * Two rules of one file with one id: merging by id would silently keep only the last, so
 * this is refused (DESIGN §18: two instances of one rule are told apart by `id`).
 */
function refuseDuplicateIds(json: Record<string, unknown>, path: string): void {
  const policy = json['policy'];
  const rules = policy && typeof policy === 'object' ? (policy as Record<string, unknown>)['rules'] : undefined;
  if (!Array.isArray(rules)) return;
  const seen = new Map<string, number>();
  const problems: string[] = [];
  rules.forEach((rule: unknown, i) => {
    if (!rule || typeof rule !== 'object') return;
    const r = rule as Record<string, unknown>;
    const id = r['id'] ?? r['rule'];
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else problems.push(`/policy/rules/${i}/id: ${JSON.stringify(id)} is already the id of /policy/rules/${first}`);
  });
  if (problems.length > 0)
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration ${path} has two rules with one id`,
      'give each instance of a rule its own "id" (a rule\'s id defaults to its name)',
      { details: problems },
    );
}

function describeSchemaError(error: ErrorObject, ruleNames: readonly string[] | undefined): string {
  const at = error.instancePath === '' ? '/' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${at}: unknown key "${String(params['additionalProperty'])}"`;
  if (error.keyword === 'discriminator') return `${at}/rule: is not a rule taskgate knows${ruleNames ? ` (${ruleNames.join(', ')})` : ''}`;
  if (error.keyword === 'enum') return `${at}: must be one of ${JSON.stringify(params['allowedValues'])}`;
  return `${at}: ${error.message ?? error.keyword}`;
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

/**
 * Loads, merges (`extends`), validates and completes the configuration, then runs `checks`
 * (the policy's patterns and who-lists). Throws a TaskgateError with every problem.
 */
export function loadConfig(location: ConfigLocation & { requireRepoId: true }, checks?: ConfigChecks): RepoConfig;
export function loadConfig(location: ConfigLocation, checks?: ConfigChecks): TaskgateConfig;
export function loadConfig(location: ConfigLocation, checks?: ConfigChecks): TaskgateConfig {
  const config = readConfig(location, checks);
  return location.requireRepoId ? withRepoId(config) : config;
}

/** Follows the `extends` chain from a configuration file: the merged object and every file read, own first. */
function readChain(own: Record<string, unknown>, path: string): { merged: unknown; files: string[] } {
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
    refuseDuplicateIds(base, basePath);
    if (base['repo'] && typeof base['repo'] === 'object' && 'id' in base['repo']) {
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
  return { merged, files };
}

/** worker.trust with its files (the JWKS, the CA) against the root, as every file setting. */
function inRootTrust(trust: NonNullable<TaskgateConfig['worker']['trust']>, inRoot: (p: string) => string): typeof trust {
  return { ...trust, jwks: inRoot(trust.jwks), ...(trust.ca ? { ca: inRoot(trust.ca) } : {}) };
}

/** ajv's validator; in a hook bundle, its own file (dist/config-validator.cjs), which a broken build may lack. */
function loadValidator(): ReturnType<typeof configValidator> {
  try {
    return configValidator();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TaskgateError(
      'ERR_NOT_BUILT',
      `taskgate's configuration validator (dist/config-validator.cjs) cannot be loaded (${reason})`,
      'run ./scripts/test, or npm ci && npm run build, in the taskgate folder',
    );
  }
}

/** The JSON Schema check, skipped for a hook when this very configuration passed it here before. */
function schemaCheck(merged: unknown, location: ConfigLocation, path: string, files: string[], checks?: ConfigChecks): void {
  const digest = location.remember ? configDigest(merged) : null;
  if (digest && wasChecked(location.root, digest)) return;
  const validate = loadValidator();
  if (!validate(merged)) {
    const details = (validate.errors ?? []).map((e) => describeSchemaError(e, checks?.ruleNames));
    const chain = files.length > 1 ? ` (merged with ${files.slice(1).join(', ')})` : '';
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration ${path}${chain} has ${details.length} error${details.length === 1 ? '' : 's'}`,
      'fix each key named above; the schema is src/config/config.schema.json',
      { details },
    );
  }
  if (digest) rememberChecked(location.root, digest);
}

function readConfig(location: ConfigLocation, checks?: ConfigChecks): TaskgateConfig {
  const path = findConfigPath(location);
  const useDefaults =
    location.defaultsIfMissing === true && location.explicit === undefined && !location.env?.['TASKGATE_CONFIG'] && !existsSync(path);
  const own = useDefaults ? {} : readJson(path, null);
  refuseDuplicateIds(own, path);
  const { merged, files } = readChain(own, path);
  const withoutExtends = { ...(merged as Record<string, unknown>) };
  delete withoutExtends['extends'];
  schemaCheck(withoutExtends, location, path, files, checks);
  const full = mergeConfig(DEFAULT_CONFIG, withoutExtends) as Omit<TaskgateConfig, 'source'>;
  const rules = (full.policy.rules ?? []).map((rule) => ({ ...rule, id: rule.id ?? rule.rule })) as RuleConfig[];
  checkRefsRules(rules, full.identity?.groups ?? {}, path);
  const root = location.root;
  const inRoot = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const config: TaskgateConfig = {
    ...full,
    source: { path, files, root },
    policy: { rules },
    audit: {
      path: inRoot(full.audit.path),
      ...(full.audit.checkpoints
        ? { checkpoints: /^https?:\/\//i.test(full.audit.checkpoints) ? full.audit.checkpoints : inRoot(full.audit.checkpoints) }
        : {}),
    },
    worker: {
      ...full.worker,
      logs: inRoot(full.worker.logs),
      ...(full.worker.trust ? { trust: inRootTrust(full.worker.trust, inRoot) } : {}),
      ...(full.worker.source?.cache ? { source: { ...full.worker.source, cache: inRoot(full.worker.source.cache) } } : {}),
    },
    ...(full.server?.tls
      ? { server: { ...full.server, tls: { cert: inRoot(full.server.tls.cert), key: inRoot(full.server.tls.key) } } }
      : {}),
    // the issuer defaults to a name derived from the repository id; production sets an https URL
    tokens: { ...full.tokens, issuer: full.tokens.issuer ?? `urn:taskgate:${full.repo?.id ?? 'unnamed'}`, keys: inRoot(full.tokens.keys) },
    log: { ...full.log, path: inRoot(full.log.path) },
    store: full.store.path ? { ...full.store, path: inRoot(full.store.path) } : full.store,
  };
  checks?.check(config);
  return config;
}
