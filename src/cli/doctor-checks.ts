/** The checks of `taskgate doctor`, one small function each, in the order they print. */
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskgateConfig } from '../config/config-types.js';
import { hasRepoId, loadConfig } from '../config/load-config.js';
import { toTaskgateError } from '../errors/taskgate-error.js';
import { hgCommandStatus } from '../hg/chg-status.js';
import { setHgCommand } from '../hg/hg-command.js';
import { hgHooks, hgVersion } from '../hg/hg-info.js';
import { readChangesets } from '../hg/read-push.js';
import { hookServerStatus } from '../hook-server/status.js';
import { policyChecks } from '../policy/config-check.js';
import { openStore } from '../store/open-store.js';
import type { JobStore } from '../store/store-types.js';
import { readKeyFile } from '../tokens/key-store.js';
import { pendingOutbox } from '../trigger/outbox.js';
import { pendingMoves } from '../trigger/pending-moves.js';
import { readUnprocessed } from '../trigger/unprocessed.js';
import type { CliIo } from './cli-io.js';
import { localPushChecks } from './doctor-access.js';
import { sandboxCheck } from './doctor-sandbox.js';
import { taskgateHookLines } from './hgrc-hooks.js';
import { taskgateHome } from './install-command.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

/** What the checks learn as they go: a later check needs the configuration or the store an earlier one opened. */
export interface DoctorContext {
  root: string;
  io: CliIo;
  config: TaskgateConfig | null;
  store: JobStore | null;
}

type DoctorCheck = (ctx: DoctorContext) => Promise<Check[]> | Check[];

const failure = (name: string, error: unknown, hint?: string): Check => {
  const e = toTaskgateError(error);
  return { name, status: 'fail', detail: e.message, hint: hint ?? e.hint };
};

async function mercurial(ctx: DoctorContext): Promise<Check[]> {
  try {
    const v = await hgVersion(ctx.root);
    const [major = 0, minor = 0] = v.parts;
    if (major > 5 || (major === 5 && minor >= 2)) return [{ name: 'mercurial', status: 'ok', detail: `hg ${v.text}` }];
    return [{ name: 'mercurial', status: 'fail', detail: `hg ${v.text} is older than 5.2 (no HG_NODE_LAST)`, hint: 'upgrade Mercurial' }];
  } catch (error) {
    return [failure('mercurial', error, 'install Mercurial (apt-get install mercurial)')];
  }
}

function hookCheck(root: string, hgrc: string, key: string, value: string | undefined, inFile: boolean): Check {
  const name = `hook ${key}`;
  if (!value && inFile) {
    return {
      name,
      status: 'fail',
      detail: `${hgrc} sets it, but hg ignores that file: it is not trusted (owner uid ${statSync(hgrc).uid}) by the user running hg (uid ${process.getuid?.()})`,
      hint: `add "[trusted]\\nusers = <owner of ${hgrc}>" to the hgrc of the account that serves pushes, or make that account own the file`,
    };
  }
  if (!value) return { name, status: 'fail', detail: 'not registered', hint: `run \`taskgate install ${root}\`` };
  const path = value.trim().split(/\s+/)[0]!;
  try {
    accessSync(path, constants.X_OK);
    return { name, status: 'ok', detail: path };
  } catch {
    return {
      name,
      status: 'fail',
      detail: `${path} is missing or not executable`,
      hint: `point it at taskgate's hooks folder, or run \`taskgate install ${root}\``,
    };
  }
}

/** What the hgrc file says, against what hg itself loads (an untrusted hgrc is silently ignored). */
async function hooks(ctx: DoctorContext): Promise<Check[]> {
  const hgrc = join(ctx.root, '.hg', 'hgrc');
  const text = existsSync(hgrc) ? readFileSync(hgrc, 'utf8') : '';
  const loaded = await hgHooks(ctx.root);
  return taskgateHookLines(taskgateHome()).map(([key]) => hookCheck(ctx.root, hgrc, key, loaded.get(key), text.includes(key)));
}

