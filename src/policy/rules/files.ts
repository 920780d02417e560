import type { FilesRuleConfig } from '../../config/config-types.js';
import type { HgFile } from '../../hg/hg-types.js';
import { showPath } from '../describe.js';
import { glob } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';
import { portabilityProblem } from './portable-name.js';

function present(sizes: Array<number | null> | undefined, i: number): boolean {
  return sizes === undefined || sizes[i] !== null;
}

/** `files`: sizes, forbidden paths, case collisions in the resulting manifest, names unportable to Windows or macOS. */
export const filesRule: RuleDefinition<FilesRuleConfig> = {
  name: 'files',
  perChangeset: true,
  needs: (config) => ({ sizes: config.maxBytes ?? Number.MAX_SAFE_INTEGER, headFiles: config.caseCollisions === true }),
  check(config, cs) {
    const out: Violation[] = [];
    cs.judged.forEach((file, i) => {
      // removing a file is always allowed: it makes things better
      if (!present(cs.sizes, i)) return;
      const size = cs.sizes?.[i];
      if (config.maxBytes !== undefined && typeof size === 'number' && size > config.maxBytes) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${showPath(file)} is ${size} bytes, over the limit of ${config.maxBytes}`,
          hint: 'keep large files out of the repository (an artifact store, or the largefiles extension)',
        });
      }
      const forbidden = (config.forbid ?? []).find((g) => glob(g)(file.path));
      if (forbidden) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${showPath(file)} matches the forbidden ${forbidden}`,
          hint: 'remove the file from the changeset (hg forget, then hg commit --amend)',
        });
      }
      if (config.portableNames) {
        const problem = portabilityProblem(file.hex, file.path);
        if (problem)
          out.push({
            rule: config.id,
            node: cs.node,
            message: `${showPath(file)} ${problem}`,
            hint: 'rename the file (hg rename) to a portable name',
          });
      }
    });
    return out;
  },
  checkPush(config, changesets, ctx) {
    if (!config.caseCollisions) return [];
    const touched = new Set<string>();
    for (const cs of changesets) cs.judged.forEach((f, i) => present(cs.sizes, i) && touched.add(f.hex));
    const out: Violation[] = [];
    for (const rev of ctx.push.headRevs) {
      const head = ctx.changesetAt(rev);
      const list = ctx.push.headFiles.get(rev);
      if (!head || !list) continue;
      const byFolded = new Map<string, HgFile[]>();
      for (const f of list) {
        const key = f.path.toLowerCase();
        const group = byFolded.get(key);
        if (group) group.push(f);
        else byFolded.set(key, [f]);
      }
      for (const group of byFolded.values()) {
        if (group.length > 1 && group.some((f) => touched.has(f.hex))) {
          out.push({
            rule: config.id,
            node: head.node,
            message: `${group.map(showPath).join(' and ')} differ only in case`,
            hint: 'rename one of them (hg rename): they collide on Windows and macOS',
          });
        }
      }
    }
    return out;
  },
};
