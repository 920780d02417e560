// `taskgate install` and `uninstall`: the hook lines in a repository's hgrc, a default config and signing key, its heads marked processed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasRepoId, loadConfig } from '../config/load-config.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { findRepoRoot } from '../hg/find-root.js';
import { policyChecks } from '../policy/config-check.js';
import { withStore } from '../store/with-store.js';
import { initKeys } from '../tokens/key-store.js';
import { markHistoryProcessed } from '../trigger/unprocessed.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { taskgateHookLines, withHooks, withoutHooks } from './hgrc-hooks.js';
import { parseCliArgs } from './parse-cli-args.js';

export const INSTALL_USAGE = 'taskgate install REPO [--json]';
export const UNINSTALL_USAGE = 'taskgate uninstall REPO [--json]';

/** Where this taskgate lives: the hooks written into hgrc point here. */
export function taskgateHome(): string {
  // dist/cli.js in the build, src/cli/*.ts under the tests: walk up to the folder with hooks/
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'hooks', 'pretxnchangegroup')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function defaultConfig(repoId: string): string {
  return `${JSON.stringify(
    {
      $comment: [
        'taskgate configuration for this repository; every key is described in docs/policy.md.',
        'Schema: src/config/config.schema.json in the taskgate folder. Try a policy on history with: taskgate check -R . -r "all()" --user NAME',
      ],
      repo: { id: repoId },
      identity: { groups: {}, users: {} },
      gate: { sources: ['serve', 'push'] },
      policy: {
        rules: [
          { rule: 'files', maxBytes: 5000000, forbid: ['**/*.pem', '**/.env'], caseCollisions: true, portableNames: true },
          { rule: 'secrets' },
          { rule: 'manifest' },
        ],
      },
      manifest: { path: 'tasks.json' },
    },
    null,
    2,
  )}\n`;
}

/** `taskgate install REPO`: the hook lines (idempotent), a default config and a signing key when absent, the current heads marked processed. */
export async function installCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('install', args, { json: { type: 'boolean' } }, INSTALL_USAGE);
  if (!positionals[0]) throw new TaskgateError('ERR_USAGE', 'taskgate install: give the repository', `usage: ${INSTALL_USAGE}`);
  const root = findRepoRoot(resolve(io.cwd, positionals[0]));
  const done: string[] = [];
  const hgrc = join(root, '.hg', 'hgrc');
  const before = existsSync(hgrc) ? readFileSync(hgrc, 'utf8') : '';
  const after = withHooks(before, taskgateHookLines(taskgateHome()));
  if (after !== before) {
    writeFileSync(hgrc, after);
    done.push(`wrote the hooks into ${hgrc}`);
  }
  const configPath = join(root, '.hg', 'taskgate.json');
  if (!existsSync(configPath)) {
    writeFileSync(configPath, defaultConfig(basename(root).replace(/[^A-Za-z0-9._/-]/g, '-')));
    done.push(`created ${configPath}`);
  }
  // remembered as checked: the first push need not load the schema's validator (config/checked-configs.ts)
  const config = loadConfig({ root, env: io.env, remember: true }, policyChecks());
  if (!existsSync(config.tokens.keys)) {
    const key = await initKeys(config.tokens.keys, config.tokens.alg, io.now());
    done.push(`created signing key ${key.kid} in ${config.tokens.keys} (mode 0600)`);
  }
  // the history before taskgate is not a push to run: mark today's heads processed
  if (hasRepoId(config)) {
    const marked = await withStore(config, (store) => markHistoryProcessed(store, root, config, io.env, io.now));
    if (marked > 0)
      done.push(`marked ${marked} existing head${marked === 1 ? '' : 's'} as processed (history before taskgate queues nothing)`);
  }
  if (values.json) io.out(`${JSON.stringify({ root, done })}\n`);
  else {
    io.out(done.length === 0 ? `taskgate is already installed in ${root}; nothing changed\n` : done.map((d) => `${d}\n`).join(''));
    io.out(`next: edit ${configPath} (docs/policy.md), then run \`taskgate doctor ${root}\`\n`);
  }
  return EXIT.ok;
}

/** `taskgate uninstall REPO`: removes exactly the hook lines install writes. */
export function uninstallCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseCliArgs('uninstall', args, { json: { type: 'boolean' } }, UNINSTALL_USAGE);
  if (!positionals[0]) throw new TaskgateError('ERR_USAGE', 'taskgate uninstall: give the repository', `usage: ${UNINSTALL_USAGE}`);
  const root = findRepoRoot(resolve(io.cwd, positionals[0]));
  const hgrc = join(root, '.hg', 'hgrc');
  const before = existsSync(hgrc) ? readFileSync(hgrc, 'utf8') : '';
  const after = withoutHooks(
    before,
    taskgateHookLines('').map(([k]) => k),
  );
  if (after !== before) writeFileSync(hgrc, after);
  if (values.json) io.out(`${JSON.stringify({ root, changed: after !== before })}\n`);
  else
    io.out(
      after !== before
        ? `removed taskgate's hooks from ${hgrc} (its configuration, keys, jobs and audit log stay in .hg/taskgate/)\n`
        : `no taskgate hooks in ${hgrc}\n`,
    );
  return EXIT.ok;
}
