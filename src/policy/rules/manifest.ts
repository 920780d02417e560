// Rule `manifest`: the task manifest at each new head parses and is sound, and no task takes the workers' token audience (DESIGN §14).
import type { ManifestRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import type { TaskManifest } from '../../manifest/manifest-types.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** A task token whose audience is the workers' one could pass for a job token (DESIGN §14). */
function audienceErrors(manifest: TaskManifest, path: string, workerAudience: string): string[] {
  return Object.entries(manifest.tasks)
    .filter(([, task]) => task.audience === workerAudience)
    .map(
      ([name]) => `${path}/tasks/${name}/audience: must not be ${JSON.stringify(workerAudience)}, the workers' audience (tokens.audience)`,
    );
}

/** `manifest`: the task manifest at each new head parses, matches the schema, names real tasks, has no cycle, compiles. */
export const manifestRule: RuleDefinition<ManifestRuleConfig> = {
  name: 'manifest',
  unbypassable: true,
  fields: {},
  needs: (_config, manifestPath) => ({ track: [manifestPath] }),
  checkPush(config, changesets, ctx) {
    const out: Violation[] = [];
    const applies = new Set(changesets.map((cs) => cs.rev));
    for (const rev of ctx.push.headRevs) {
      if (!applies.has(rev)) continue;
      const parsed = ctx.manifestAt(rev);
      if (!parsed) continue;
      const errors = parsed.ok ? audienceErrors(parsed.manifest, ctx.manifestPath, ctx.workerAudience) : parsed.errors;
      const node = ctx.changesetAt(rev)!.node;
      for (const error of errors.slice(0, 20)) {
        out.push({
          rule: config.id,
          node,
          message: printable(error),
          hint: `fix ${ctx.manifestPath}; \`taskgate affected -r .\` shows how it is read`,
        });
      }
    }
    return out;
  },
};
