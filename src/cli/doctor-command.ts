import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TaskgateConfig } from '../config/config-types.js';
import { hasRepoId, loadConfig } from '../config/load-config.js';
import { toTaskgateError } from '../errors/taskgate-error.js';
import { findRepoRoot } from '../hg/find-root.js';
import { hgHooks, hgVersion } from '../hg/hg-info.js';
import { hgCommandStatus } from '../hg/chg-status.js';
import { setHgCommand } from '../hg/hg-command.js';
import { policyChecks } from '../policy/config-check.js';
import { openStore } from '../store/open-store.js';
import { safeUrl } from '../store/safe-url.js';
import { readKeyFile } from '../tokens/key-store.js';
import { pendingOutbox } from '../trigger/outbox.js';
import { readUnprocessed } from '../trigger/unprocessed.js';
import { readChangesets } from '../hg/read-push.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { sandboxCheck } from './doctor-sandbox.js';
import { taskgateHookLines } from './hgrc-hooks.js';
import { localPushChecks } from './doctor-access.js';
import { taskgateHome } from './install-command.js';
import { parseCliArgs } from './parse-cli-args.js';
import { paint } from './terminal.js';

export const DOCTOR_USAGE = 'taskgate doctor [REPO] [--json]';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

/** Which hg the hooks run (hg.command), and whether chg's server is warm (DESIGN §13). */
async function hgCommandCheck(config: TaskgateConfig | null, env: NodeJS.ProcessEnv): Promise<Check> {
  setHgCommand(config?.hg.command);
  const st = await hgCommandStatus(env);
  if (!st.chg) {
    const wanted = config?.hg.command ?? 'auto';
    return {
      name: 'hg command',
      status: wanted === 'auto' || wanted === 'hg' || !wanted.endsWith('chg') ? 'ok' : 'warn',
      detail: `${st.file} (plain hg: each hook starts Python; hg.command is ${wanted})`,
      hint: 'install chg (Debian: it ships with the mercurial package) and keep hg.command "auto" for faster hooks',
    };
  }
  return {
    name: 'hg command',
    status: 'ok',
    detail: `chg (${st.file}), sockets in ${st.socketDir}: server ${st.warm ? 'warm' : 'not running (the next push starts it)'}`,
  };
}