/** Which hg the hooks run (hg.command), and whether chg's server is warm (DESIGN §13). */
async function hgCommandCheck(ctx: DoctorContext): Promise<Check[]> {
  const config = ctx.config;
  setHgCommand(config?.hg.command);
  const st = await hgCommandStatus(ctx.io.env);
  if (!st.chg) {
    const wanted = config?.hg.command ?? 'auto';
    return [
      {
        name: 'hg command',
        status: wanted === 'auto' || wanted === 'hg' || !wanted.endsWith('chg') ? 'ok' : 'warn',
        detail: `${st.file} (plain hg: each hook starts Python; hg.command is ${wanted})`,
        hint: 'install chg (Debian: it ships with the mercurial package) and keep hg.command "auto" for faster hooks',
      },
    ];
  }
  const server = st.warm ? 'warm' : 'not running (the next push starts it)';
  return [{ name: 'hg command', status: 'ok', detail: `chg (${st.file}), sockets in ${st.socketDir}: server ${server}` }];
}

/** Whether the hook server runs the gate and the trigger warm (DESIGN §13, docs/performance.md). */
async function hookServerCheck(ctx: DoctorContext): Promise<Check[]> {
  const st = await hookServerStatus(join(taskgateHome(), 'dist'), ctx.io.env);
  const detail = {
    off: 'off (TASKGATE_HOOK_SERVER=off): each hook runs in its own process',
    running: `running, at ${st.socket}`,
    stopped: `not running (the next push starts it), at ${st.socket}`,
    unusable: 'no private folder for its socket: each hook runs in its own process',
  }[st.state];
  if (st.state !== 'unusable') return [{ name: 'hook server', status: 'ok', detail }];
  return [
    {
      name: 'hook server',
      status: 'warn',
      detail,
      hint: 'make XDG_RUNTIME_DIR (or the temporary folder) one where this account can make an owner-only folder',
    },
  ];
}

function configuration(ctx: DoctorContext): Check[] {
  try {
    ctx.config = loadConfig({ root: ctx.root, env: ctx.io.env }, policyChecks());
    return [{ name: 'configuration', status: 'ok', detail: ctx.config.source.files.join(' <- ') }];
  } catch (error) {
    const e = toTaskgateError(error);
    return [{ name: 'configuration', status: 'fail', detail: [`${e.code}: ${e.message}`, ...e.details].join('; '), hint: e.hint }];
  }
}

function stateFolder(ctx: DoctorContext): Check[] {
  const dir = join(ctx.root, '.hg', 'taskgate');
  try {
    const probe = mkdtempSync(join(existsSync(dir) ? dir : join(ctx.root, '.hg'), '.doctor-'));
    writeFileSync(join(probe, 'x'), 'x');
    rmSync(probe, { recursive: true, force: true });
    return [{ name: 'state folder', status: 'ok', detail: `${dir} is writable by this account` }];
  } catch {
    return [
      {
        name: 'state folder',
        status: 'fail',
        detail: `${dir} is not writable by this account`,
        hint: 'make .hg/taskgate/ owned by the account that serves pushes',
      },
    ];
  }
}

function signingKey(config: TaskgateConfig): Check[] {
  const path = config.tokens.keys;
  try {
    readKeyFile(path);
  } catch (error) {
    return [failure('signing key', error)];
  }
  const st = statSync(path);
  const mode = st.mode & 0o777;
  const checks: Check[] = [];
  if (process.getuid && st.uid !== process.getuid()) {
    checks.push({
      name: 'signing key owner',
      status: 'warn',
      detail: `${path} is owned by uid ${st.uid}, not by this account (uid ${process.getuid()})`,
      hint: 'the key must belong to the account that serves pushes',
    });
  }
  checks.push(
    mode & 0o077
      ? {
          name: 'signing key',
          status: 'fail',
          detail: `${path} has mode ${mode.toString(8).padStart(4, '0')}: others can read it`,
          hint: `chmod 600 ${path}`,
        }
      : { name: 'signing key', status: 'ok', detail: `${path} (mode 0600)` },
  );
  return checks;
}

async function store(ctx: DoctorContext, config: TaskgateConfig): Promise<Check[]> {
  try {
    ctx.store = await openStore(config);
    await ctx.store.listJobs({ limit: 1 });
    return [{ name: 'store', status: 'ok', detail: ctx.store.describe() }];
  } catch (error) {
    return [failure('store', error)];
  }
}

