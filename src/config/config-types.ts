/** The configuration after `extends` is merged and defaults are applied. */
export type WhoList = string[];

export interface RuleBase {
  rule: string;
  id: string;
  enabled?: boolean;
  except?: WhoList;
  branches?: string[];
  /** Globs: the rule looks only at changesets touching them (and `paths`/`files`/`secrets` only at those files). */
  paths?: string[];
  /** A changeset whose description matches is exempt from this rule alone; `scope: "push"` reads the push's last changeset and exempts them all. */
  exemptWhen?: { message: string; scope?: 'changeset' | 'push' };
  /** Regexes on the changeset's author: exempt from this rule (build bots). */
  exceptAuthors?: string[];
}

export interface MessageRuleConfig extends RuleBase {
  rule: 'message';
  pattern?: string;
  forbid?: string[];
  skipMerges?: boolean;
  hint?: string;
}
export interface AuthorRuleConfig extends RuleBase {
  rule: 'author';
  pattern?: string;
  matchPusher?: boolean;
}
export interface BranchRuleConfig extends RuleBase {
  rule: 'branch';
  names?: string;
  push?: Record<string, WhoList>;
  deny?: Record<string, WhoList>;
  create?: WhoList;
  close?: WhoList;
}
export interface PathsRuleConfig extends RuleBase {
  rule: 'paths';
  deny?: Record<string, WhoList>;
  allow?: Record<string, WhoList>;
}
export interface FilesRuleConfig extends RuleBase {
  rule: 'files';
  maxBytes?: number;
  forbid?: string[];
  caseCollisions?: boolean;
  portableNames?: boolean;
  symlinks?: boolean;
  /** false: nobody may add the executable bit; a who-list: who may. */
  executables?: false | WhoList;
  caseOnlyRenames?: boolean;
  /** Glob -> regexes that added lines of matching files may not match. */
  contains?: Record<string, string[]>;
}
export interface SecretsRuleConfig extends RuleBase {
  rule: 'secrets';
  allowPaths?: string[];
  maxFileBytes?: number;
}
export interface HeadsRuleConfig extends RuleBase {
  rule: 'heads';
  singleHeadPerBranch?: boolean;
  singleRoot?: boolean;
  branchesPerPush?: number;
}
export interface MergesRuleConfig extends RuleBase {
  rule: 'merges';
  allow?: boolean | 'cross-branch';
}
export interface TagsRuleConfig extends RuleBase {
  rule: 'tags';
  protect?: string;
  /** Who may add a new tag matching `protect` (default: everyone); nobody but `except` moves or removes one. */
  create?: WhoList;
}
export interface BookmarkProtection {
  pattern: string;
  create?: WhoList;
  move?: WhoList;
  delete?: WhoList;
  force?: WhoList;
}
export interface BookmarksRuleConfig extends RuleBase {
  rule: 'bookmarks';
  protect?: BookmarkProtection[];
}
export interface PhasesRuleConfig extends RuleBase {
  rule: 'phases';
  publish?: WhoList;
  draftOnly?: boolean;
}
export interface ObsolescenceRuleConfig extends RuleBase {
  rule: 'obsolescence';
  prune?: WhoList;
}
export interface OwnershipRuleConfig extends RuleBase {
  rule: 'ownership';
}
export interface ManifestRuleConfig extends RuleBase {
  rule: 'manifest';
}

export type RuleConfig =
  | MessageRuleConfig
  | AuthorRuleConfig
  | BranchRuleConfig
  | PathsRuleConfig
  | FilesRuleConfig
  | SecretsRuleConfig
  | HeadsRuleConfig
  | MergesRuleConfig
  | TagsRuleConfig
  | BookmarksRuleConfig
  | PhasesRuleConfig
  | ObsolescenceRuleConfig
  | OwnershipRuleConfig
  | ManifestRuleConfig;

export interface TaskgateConfig {
  /** Where the configuration was read from, and the repository root that relative paths are against. */
  source: { path: string; files: string[]; root: string };
  repo: { id?: string };
  identity: { groups: Record<string, string[]>; users: Record<string, { emails?: string[] }> };
  /** `timeout`: how long the gate may take before it stops its hg and refuses the push (DESIGN §4). */
  gate: { sources: string[]; bypass?: { marker?: string; who?: WhoList }; maxViolations: number; timeout: string };
  policy: { rules: RuleConfig[] };
  manifest: { path: string };
  tokens: {
    issuer: string;
    audience: string;
    taskAudience: string;
    alg: 'EdDSA' | 'ES256';
    /** Absolute path of the signing key file. */
    keys: string;
    ttl: { queued: string; running: string; done: string };
  };
  store: { backend: 'sqlite' | 'postgres'; path?: string; url?: string };
  worker: {
    runAs?: string;
    sandbox: 'bwrap' | 'none';
    repos?: string[];
    /** A remote worker's pinned issuer and JWKS file (absolute once loaded). */
    trust?: { issuer: string; audience?: string; jwks: string; ca?: string };
    /** A remote worker without a clone: its cache of fetched sources by node (absolute once loaded), and the bounds. */
    source?: { cache?: string; entries?: number; bytes?: string; maxBytes?: string };
    keys?: Record<string, string>;
    lease: string;
    heartbeat: string;
    workdir?: string;
    logs: string;
  };
  /** `checkpoints`: where signed checkpoints of the chain head go, a file on another mount or an HTTPS URL (DESIGN §15). */
  audit: { path: string; checkpoints?: string };
  log: { path: string; level: string };
  /** `auto`: chg where installed, plain hg otherwise (DESIGN §13). */
  hg: { command: string };
  /** `taskgate serve` (DESIGN §15): who may read, and the bounds on its work. */
  server?: ServerConfig;
}

export interface ServerConfig {
  /** The web UI's public address: pushers' reports end with a link to their push's page (DESIGN §17). */
  url?: string;
  /** `proxy` (the default off loopback): the reader named by a trusted proxy's header; `loopback`: anyone reaching a loopback-only listener. */
  readers?: 'proxy' | 'loopback';
  proxy?: { header?: string; trusted?: string[]; allow?: WhoList };
  requestTimeout?: string;
  maxConnections?: number;
  maxWaiters?: number;
  /** HTTPS: a PEM certificate (chain) and its key, absolute once loaded. */
  tls?: { cert: string; key: string };
}

/** A configuration whose repo.id was checked at load: what the trigger and the exchange's enqueue need (job ids and token subjects depend on it). */
export type RepoConfig = TaskgateConfig & { repo: { id: string } };