/** `taskgate doctor`: everything that can silently break the hooks (DESIGN §12), one line each. */
export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('doctor', args, { json: { type: 'boolean' } }, DOCTOR_USAGE);
  const root = findRepoRoot(positionals[0] ? resolve(io.cwd, positionals[0]) : io.cwd);
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);

  try {
    const v = await hgVersion(root);
    const [major = 0, minor = 0] = v.parts;
    add(
      major > 5 || (major === 5 && minor >= 2)
        ? { name: 'mercurial', status: 'ok', detail: `hg ${v.text}` }
        : { name: 'mercurial', status: 'fail', detail: `hg ${v.text} is older than 5.2 (no HG_NODE_LAST)`, hint: 'upgrade Mercurial' },
    );
  } catch (error) {
    add({
      name: 'mercurial',
      status: 'fail',
      detail: toTaskgateError(error).message,
      hint: 'install Mercurial (apt-get install mercurial)',
    });
  }

  // hooks: what the hgrc file says, against what hg itself loads (an untrusted hgrc is silently ignored)
  const hgrc = join(root, '.hg', 'hgrc');
  const text = existsSync(hgrc) ? readFileSync(hgrc, 'utf8') : '';
  const loaded = await hgHooks(root);
  for (const [key] of taskgateHookLines(taskgateHome())) {
    const value = loaded.get(key);
    const inFile = text.includes(key);
    if (!value && inFile) {
      const owner = statSync(hgrc).uid;
      add({
        name: `hook ${key}`,
        status: 'fail',
        detail: `${hgrc} sets it, but hg ignores that file: it is not trusted (owner uid ${owner}) by the user running hg (uid ${process.getuid?.()})`,
        hint: `add "[trusted]\\nusers = <owner of ${hgrc}>" to the hgrc of the account that serves pushes, or make that account own the file`,
      });
    } else if (!value) {
      add({ name: `hook ${key}`, status: 'fail', detail: 'not registered', hint: `run \`taskgate install ${root}\`` });
    } else {
      const path = value.trim().split(/\s+/)[0]!;
      try {
        accessSync(path, constants.X_OK);
        add({ name: `hook ${key}`, status: 'ok', detail: path });
      } catch {
        add({
          name: `hook ${key}`,
          status: 'fail',
          detail: `${path} is missing or not executable`,
          hint: `point it at taskgate's hooks folder, or run \`taskgate install ${root}\``,
        });
      }
    }
  }

  for (const c of localPushChecks(root)) add(c);

  let config: TaskgateConfig | null = null;
  try {
    config = loadConfig({ root, env: io.env }, policyChecks());
    add({ name: 'configuration', status: 'ok', detail: config.source.files.join(' <- ') });
  } catch (error) {
    const e = toTaskgateError(error);
    add({ name: 'configuration', status: 'fail', detail: [`${e.code}: ${e.message}`, ...e.details].join('; '), hint: e.hint });
  }
  add(await hgCommandCheck(config, io.env));

  if (config) {
    add(sandboxCheck(config, root));
    const dir = join(root, '.hg', 'taskgate');
    try {
      const probe = mkdtempSync(join(existsSync(dir) ? dir : join(root, '.hg'), '.doctor-'));
      writeFileSync(join(probe, 'x'), 'x');
      rmSync(probe, { recursive: true, force: true });
      add({ name: 'state folder', status: 'ok', detail: `${dir} is writable by this account` });
    } catch {
      add({
        name: 'state folder',
        status: 'fail',
        detail: `${dir} is not writable by this account`,
        hint: 'make .hg/taskgate/ owned by the account that serves pushes',
      });
    }
    try {
      readKeyFile(config.tokens.keys);
      const st = statSync(config.tokens.keys);
      const mode = st.mode & 0o777;
      if (process.getuid && st.uid !== process.getuid()) {
        add({
          name: 'signing key owner',
          status: 'warn',
          detail: `${config.tokens.keys} is owned by uid ${st.uid}, not by this account (uid ${process.getuid()})`,
          hint: 'the key must belong to the account that serves pushes',
        });
      }
      add(
        mode & 0o077
          ? {
              name: 'signing key',
              status: 'fail',
              detail: `${config.tokens.keys} has mode ${mode.toString(8).padStart(4, '0')}: others can read it`,
              hint: `chmod 600 ${config.tokens.keys}`,
            }
          : { name: 'signing key', status: 'ok', detail: `${config.tokens.keys} (mode 0600)` },
      );
    } catch (error) {
      const e = toTaskgateError(error);
      add({ name: 'signing key', status: 'fail', detail: e.message, hint: e.hint });
    }
    let store = null;
    try {
      store = await openStore(config);
      await store.listJobs({ limit: 1 });
      add({
        name: 'store',
        status: 'ok',
        detail: config.store.backend === 'postgres' ? `postgres ${safeUrl(config.store.url ?? '')}` : `sqlite ${config.store.path ?? ''}`,
      });
    } catch (error) {
      const e = toTaskgateError(error);
      add({ name: 'store', status: 'fail', detail: e.message, hint: e.hint });
    }
    try {
      const tip = await readChangesets(root, 'tip', { track: [config.manifest.path] }, io.env);
      const content = tip.fileVersions.get(config.manifest.path)?.get(tip.changesets[0]?.rev ?? -1);
      if (!content)
        add({
          name: 'manifest',
          status: 'warn',
          detail: `no ${config.manifest.path} at tip: pushes queue nothing`,
          hint: 'commit a task manifest (docs/manifest.md)',
        });
      else {
        const { parseManifest } = await import('../manifest/parse-manifest.js');
        const parsed = parseManifest(content, config.manifest.path);
        add(
          parsed.ok
            ? { name: 'manifest', status: 'ok', detail: `${config.manifest.path} at tip: ${parsed.tasks.size} tasks` }
            : {
                name: 'manifest',
                status: 'fail',
                detail: parsed.errors.slice(0, 3).join('; '),
                hint: `fix ${config.manifest.path}; enable the manifest rule so that a broken one never lands`,
              },
        );
      }
    } catch (error) {
      add({ name: 'manifest', status: 'warn', detail: toTaskgateError(error).message, hint: 'an empty repository has no manifest yet' });
    }
    const outbox = pendingOutbox(root);
    add(
      outbox.length === 0
        ? { name: 'outbox', status: 'ok', detail: 'empty' }
        : {
            name: 'outbox',
            status: 'fail',
            detail: `${outbox.length} batch${outbox.length === 1 ? '' : 'es'} of jobs wait in .hg/taskgate/outbox/`,
            hint: 'run `taskgate reconcile` once the store is reachable',
          },
    );
    if (store && hasRepoId(config)) {
      try {
        const missed = (await readUnprocessed(store, root, config, io.env, 'all()')).changesets.length;
        add(
          missed === 0
            ? { name: 'unprocessed pushes', status: 'ok', detail: 'none' }
            : {
                name: 'unprocessed pushes',
                status: 'warn',
                detail: `${missed} changesets no processed push covers`,
                hint: 'run `taskgate reconcile`',
              },
        );
      } catch (error) {
        add({ name: 'unprocessed pushes', status: 'warn', detail: toTaskgateError(error).message });
      }
    }
    await store?.close();
    if (!config.worker.runAs)
      add({
        name: 'worker account',
        status: 'warn',
        detail: "worker.runAs is not set: tasks run as the worker's own account",
        hint: 'run workers as an unprivileged account that cannot read .hg/ or the key',
      });
  }

  if (values.json) io.out(`${JSON.stringify({ root, ok: !checks.some((c) => c.status === 'fail'), checks })}\n`);
  else {
    const colour = paint(io);
    const tone = { ok: 'green', warn: 'yellow', fail: 'red' } as const;
    for (const c of checks) {
      io.out(`${colour(tone[c.status], c.status.padEnd(4))}  ${c.name}: ${c.detail}\n`);
      if (c.hint && c.status !== 'ok') io.out(`      hint: ${c.hint}\n`);
    }
  }
  return checks.some((c) => c.status === 'fail') ? CLI_EXIT.failed : CLI_EXIT.ok;
}
