/** The `files` rule: sizes, forbidden paths, names, modes (symlinks, executable bits), case-only renames and content. */
import type { FilesRuleConfig } from '../../config/config-types.js';
import type { Changeset, HgFile } from '../../hg/hg-types.js';
import { showPath, who, whoText } from '../describe.js';
import { glob, regex } from '../patterns.js';
import type { RuleContext, RuleDefinition, Violation } from '../policy-types.js';
import { portabilityProblem } from './portable-name.js';
import { DEFAULT_SECRET_SCAN_BYTES } from './secrets.js';

function present(sizes: Array<number | null> | undefined, i: number): boolean {
  return sizes === undefined || sizes[i] !== null;
}

const needsFlags = (config: FilesRuleConfig) =>
  config.symlinks === false || config.executables !== undefined || config.caseOnlyRenames === false;

/** Size, forbidden glob and portable name of one added or modified file. */
function fileProblems(config: FilesRuleConfig, file: HgFile, size: number | null | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (config.maxBytes !== undefined && typeof size === 'number' && size > config.maxBytes) {
    out.push([
      `${showPath(file)} is ${size} bytes, over the limit of ${config.maxBytes}`,
      'keep large files out of the repository (an artifact store, or the largefiles extension)',
    ]);
  }
  const forbidden = (config.forbid ?? []).find((g) => glob(g)(file.path));
  if (forbidden)
    out.push([
      `${showPath(file)} matches the forbidden ${forbidden}`,
      'remove the file from the changeset (hg forget, then hg commit --amend)',
    ]);
  const problem = config.portableNames ? portabilityProblem(file.hex, file.path) : null;
  if (problem) out.push([`${showPath(file)} ${problem}`, 'rename the file (hg rename) to a portable name']);
  return out;
}

/** Symlinks and new executable bits, from the manifest flags of each judged file. */
function modeProblems(config: FilesRuleConfig, cs: Changeset, ctx: RuleContext): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const exec = config.executables;
  const mayExec = exec === undefined || (exec !== false && ctx.grants(exec));
  cs.judged.forEach((file, i) => {
    const flags = cs.flags?.[i];
    if (!flags) return;
    if (config.symlinks === false && flags.now === 'l')
      out.push([`${showPath(file)} is a symlink, and symlinks are not allowed here`, 'commit the file itself, not a link to it']);
    if (!mayExec && flags.now === 'x' && flags.before !== 'x') {
      const why =
        exec === false ? 'executable files are not allowed here' : `${who(ctx.pusher)} may not add it (allowed: ${whoText(exec)})`;
      out.push([`${showPath(file)} gets the executable bit: ${why}`, 'clear the bit (chmod -x FILE, then hg commit --amend)']);
    }
  });
  return out;
}

/** A removed file and an added one whose names differ only in case: breaks checkouts on case-insensitive systems. */
function caseOnlyRenames(cs: Changeset): Array<[string, string]> {
  const removed = new Map<string, HgFile>();
  cs.judged.forEach((file, i) => {
    const f = cs.flags?.[i];
    if (f && f.now === null && f.before !== null) removed.set(file.path.toLowerCase(), file);
  });
  const out: Array<[string, string]> = [];
  cs.judged.forEach((file, i) => {
    const f = cs.flags?.[i];
    const old = f && f.now !== null && f.before === null ? removed.get(file.path.toLowerCase()) : undefined;
    if (old && old.path !== file.path)
      out.push([
        `renames ${showPath(old)} to ${showPath(file)}, a change of case only`,
        'keep the old name, or choose one that differs in more than case: case-only renames break checkouts on Windows and macOS',
      ]);
  });
  return out;
}

/** Added lines of matching files that match a forbidden content pattern (the line is not quoted: it may hold anything). */
function contentProblems(config: FilesRuleConfig, cs: Changeset): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [g, patterns] of Object.entries(config.contains ?? {})) {
    for (const added of cs.added ?? []) {
      if (!glob(g)(added.file.path)) continue;
      for (const [line, text] of added.lines) {
        const hit = patterns.find((p) => regex(p).test(text));
        if (hit)
          out.push([
            `${showPath(added.file)}:${line} matches the forbidden content ${hit}`,
            `remove it from the file (${g} may not contain it)`,
          ]);
      }
    }
  }
  return out;
}

/** The groups of a head's files whose names differ only in case. */
function foldedGroups(list: readonly HgFile[]): HgFile[][] {
  // a lone name stays a file, not a one-element list: most names are alone
  const byFolded = new Map<string, HgFile | HgFile[]>();
  for (const f of list) {
    const key = f.path.toLowerCase();
    const seen = byFolded.get(key);
    if (seen === undefined) byFolded.set(key, f);
    else if (Array.isArray(seen)) seen.push(f);
    else byFolded.set(key, [seen, f]);
  }
  // in the order of each group's first name, as the report always listed them
  return [...byFolded.values()].filter((v): v is HgFile[] => Array.isArray(v));
}

function caseCollisions(config: FilesRuleConfig, changesets: Changeset[], ctx: RuleContext): Violation[] {
  const out: Violation[] = [];
  // which files the push added or changed is asked only when a head has names that collide (rarely)
  let touched: Set<string> | null = null;
  for (const rev of ctx.push.headRevs) {
    const head = ctx.changesetAt(rev);
    const list = ctx.push.headFiles.get(rev);
    if (!head || !list) continue;
    for (const group of foldedGroups(list)) {
      if (touched === null) {
        touched = new Set<string>();
        for (const cs of changesets) cs.judged.forEach((f, i) => present(cs.sizes, i) && touched!.add(f.hex));
      }
      if (group.some((f) => touched!.has(f.hex))) {
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
}

/** `files`: sizes, forbidden paths, case collisions in the resulting manifest, unportable names, modes, case-only renames, content. */
export const filesRule: RuleDefinition<FilesRuleConfig> = {
  name: 'files',
  fields: { forbid: 'globs', executables: 'who', contains: 'globToRegexes' },
  filesScoped: true,
  perChangeset: true,
  needs: (config) => ({
    sizes: config.maxBytes ?? Number.MAX_SAFE_INTEGER,
    headFiles: config.caseCollisions === true,
    ...(needsFlags(config) ? { flags: true } : {}),
    ...(config.contains ? { addedLines: DEFAULT_SECRET_SCAN_BYTES } : {}),
  }),
  check(config, cs, ctx) {
    const found: Array<[string, string]> = [];
    // removing a file is always allowed: it makes things better
    cs.judged.forEach((file, i) => present(cs.sizes, i) && found.push(...fileProblems(config, file, cs.sizes?.[i])));
    if (needsFlags(config)) found.push(...modeProblems(config, cs, ctx));
    if (config.caseOnlyRenames === false) found.push(...caseOnlyRenames(cs));
    if (config.contains) found.push(...contentProblems(config, cs));
    return found.map(([message, hint]) => ({ rule: config.id, node: cs.node, message, hint }));
  },
  checkPush(config, changesets, ctx) {
    return config.caseCollisions ? caseCollisions(config, changesets, ctx) : [];
  },
};
