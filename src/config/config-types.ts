/** The configuration after `extends` is merged and defaults are applied. */
export type WhoList = string[];

export interface RuleBase {
  rule: string;
  id: string;
  enabled?: boolean;
  except?: WhoList;
  branches?: string[];
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
}
export interface SecretsRuleConfig extends RuleBase {
  rule: 'secrets';
  allowPaths?: string[];
  maxFileBytes?: number;
}
export interface HeadsRuleConfig extends RuleBase {
  rule: 'heads';
  singleHeadPerBranch?: boolean;
}
export interface MergesRuleConfig extends RuleBase {
  rule: 'merges';
  allow?: boolean;
}
export interface TagsRuleConfig extends RuleBase {
  rule: 'tags';
  protect?: string;
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
  | OwnershipRuleConfig
  | ManifestRuleConfig;

export type RuleName = RuleConfig['rule'];

export interface TaskgateConfig {
  /** Where the configuration was read from, and the repository root that relative paths are against. */
  source: { path: string; files: string[]; root: string };
  repo: { id?: string };
  identity: { groups: Record<string, string[]>; users: Record<string, { emails?: string[] }> };
  gate: { sources: string[]; bypass?: { marker?: string; who?: WhoList }; maxViolations: number };
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
    trust?: { issuer: string; audience?: string; jwks: string };
    keys?: Record<string, string>;
    lease: string;
    heartbeat: string;
    workdir?: string;
    logs: string;
  };
  audit: { path: string };
  log: { path: string; level: string };
}

/** A configuration whose repo.id was checked at load: what the trigger and the exchange's enqueue need (job ids and token subjects depend on it). */
export type RepoConfig = TaskgateConfig & { repo: { id: string } };
