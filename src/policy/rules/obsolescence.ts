// Rule `obsolescence`: no marker on a public changeset; who may push markers.
import type { ObsolescenceRuleConfig } from '../../config/config-types.js';
import { who } from '../describe.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** `obsolescence`: no marker may obsolete a public changeset; `prune` says who may push markers at all. */
export const obsolescenceRule: RuleDefinition<ObsolescenceRuleConfig> = {
  name: 'obsolescence',
  fields: { prune: 'who' },
  needs: () => ({}),
  checkRefs(config, refs, ctx) {
    const out: Violation[] = [];
    const mayPush = config.prune === undefined || ctx.grants(config.prune);
    for (const m of refs.markers) {
      const succs = m.succs.map((s) => s.slice(0, 12)).join(', ');
      const verb = m.succs.length === 0 ? 'prunes' : `obsoletes (successor ${succs})`;
      if (m.phase === 'public') {
        out.push({
          rule: config.id,
          node: m.prec,
          message: `an obsolescence marker ${m.succs.length === 0 ? 'prunes' : 'obsoletes'} this public changeset${m.succs.length === 0 ? '' : ` (successor ${succs})`}`,
          hint: 'published history is not rewritten: back the change out with a new changeset (hg backout) instead',
        });
      } else if (!mayPush) {
        out.push({
          rule: config.id,
          node: m.prec,
          message: `${who(ctx.pusher)} may not push obsolescence markers: one ${verb} this changeset (allowed: ${config.prune!.length > 0 ? config.prune!.join(', ') : 'nobody'})`,
          hint: 'push without the markers (ask someone allowed to push the rewrite)',
        });
      }
    }
    return out;
  },
};
