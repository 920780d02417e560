// Rule `secrets`: added or changed lines that look like credentials, reported by file, line and kind, never the secret itself.
import type { SecretsRuleConfig } from '../../config/config-types.js';
import { showPath } from '../describe.js';
import { glob } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';
import { SECRET_PATTERNS } from './secret-patterns.js';

/** Files larger than this are not scanned for secrets by default (they are rarely hand-written). */
export const DEFAULT_SECRET_SCAN_BYTES = 2_000_000;

/** `secrets`: added or changed lines that look like credentials. The report names file, line and kind, never the secret. */
export const secretsRule: RuleDefinition<SecretsRuleConfig> = {
  name: 'secrets',
  unbypassable: true,
  fields: { allowPaths: 'globs' },
  filesScoped: true,
  perChangeset: true,
  needs: (config) => ({ addedLines: config.maxFileBytes ?? DEFAULT_SECRET_SCAN_BYTES }),
  check(config, cs) {
    const out: Violation[] = [];
    for (const added of cs.added ?? []) {
      if ((config.allowPaths ?? []).some((g) => glob(g)(added.file.path))) continue;
      for (const [line, text] of added.lines) {
        const hit = SECRET_PATTERNS.find((p) => p.re.test(text));
        if (hit)
          out.push({ rule: config.id, node: cs.node, message: `${showPath(added.file)}:${line} looks like ${hit.kind}`, hint: hit.hint });
      }
    }
    return out;
  },
};
