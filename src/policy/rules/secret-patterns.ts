/** What credentials look like. Each names its kind; a report names the kind and the line, never the match. */
export const SECRET_PATTERNS: ReadonlyArray<{ kind: string; re: RegExp; hint: string }> = [
  {
    kind: 'a private key block',
    re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/,
    hint: 'remove it from the history (hg histedit / hg commit --amend); replace the key',
  },
  {
    kind: 'an AWS access key',
    re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/,
    hint: 'remove it from the history (hg histedit / hg commit --amend); rotate the key',
  },
  {
    kind: 'an AWS secret access key',
    re: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/i,
    hint: 'remove it from the history (hg histedit / hg commit --amend); rotate the key',
  },
  {
    kind: 'a GitHub token',
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/,
    hint: 'remove it from the history; revoke the token on GitHub',
  },
  { kind: 'a GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/, hint: 'remove it from the history; revoke the token' },
  { kind: 'a Slack token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, hint: 'remove it from the history; revoke the token' },
  { kind: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/, hint: 'remove it from the history; rotate the key' },
  { kind: 'a Stripe secret key', re: /\b[sr]k_live_[0-9A-Za-z]{20,}\b/, hint: 'remove it from the history; roll the key' },
  {
    kind: 'a JSON Web Token',
    re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
    hint: 'remove it from the history; tokens in code outlive their purpose',
  },
  {
    kind: 'a password in a URL',
    re: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s:@]{6,}@[^\s]+/i,
    hint: 'remove the credentials from the URL; read them from the environment',
  },
];
