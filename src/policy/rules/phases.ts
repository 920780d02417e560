// Rule `phases`: who may publish, and draft-only repositories.
import type { PhasesRuleConfig } from '../../config/config-types.js';
import { who } from '../describe.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** `phases`: who may make changesets public (`publish`), and repositories that take drafts only (`draftOnly`). */
export const phasesRule: RuleDefinition<PhasesRuleConfig> = {
  name: 'phases',
  fields: { publish: 'who' },
  needs: () => ({}),
  checkRefs(config, refs, ctx) {
    const out: Violation[] = [];
    for (const cs of refs.published) {
      const what = cs.old === null ? 'arrives public' : `is published (was ${cs.old})`;
      if (config.draftOnly === true) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${what}, and this repository accepts drafts only`,
          hint:
            cs.old === null
              ? 'push drafts: hg phase --draft --force REV locally, or push to a non-publishing repository'
              : 'do not publish here: push without --publish and keep the changesets draft',
        });
      } else if (config.publish !== undefined && !ctx.grants(config.publish)) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${who(ctx.pusher)} may not make changesets public: this changeset ${what} (allowed: ${config.publish.length > 0 ? config.publish.join(', ') : 'nobody'})`,
          hint: 'push to a non-publishing review repository, or ask someone allowed to publish to push it',
        });
      }
    }
    return out;
  },
};
