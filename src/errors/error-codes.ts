/** Stable error codes: scripts and docs rely on them, so never rename one. */
export const ERROR_CODES = {
  ERR_NOT_IN_HOOK: 'the command was run outside a Mercurial hook',
  ERR_HOOK_ENV: 'the hook environment is incomplete or malformed',
  ERR_CONFIG_MISSING: 'no configuration file was found',
  ERR_CONFIG_UNREADABLE: 'the configuration file cannot be read',
  ERR_CONFIG_SYNTAX: 'the configuration file is not valid JSON',
  ERR_CONFIG_INVALID: 'the configuration does not match its schema',
  ERR_CONFIG_REGEX: 'a regular expression in the configuration does not compile',
  ERR_CONFIG_GLOB: 'a glob in the configuration does not compile',
  ERR_CONFIG_EXTENDS: 'the extends chain is broken',
  ERR_HG_MISSING: 'the hg executable cannot be run',
  ERR_HG_FAILED: 'an hg command failed',
  ERR_HG_OUTPUT: 'hg printed something taskgate cannot read',
  ERR_REPO_NOT_FOUND: 'no Mercurial repository was found',
  ERR_AUDIT_WRITE: 'the audit log cannot be written',
  ERR_AUDIT_LOCK: 'the audit log lock cannot be taken',
  ERR_AUDIT_BROKEN: 'the audit log chain is broken',
  ERR_USAGE: 'the command line is not valid',
  ERR_NOT_BUILT: 'taskgate was not built (dist/ is missing)',
  ERR_INTERNAL: 'taskgate hit an unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