async function manifest(ctx: DoctorContext, config: TaskgateConfig): Promise<Check[]> {
  const path = config.manifest.path;
  try {
    const tip = await readChangesets(ctx.root, 'tip', { track: [path] }, ctx.io.env);
    const content = tip.fileVersions.get(path)?.get(tip.changesets[0]?.rev ?? -1);
    if (!content)
      return [
        {
          name: 'manifest',
          status: 'warn',
          detail: `no ${path} at tip: pushes queue nothing`,
          hint: 'commit a task manifest (docs/manifest.md)',
        },
      ];
    const { parseManifest } = await import('../manifest/parse-manifest.js');
    const parsed = parseManifest(content, path);
    if (parsed.ok) return [{ name: 'manifest', status: 'ok', detail: `${path} at tip: ${parsed.tasks.size} tasks` }];
    const hint = `fix ${path}; enable the manifest rule so that a broken one never lands`;
    return [{ name: 'manifest', status: 'fail', detail: parsed.errors.slice(0, 3).join('; '), hint }];
  } catch (error) {
    return [{ name: 'manifest', status: 'warn', detail: toTaskgateError(error).message, hint: 'an empty repository has no manifest yet' }];
  }
}

function outbox(ctx: DoctorContext): Check[] {
  const pending = pendingOutbox(ctx.root);
  if (pending.length === 0) return [{ name: 'outbox', status: 'ok', detail: 'empty' }];
  return [
    {
      name: 'outbox',
      status: 'fail',
      detail: `${pending.length} batch${pending.length === 1 ? '' : 'es'} of jobs wait in .hg/taskgate/outbox/`,
      hint: 'run `taskgate reconcile` once the store is reachable',
    },
  ];
}

function bookmarkMoves(ctx: DoctorContext): Check[] {
  const pending = pendingMoves(ctx.root);
  if (pending.length === 0) return [{ name: 'bookmark moves', status: 'ok', detail: 'every move queued' }];
  return [
    {
      name: 'bookmark moves',
      status: 'fail',
      detail: `${pending.length} bookmark move${pending.length === 1 ? '' : 's'} whose hook did not finish wait in .hg/taskgate/moves/`,
      hint: 'run `taskgate reconcile` to queue their jobs',
    },
  ];
}

async function unprocessedPushes(ctx: DoctorContext, config: TaskgateConfig): Promise<Check[]> {
  if (!ctx.store || !hasRepoId(config)) return [];
  try {
    const missed = (await readUnprocessed(ctx.store, ctx.root, config, ctx.io.env, 'all()')).changesets.length;
    if (missed === 0) return [{ name: 'unprocessed pushes', status: 'ok', detail: 'none' }];
    return [
      {
        name: 'unprocessed pushes',
        status: 'warn',
        detail: `${missed} changesets no processed push covers`,
        hint: 'run `taskgate reconcile`',
      },
    ];
  } catch (error) {
    return [{ name: 'unprocessed pushes', status: 'warn', detail: toTaskgateError(error).message }];
  }
}

function workerAccount(config: TaskgateConfig): Check[] {
  if (config.worker.runAs) return [];
  return [
    {
      name: 'worker account',
      status: 'warn',
      detail: "worker.runAs is not set: tasks run as the worker's own account",
      hint: 'run workers as an unprivileged account that cannot read .hg/ or the key',
    },
  ];
}

/** A check that needs a valid configuration: skipped (no line) when there is none. */
const withConfig =
  (check: (ctx: DoctorContext, config: TaskgateConfig) => Promise<Check[]> | Check[]): DoctorCheck =>
  (ctx) =>
    ctx.config ? check(ctx, ctx.config) : [];

/** Everything that can silently break the hooks (DESIGN §12), in order. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  mercurial,
  hooks,
  (ctx) => localPushChecks(ctx.root),
  configuration,
  hgCommandCheck,
  hookServerCheck,
  withConfig((ctx, config) => [sandboxCheck(config, ctx.root)]),
  withConfig(stateFolder),
  withConfig((_ctx, config) => signingKey(config)),
  withConfig(store),
  withConfig(manifest),
  withConfig(outbox),
  withConfig(bookmarkMoves),
  withConfig(unprocessedPushes),
  withConfig((_ctx, config) => workerAccount(config)),
];
