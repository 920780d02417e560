// scripts/bench: every figure is a median of interleaved runs (A B A B...), so that machine
// drift cancels, reported as a ratio to a baseline measured in the same run. A hook's added
// time is its own wall time inside the real push (scripts/bench-time-hook.sh); the difference
// of whole pushes is shown beside it, but is too noisy to judge by.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
// `--inproc`: only the in-process figures (affected, the worker); `--trigger`: only the trigger's
const only = { inproc: process.argv.includes('--inproc'), trigger: process.argv.includes('--trigger') };
const pushes = !only.inproc && !only.trigger;
// `--large`: only the 1,000- and 10,000-changeset figures (sections 1b and 2)
const large = process.argv.includes('--large');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : quick ? 3 : 7;
const cache = join(root, '.bench-cache');
const work = mkdtempSync(join(tmpdir(), 'taskgate-bench-'));
const hgrc = join(work, 'hgrc');
const started = Date.now();
// interrupted (Ctrl-C, a timeout's SIGTERM): print what there is; a running child (a push, or
// pg_virtualenv, which drops its cluster) ends first, since a synchronous spawn holds the signal
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    finish(true);
    process.exit(130);
  });
}
// a push that failed (interrupted with it, say): what was measured before it is still printed
process.on('uncaughtException', (error) => {
  console.error(error);
  finish(true);
  process.exit(1);
});
writeFileSync(hgrc, '[ui]\ninteractive = false\n');
const env = { ...process.env, HGRCPATH: hgrc, HGPLAIN: '1', LOGNAME: 'alice', USER: 'alice' };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}
function timed(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A source repository of `count` changesets over a tree of `files` files, each touching 1-10
 * files, with renames, deletes and (every `merges`) merges; the first commits a task manifest
 * of `tasks` tasks. Generated once and cached between runs.
 */
function history(count, files, { merges = 100, tasks = 20 } = {}) {
  const dir = join(cache, `history-${count}-${files}-m${merges}-t${tasks}`);
  if (!existsSync(join(dir, '.hg', 'complete'))) {
    mkdirSync(cache, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    run('hg', ['init', dir]);
    process.stderr.write(`bench: generating ${count} changesets over ${files} files (cached in .bench-cache/)\n`);
    const manifest = { version: 1, tasks: {} };
    for (let i = 0; i < tasks; i++) manifest.tasks[`task${i}`] = { inputs: [`src/dir${String(i % 97).padStart(3, '0')}/**`], run: 'true' };
    writeFileSync(join(dir, 'tasks.json'), JSON.stringify(manifest));
    run('hg', ['commit', '-q', '-A', '-m', 'OPS-0: the task manifest', '-u', 'Alice <alice@acme.test>'], { cwd: dir });
    run('/usr/bin/python3', [
      join(root, 'test/helpers/make-history.py'),
      dir,
      String(count - 1),
      '--files',
      String(files),
      '--renames',
      ...(merges ? ['--merges', String(merges)] : []),
    ]);
    writeFileSync(join(dir, '.hg', 'complete'), '');
  }
  return dir;
}

// the example policy of DESIGN §3, without secrets (whose cost is reported on its own)
const example = JSON.parse(readFileSync(join(root, 'examples/taskgate.json'), 'utf8'));
const policy = { ...example, policy: { rules: example.policy.rules.filter((r) => r.rule !== 'secrets') } };

const hookLog = join(work, 'hook-times.log');
const memLog = join(work, 'hook-memory.log');
const timer = join(root, 'scripts/bench-time-hook.sh');
// GNU time: the gate's peak memory (its largest process: node, or the hg it runs; the timer's shell is smaller)
const memory = existsSync('/usr/bin/time') ? `/usr/bin/time -f %M -a -o ${memLog}` : '';

// one signing key for every central repository the trigger runs in
const keysDir = join(work, 'keys-repo');
run('hg', ['init', keysDir]);
writeFileSync(join(keysDir, '.hg', 'taskgate.json'), JSON.stringify(policy));
run(process.execPath, [join(root, 'bin/taskgate'), 'keys', 'init', '-R', keysDir]);
const keys = readFileSync(join(keysDir, '.hg', 'taskgate', 'keys.json'));

/**
 * Every hook `taskgate install` writes, each wrapped by the timer (the gate's timer also by GNU time):
 * read from the hgrc install writes into a scratch repository, so a new hook counts at once.
 */
function installedHooks() {
  const dir = join(work, 'install-probe');
  run('hg', ['init', dir]);
  run(process.execPath, [join(root, 'bin/taskgate'), 'install', dir]);
  const lines = readFileSync(join(dir, '.hg', 'hgrc'), 'utf8')
    .split('\n')
    .map((l) => /^\s*([a-z-]+\.taskgate)\s*=\s*(.+)$/.exec(l))
    .filter(Boolean);
  if (lines.length === 0) throw new Error('taskgate install wrote no hooks');
  // GNU time outside the timer: it measures the gate's peak memory without its own start counted in the gate's time
  return lines.map(([, key, cmd]) => `${key} = ${key.startsWith('pretxnchangegroup.') ? memory : ''} ${timer} ${cmd}`).join('\n');
}

/** What each configuration puts in the central repository's hgrc; `timer` times each hook measured. */
const CONFIGS = {
  none: '',
  'node + hg log': `[hooks]\npretxnchangegroup.bench = ${timer} ${join(root, 'scripts/bench-baseline-hook.mjs')}\n`,
  // the floor of Node entrypoints (DESIGN §13, "the whole push"): two hooks that only start node
  'node -e 0 pair': `[hooks]\npretxnchangegroup.bench = ${timer} node -e 0\nchangegroup.bench = ${timer} node -e 0\n`,
  gate: `[hooks]\npretxnchangegroup.bench = ${timer} ${join(root, 'hooks/pretxnchangegroup')}\n`,
  python: `[hooks]\npretxnchangegroup.bench = python:${join(root, 'scripts/bench-python-hook.py')}:hook\n`,
  taskgate: `[hooks]\n${installedHooks()}\n`,
  // the gate, and pretxnclose timed: on a push that moves no ref it answers from what the gate left
  pretxnclose: `[hooks]\npretxnchangegroup.taskgate = ${join(root, 'hooks/pretxnchangegroup')}\npretxnclose.taskgate = ${timer} ${join(root, 'hooks/pretxnclose')}\n`,
};

/** The hook log's lines ("HG_HOOKNAME nanoseconds"), as milliseconds per hook. */
function hookTimes() {
  const out = {};
  if (!existsSync(hookLog)) return out;
  for (const line of readFileSync(hookLog, 'utf8').trim().split('\n')) {
    const [name, ns] = line.trim().split(/\s+/);
    if (ns !== undefined) out[name] = (out[name] ?? 0) + Number(ns) / 1e6;
  }
  return out;
}
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

/** A fresh central repository with one configuration, holding the source up to `baseRev` already. */
function central(name, config, source, baseRev) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  if (baseRev >= 0) run('hg', ['clone', '-q', '-U', '-r', String(baseRev), source, dir]);
  else run('hg', ['init', dir]);
  writeFileSync(join(dir, '.hg', 'hgrc'), CONFIGS[config]);
  writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify(policy));
  mkdirSync(join(dir, '.hg', 'taskgate'), { recursive: true });
  writeFileSync(join(dir, '.hg', 'taskgate', 'keys.json'), keys, { mode: 0o600 });
  // the history already there was processed, as on a server where taskgate ran all along
  if (config === 'taskgate' && baseRev >= 0) processedAndAnchored(dir);
  return dir;
}

/**
 * As on a server where taskgate ran all along: the history processed (reconcile), and the audit
 * chain anchored by a recent checkpoint. The trigger signs one only every 100 records or 10
 * minutes, so the push measured is the common one, not the one in a hundred that anchors.
 */
function processedAndAnchored(dir) {
  run(process.execPath, [join(root, 'bin/taskgate'), 'reconcile', '-R', dir]);
  run(process.execPath, [join(root, 'bin/taskgate'), 'audit', 'checkpoint', '-R', dir]);
}

/** The pids of this install's hook servers (src/hook-server/): they run the gate and the trigger for the hooks. */
function hookServers() {
  const script = join(root, 'dist', 'hook-server.cjs');
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes(script);
      } catch {
        return false;
      }
    });
}

/** Resets the hook servers' peak memory (clear_refs 5: VmHWM starts again from the current size). */
function resetServerPeaks() {
  for (const pid of hookServers()) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // gone, or not ours
    }
  }
}

/** The largest peak memory (kB) of a hook server since resetServerPeaks: it ran the gate, so its memory is the gate's. */
function serverPeakKb() {
  let kb = 0;
  for (const pid of hookServers()) {
    try {
      kb = Math.max(kb, Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // gone
    }
  }
  return kb;
}

/** Pushes `source` up to `rev` into a fresh central repository; returns the push's time, each timed hook's own, their sum, and the gate's peak memory. */
function timedPush(config, source, baseRev, rev) {
  const dir = central(`c-${config.replace(/\W+/g, '-')}`, config, source, baseRev);
  rmSync(hookLog, { force: true });
  rmSync(memLog, { force: true });
  resetServerPeaks();
  const r = { status: 0 };
  const args = ['push', '-q', '-f', '-r', String(rev), dir];
  const push = timed(() => Object.assign(r, run('hg', args, { cwd: source, allowFail: true, env: { ...env, BENCH_HOOK_LOG: hookLog } })));
  if (r.status !== 0) throw new Error(`push with ${config} failed:\n${r.stderr}${r.stdout}`);
  const hooks = hookTimes();
  // the hook process's own (GNU time), or the hook server's when it ran the gate: the larger
  const own = existsSync(memLog) ? Number(readFileSync(memLog, 'utf8').trim().split('\n').at(-1)) : 0;
  const kb = own > 0 ? Math.max(own, serverPeakKb()) : 0;
  return { push, hook: sum(hooks), hooks, kb };
}

/**
 * Medians over interleaved runs (A B C A B C ...) of each configuration's push time, its hooks'
 * summed time and each hook's own. `warm`: one round first, not counted (chg's server starts).
 */
function pushTimes(source, baseRev, rev, configs, runs = RUNS, { warm = false } = {}) {
  const times = Object.fromEntries(configs.map((h) => [h, { push: [], hook: [], kb: [], hooks: {} }]));
  if (warm) for (const h of configs) timedPush(h, source, baseRev, rev);
  for (let i = 0; i < runs; i++) {
    for (const h of configs) {
      const t = timedPush(h, source, baseRev, rev);
      times[h].push.push(t.push);
      times[h].hook.push(t.hook);
      times[h].kb.push(t.kb);
      for (const [name, ms] of Object.entries(t.hooks)) (times[h].hooks[name] ??= []).push(ms);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([h, t]) => [
      h,
      {
        push: median(t.push),
        hook: median(t.hook),
        kb: Math.max(...t.kb),
        hooks: Object.fromEntries(Object.entries(t.hooks).map(([name, xs]) => [name, median(xs)])),
      },
    ]),
  );
}
const GATE = 'pretxnchangegroup.taskgate';

/** The whole push with taskgate (gate and trigger) against the same push with the in-process Python hook. */
function reportWholePush(count, t, budget) {
  report(
    `whole ${count}-changeset push with taskgate (gate + trigger) / with the in-process Python hook`,
    t.taskgate.push / t.python.push,
    budget,
    'x',
    `push ${t.none.push.toFixed(0)} ms with no hook, ${t.python.push.toFixed(0)} ms with the Python hook, ${t.taskgate.push.toFixed(0)} ms with taskgate` +
      (budget === null ? ' (reported)' : ' (the goal)'),
  );
}

const results = [];
function report(name, value, budget, unit, detail) {
  const pass = budget === null ? null : value <= budget;
  results.push({ name, value: Number(value.toFixed(3)), budget, unit, pass, detail });
}

// `--remote`: only the remote worker's figures (section 5c), a minute or so
if (process.argv.includes('--remote')) {
  await remoteSection(await serviceBundle());
  finish(false);
  process.exit();
}

// 1. the gate on a 1-changeset push, against node + one hg log
if (pushes && !large) {
  const src = history(201, 200);
  // --quick leaves the reported whole-push figure to section 1a
  const t = pushTimes(
    src,
    199,
    200,
    quick ? ['none', 'node + hg log', 'gate', 'pretxnclose'] : ['none', 'node + hg log', 'gate', 'pretxnclose', 'python', 'taskgate'],
    RUNS,
    {
      warm: true,
    },
  );
  const baseline = t['node + hg log'].hook;
  const gate = t.gate.hook;
  report(
    'gate, 1-changeset push: added time / (node + hg log) added time',
    gate / baseline,
    1.3,
    'x',
    `push ${t.none.push.toFixed(0)} ms with no hook; node + hg log adds ${baseline.toFixed(0)} ms; the gate adds ${gate.toFixed(0)} ms` +
      ` (as push differences: ${(t['node + hg log'].push - t.none.push).toFixed(0)} and ${(t.gate.push - t.none.push).toFixed(0)} ms)`,
  );
  report(
    'pretxnclose, 1-changeset push moving no ref: added time / (node + hg log) added time',
    t.pretxnclose.hook / baseline,
    1.3,
    'x',
    `pretxnclose adds ${t.pretxnclose.hook.toFixed(0)} ms, without an hg process of its own (the gate of the same transaction read the push)`,
  );
  if (t.python) reportWholePush(1, t, null);
}

// 1a. the whole push (DESIGN §13): every hook taskgate install writes, on a 1-changeset push that
//     affects 5 of 10 tasks, against two hooks that only start node
function fiveOfTen() {
  const dir = join(cache, 'five-of-ten');
  if (!existsSync(join(dir, '.hg', 'complete'))) {
    rmSync(dir, { recursive: true, force: true });
    run('hg', ['init', dir]);
    const manifest = { version: 1, tasks: {} };
    for (let i = 0; i < 10; i++) manifest.tasks[`task${i}`] = { inputs: [i < 5 ? 'src/**' : 'other/**'], run: `make t${i}` };
    writeFileSync(join(dir, 'tasks.json'), JSON.stringify(manifest));
    mkdirSync(join(dir, 'src'), { recursive: true });
    mkdirSync(join(dir, 'other'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'one\n');
    writeFileSync(join(dir, 'other', 'b.txt'), 'one\n');
    run('hg', ['commit', '-q', '-A', '-m', 'OPS-1: ten tasks', '-u', 'Alice <alice@acme.test>'], { cwd: dir });
    writeFileSync(join(dir, 'src', 'a.txt'), 'two\n');
    run('hg', ['commit', '-q', '-m', 'OPS-2: change an input of five tasks', '-u', 'Alice <alice@acme.test>'], { cwd: dir });
    writeFileSync(join(dir, '.hg', 'complete'), '');
  }
  return dir;
}
if (pushes && !large) {
  const src = fiveOfTen();
  const t = pushTimes(src, 0, 1, ['none', 'node -e 0 pair', 'python', 'taskgate'], RUNS, { warm: true });
  const floor = t['node -e 0 pair'].hook;
  const split = Object.entries(t.taskgate.hooks)
    .map(([name, ms]) => `${name.split('.')[0]} ${ms.toFixed(0)} ms`)
    .join(', ');
  const pair = Object.values(t['node -e 0 pair'].hooks)
    .map((ms) => ms.toFixed(0))
    .join(' + ');
  report(
    'whole push, 1 changeset affecting 5 of 10 tasks: every hook taskgate install writes / two `node -e 0` hooks (added time)',
    t.taskgate.hook / floor,
    2,
    'x',
    `taskgate's hooks add ${t.taskgate.hook.toFixed(0)} ms (${split}); the node -e 0 pair adds ${floor.toFixed(0)} ms (${pair});` +
      ` as push differences: taskgate ${(t.taskgate.push - t.none.push).toFixed(0)}, pair ${(t['node -e 0 pair'].push - t.none.push).toFixed(0)},` +
      ` in-process Python hook ${(t.python.push - t.none.push).toFixed(0)} ms; push ${t.none.push.toFixed(0)} ms with no hook`,
  );
  // NODE_EXTRA_CA_CERTS makes every node start parse that file (Node 20 loads it eagerly): tens of
  // milliseconds a start where it names a system bundle. The pair pays it twice and so do the gate
  // and the trigger, so it flatters the whole-push ratio; this shows by how much.
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const bare = { ...env };
    delete bare.NODE_EXTRA_CA_CERTS;
    const starts = { with: [], without: [] };
    for (let i = 0; i < 7; i++) {
      starts.with.push(timed(() => run(process.execPath, ['-e', '0'])));
      starts.without.push(timed(() => run(process.execPath, ['-e', '0'], { env: bare })));
    }
    const ca = Math.max(0, median(starts.with) - median(starts.without));
    report(
      'whole push as above, were NODE_EXTRA_CA_CERTS unset (estimated: its cost taken from each node start)',
      (t.taskgate.hook - 2 * ca) / (floor - 2 * ca),
      null,
      'x',
      `NODE_EXTRA_CA_CERTS is set here: each node start pays ${ca.toFixed(0)} ms to parse it (gate, trigger and both hooks of the pair start node)`,
    );
  }
}
// `--first`: only the 1-changeset figures above (a minute, not the whole bench)
if (process.argv.includes('--first')) {
  finish(false);
  process.exit();
}

// 1b. 1,000 changesets: the whole push with taskgate against the in-process Python hook (goal 1.5x)
if (pushes) {
  const src = history(10_000, 5000);
  reportWholePush(1000, pushTimes(src, -1, 999, ['none', 'python', 'taskgate'], quick ? 2 : RUNS), 1.5);
}

// 2. the gate on a 10,000-changeset push, against the bare hg log extraction
if (pushes) {
  const count = 10_000;
  const src = history(count, 5000);
  const logTimes = [];
  // each round pushes 10,000 changesets three times (~25 s): --quick takes two rounds
  const runs = quick ? 2 : Math.max(3, RUNS - 2);
  for (let i = 0; i < runs; i++)
    logTimes.push(
      timed(() => run('hg', ['log', '-r', `0:${count - 1}`, '-T', '{node}{author}{desc}{branch}{p1node}{p2node}{files}\n'], { cwd: src })),
    );
  // the gate's own time is taken inside the taskgate push (gate + trigger), so one set of pushes gives every figure
  // --quick leaves out the whole 10,000-changeset pushes without taskgate (reported figures only)
  const t = pushTimes(src, -1, count - 1, quick ? ['taskgate'] : ['none', 'python', 'taskgate'], runs);
  const log = median(logTimes);
  const gate = t.taskgate.hooks[GATE];
  report(
    `gate, ${count}-changeset push: added time / bare hg log extraction`,
    gate / log,
    1.5,
    'x',
    `hg log extraction ${log.toFixed(0)} ms; the gate adds ${gate.toFixed(0)} ms` +
      (t.none ? `; push ${t.none.push.toFixed(0)} ms with no hook` : ''),
  );
  if (t.python) reportWholePush(count, t, null);
  if (t.taskgate.kb > 0)
    report(
      `gate, ${count}-changeset push: peak memory (its largest process)`,
      t.taskgate.kb / 1024,
      null,
      ' MB',
      'max RSS over the runs: the hook process (GNU time) or the hook server that ran it (VmHWM), the larger',
    );

  // secrets, reported on its own: the reader with and without added lines, per changed file
  // (--quick reads the first 2,000 changesets: the figures are per file and per changeset)
  const reader = join(root, 'dist/taskgate_read.py');
  const read = quick ? 2000 : count;
  const args = ['--config', `extensions.taskgate_read=${reader}`, 'taskgate-read', '-r', `0:${read - 1}`];
  const files = Number(
    run('hg', ['log', '-r', `0:${read - 1}`, '-T', '{count(files)}\n'], { cwd: src })
      .stdout.toString()
      .trim()
      .split('\n')
      .reduce((a, b) => a + Number(b), 0),
  );
  const plain = [];
  const withLines = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    plain.push(timed(() => run('hg', args, { cwd: src })));
    withLines.push(timed(() => run('hg', [...args, '--added-lines', '2000000'], { cwd: src })));
  }
  const perFile = (median(withLines) - median(plain)) / files;
  report(
    'secrets: reading added lines, per changed file',
    perFile,
    1,
    'ms',
    `${files} changed files in ${read} changesets (scanning them in node is extra)`,
  );

  // DESIGN §18's mode options (files.symlinks / executables / caseOnlyRenames, merges "cross-branch")
  // are the only ones that read more: their extra reading, added to the gate measured above. An
  // estimate, and DESIGN §13 sets no budget for it (its policy is §3's, without these options):
  // reported, not judged (docs/performance.md)
  const withModes = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) withModes.push(timed(() => run('hg', [...args, '--flags', '--parent-branches'], { cwd: src })));
  const modes = ((median(withModes) - median(plain)) * count) / read;
  report(
    `gate, ${count}-changeset push with the mode options of §18 on (estimate): added time / bare hg log extraction`,
    (gate + modes) / log,
    null,
    'x',
    `reading file flags and merge parents' branches adds ${modes.toFixed(0)} ms to the read (${((modes / count) * 1000).toFixed(0)} µs per changeset${read < count ? `, measured on the first ${read}` : ''}); no budget in DESIGN §13`,
  );
}

if (large) {
  finish(false);
  process.exit();
}

// 3. the trigger on a 1-changeset push affecting 10 and 1,000 tasks, against node + one hg log
function taskHistory(tasks) {
  const dir = join(cache, `tasks-${tasks}`);
  if (!existsSync(join(dir, '.hg'))) {
    rmSync(dir, { recursive: true, force: true });
    run('hg', ['init', dir]);
    const manifest = { version: 1, tasks: {} };
    for (let i = 0; i < tasks; i++)
      manifest.tasks[`task${String(i).padStart(4, '0')}`] = { inputs: ['src/**', `mod${i}/**`], run: `make t${i}` };
    writeFileSync(join(dir, 'tasks.json'), JSON.stringify(manifest));
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'one\n');
    run('hg', ['commit', '-q', '-A', '-m', 'OPS-1: the tasks', '-u', 'Alice <alice@acme.test>'], { cwd: dir });
    writeFileSync(join(dir, 'src', 'a.txt'), 'two\n');
    run('hg', ['commit', '-q', '-m', 'OPS-2: change an input of every task', '-u', 'Alice <alice@acme.test>'], { cwd: dir });
  }
  return dir;
}
if (pushes || only.trigger) {
  const trigger = join(root, 'hooks/changegroup');
  for (const [tasks, budget] of [
    [10, 2],
    [1000, 2.5],
  ]) {
    const src = taskHistory(tasks);
    const times = { base: [], trigger: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [name, hook] of [
        ['base', join(root, 'scripts/bench-baseline-hook.mjs')],
        ['trigger', trigger],
      ]) {
        const dir = join(work, `trigger-${name}`);
        rmSync(dir, { recursive: true, force: true });
        run('hg', ['clone', '-q', '-U', '-r', '0', src, dir]);
        mkdirSync(join(dir, '.hg', 'taskgate'), { recursive: true });
        writeFileSync(join(dir, '.hg', 'taskgate', 'keys.json'), keys, { mode: 0o600 });
        // the first changeset was processed, as the trigger would have done, so only the push counts
        writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify({ ...policy, policy: { rules: [] } }));
        if (name === 'trigger') processedAndAnchored(dir);
        writeFileSync(join(dir, '.hg', 'hgrc'), `[hooks]\nchangegroup.bench = ${timer} ${hook}\n`);
        rmSync(hookLog, { force: true });
        run('hg', ['push', '-q', '-r', '1', dir], { cwd: src, env: { ...env, BENCH_HOOK_LOG: hookLog } });
        times[name].push(sum(hookTimes()));
      }
    }
    const base = median(times.base);
    const t = median(times.trigger);
    report(
      `trigger, 1-changeset push affecting ${tasks} tasks: added time / (node + hg log) added time`,
      t / base,
      budget,
      'x',
      `node + hg log adds ${base.toFixed(0)} ms; the trigger adds ${t.toFixed(0)} ms (${tasks} jobs, ${tasks} queued tokens)`,
    );
  }
}

// 4. affected for a 5,000-task manifest and 50,000 changed files, in process
if (!only.trigger) {
  mkdirSync(cache, { recursive: true });
  const bundle = join(cache, 'manifest.mjs');
  const { build } = await import('esbuild');
  await build({
    // the two functions this step times, straight from their files
    stdin: {
      contents:
        "export { parseManifest } from './src/manifest/parse-manifest.ts'; export { affectedTasks } from './src/manifest/affected.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'warning',
  });
  const { parseManifest, affectedTasks } = await import(bundle);
  const manifest = { version: 1, tasks: {} };
  for (let i = 0; i < 5000; i++) {
    manifest.tasks[`t${i}`] = {
      inputs: [`services/s${i}/**`, `!services/s${i}/docs/**`, `libs/l${i % 100}/**/*.ts`],
      requires: i % 10 === 0 || i < 10 ? [] : [`t${i - (i % 10)}`],
      run: 'make',
    };
  }
  const text = JSON.stringify(manifest);
  const files = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? `services/s${i % 5000}/src/f${i}.ts` : `libs/l${i % 100}/sub/f${i}.ts`));
  const samples = [];
  for (let i = 0; i < Math.max(RUNS, 3); i++) {
    // a new manifest text each run, so parsing and glob compilation are counted, not cached
    const variant = text.replace('"version":1', `"version":1,"$schema":"run-${i}"`);
    samples.push(
      timed(() => {
        const after = parseManifest(variant, 'tasks.json');
        if (!after.ok) throw new Error(after.errors.join('\n'));
        const affected = affectedTasks({ changedFiles: files, before: null, after, branch: 'default' });
        if (affected.length !== 5000) throw new Error(`expected 5000 affected tasks, got ${affected.length}`);
      }),
    );
  }
  // the first run is cold (every glob compiled); later runs reuse the process's glob cache, as a long-lived service would
  report(
    'affected: 5,000-task manifest, 50,000 changed files (parse, compile, match, propagate)',
    samples[0],
    1000,
    'ms',
    `in process, cold; warm median ${median(samples.slice(1)).toFixed(0)} ms`,
  );
}

// 5. a worker's own overhead per no-op job with SQLite: claim (queued token checked, running token
//    signed), exchange, complete (done receipt signed, dependents released), audit records
if (!only.trigger) {
  const bundle = await serviceBundle();
  const { workerOverhead } = await import(bundle);
  const jobs = quick ? 200 : 1000;
  // three runs and their median, like every other figure: one run's fsyncs can meet a busy disk
  const perRun = [];
  for (let i = 0; i < 3; i++) perRun.push(await workerOverhead(join(work, `overhead-${i}`), jobs));
  report(
    'worker overhead per no-op job (claim, exchange, complete), SQLite',
    median(perRun),
    5,
    'ms',
    `${jobs} jobs, one worker, audit records written (fsync'd in the background); median of 3 runs (${perRun.map((v) => v.toFixed(2)).join(', ')} ms)`,
  );

  // 5b. the sandbox (DESIGN §14): a no-op task in bubblewrap against worker.sandbox "none", interleaved,
  //     and the worker's own overhead per no-op job with its task sandboxed
  const { sandboxCost, sandboxedWorkerOverhead } = await import(bundle);
  // outside the bench's private folder: the task account (nobody under root) must reach its job folders
  const boxDir = mkdtempSync(join(tmpdir(), 'taskgate-bench-sandbox-'));
  chmodSync(boxDir, 0o755);
  const boxes = await sandboxCost(join(boxDir, 'cost'), quick ? 30 : 100);
  report(
    'sandbox cost per no-op job (bwrap over "none")',
    Number((boxes.bwrap - boxes.none).toFixed(1)),
    15,
    'ms',
    `a no-op task: ${boxes.bwrap.toFixed(1)} ms in bwrap, ${boxes.none.toFixed(1)} ms with "none" (limits and account switch in both)`,
  );
  const boxedJobs = quick ? 50 : 200;
  const boxed = await sandboxedWorkerOverhead(join(boxDir, 'overhead'), boxedJobs);
  rmSync(boxDir, { recursive: true, force: true });
  report(
    "worker's own overhead per no-op job with the sandbox (claim, exchange, folder, account, log, complete), SQLite",
    Number(boxed.own.toFixed(1)),
    20,
    'ms',
    `${boxedJobs} jobs, one worker: ${boxed.total.toFixed(1)} ms per job in all, less the sandboxed no-op task's own process` +
      ` (prlimit, bwrap, sh: ${boxed.task.toFixed(1)} ms, timed around each); the archive (hg archive per job) is not in it`,
  );

  await remoteSection(bundle);

  // 6. claim-and-complete throughput: SQLite (one process) next to PostgreSQL with 1, 4 and 16
  //    workers, each with its own connection; scripts/bench runs under pg_virtualenv
  const { claimThroughput } = await import(bundle);
  const count = quick ? 100 : 1000;
  const sqlite = await claimThroughput(join(work, 'tp-sqlite'), { workers: 1, count });
  report(
    'claim-and-complete throughput, SQLite, 1 worker',
    sqlite,
    null,
    ' jobs/s',
    `${count} no-op jobs; signatures, exchange, audit append`,
  );
  // the same with the worker API's checks (DESIGN §15): an assertion per request, bound, verified, its jti stored
  const checked = await claimThroughput(join(work, 'tp-sqlite-checked'), { workers: 1, count, checks: true });
  report(
    'claim-and-complete throughput, SQLite, 1 worker, with the assertion checks',
    checked,
    null,
    ' jobs/s',
    `before the checks ${sqlite.toFixed(0)} jobs/s; with them ${(checked / sqlite).toFixed(2)}x`,
  );
  // --inproc stops here: PostgreSQL and the web UI are for the whole bench
  if (only.inproc) {
    finish(false);
    process.exit();
  }
  // PostgreSQL in a cluster of its own, started and dropped by pg_virtualenv around one child
  // process: when the bench is interrupted, that child goes and pg_virtualenv drops the cluster
  // -t: a temporary cluster folder even as root, not the machine's shared 15/regress, which
  // another pg_virtualenv on the machine may hold (or drop under this one)
  const pgRun = spawnSync(
    'pg_virtualenv',
    ['-t', process.execPath, join(root, 'scripts/bench-pg.mjs'), bundle, join(work, 'tp-pg'), String(count), String(sqlite)],
    { env, stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 },
  );
  const pgResults = (pgRun.stdout?.toString() ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  for (const r of pgResults) results.push(r);
  if (pgResults.length === 0) {
    report(
      'claim-and-complete throughput, PostgreSQL',
      0,
      null,
      ' jobs/s',
      `not measured: ${pgRun.error ? pgRun.error.message : `pg_virtualenv exited ${pgRun.status ?? pgRun.signal}`} (Debian: postgresql-common)`,
    );
  }

  // 7. the web UI (DESIGN §17): 10,000 pushes and 100,000 jobs in the store
  // the pages read changesets through the hg reader extension, which ships next to the bundle
  copyFileSync(join(root, 'src/hg/taskgate_read.py'), join(cache, 'taskgate_read.py'));
  const { uiBudgets } = await import(bundle);
  const pushes = quick ? 1000 : 10_000;
  const ui = await uiBudgets(join(work, 'ui-sqlite'), { pushes, perPush: 10, runs: RUNS });
  const scale = `${pushes.toLocaleString('en')} pushes, ${(pushes * 10).toLocaleString('en')} jobs, SQLite`;
  report(
    'web UI: first page of pushes, server time',
    ui.pushesMs,
    100,
    'ms',
    `${scale}; warm median, cold ${ui.pushesColdMs.toFixed(0)} ms`,
  );
  report('web UI: a 500-task push page (DAG as SVG), server time', ui.pushMs, 300, 'ms', `${scale}; warm median`);
  report('web UI: a status change reaches an open event stream', ui.eventMs, 1000, 'ms', `${scale}; the slowest of 5`);
  if (process.env.PGHOST) {
    const { default: pg } = await import('pg');
    const admin = `postgres://${encodeURIComponent(process.env.PGUSER ?? 'postgres')}:${encodeURIComponent(process.env.PGPASSWORD ?? '')}@127.0.0.1:${process.env.PGPORT}`;
    const name = `tg_bench_ui_${process.pid}`;
    const client = new pg.Client({ connectionString: `${admin}/postgres` });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const onPg = await uiBudgets(join(work, 'ui-pg'), { url: `${admin}/${name}`, pushes, perPush: 10, runs: RUNS });
    const pgScale = scale.replace('SQLite', 'PostgreSQL');
    report('web UI: first page of pushes, server time, PostgreSQL', onPg.pushesMs, 100, 'ms', `${pgScale}; warm median`);
    report('web UI: a 500-task push page, server time, PostgreSQL', onPg.pushMs, 300, 'ms', `${pgScale}; warm median`);
    report(
      'web UI: a status change reaches an open event stream, PostgreSQL (NOTIFY)',
      onPg.eventMs,
      1000,
      'ms',
      `${pgScale}; the slowest of 5`,
    );
  }
}

finish(false);

/** scripts/bench-entry.ts bundled once (the exchange, the stores, the service), for sections 5 to 7. */
async function serviceBundle() {
  mkdirSync(cache, { recursive: true });
  const bundle = join(cache, 'service.mjs');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(root, 'scripts/bench-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'warning',
    external: ['better-sqlite3', 'fastify', 'pino', 'pg', 'tar-stream'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return bundle;
}

/**
 * 5c. a remote worker over loopback http (DESIGN §13, budgets of §14): its own overhead per no-op
 * job (claim, source, complete, through `taskgate serve`'s app), and the source of a 10,000-file
 * revision through the service against a local `hg archive` of it, interleaved.
 */
async function remoteSection(bundle) {
  const { remoteWorkerOverhead, sourceAgainstArchive, workerOverhead } = await import(bundle);
  const remoteDir = join(cache, 'remote');
  mkdirSync(remoteDir, { recursive: true });
  const jobs = quick ? 50 : 200;
  // the in-process worker's overhead beside it, in the same minute: how busy the machine is
  const inProcess = await workerOverhead(join(work, 'remote-reference'), jobs);
  const remote = await remoteWorkerOverhead(remoteDir, jobs);
  report(
    'remote worker over loopback http, per no-op job (claim, source, exchange, complete)',
    Number(remote.perJob.toFixed(1)),
    40,
    'ms',
    `${jobs} jobs on a 20-file revision, one worker in the service's process; claim ${remote.phases.claim.toFixed(1)}, source ${remote.phases.source.toFixed(1)} (a cache hit by node; the first job's miss ${remote.missMs.toFixed(0)}), complete ${remote.phases.complete.toFixed(1)} ms; the in-process worker ${inProcess.toFixed(1)} ms per job in this run`,
  );
  const files = 10_000;
  // ~10 s a round of 10,000 files each way: --quick takes two (the larger of each pair counts)
  const t = await sourceAgainstArchive(remoteDir, files, quick ? 2 : RUNS);
  report(
    'source of a 10,000-file revision through the service / local `hg archive` of it',
    Number((t.service / t.local).toFixed(2)),
    1.3,
    'x',
    `${t.service.toFixed(0)} ms fetched, checked and extracted (no cache); ${t.local.toFixed(0)} ms \`hg archive\` to files`,
  );
}

/** Prints what was measured (all of it, or what there is when interrupted), writes bench-results.json, removes the scratch folder. */
function finish(interrupted) {
  rmSync(work, { recursive: true, force: true });
  const rows = results.map((r) => [
    r.pass === null ? 'INFO' : r.pass ? 'PASS' : 'FAIL',
    `${r.value}${r.unit}`,
    r.budget === null ? '-' : `<= ${r.budget}${r.unit}`,
    r.name,
    r.detail,
  ]);
  console.log(
    `taskgate bench (${RUNS} interleaved runs each, medians; node ${process.version}; ${((Date.now() - started) / 1000).toFixed(0)} s)` +
      (interrupted ? ' INTERRUPTED: the figures measured so far' : ''),
  );
  for (const [verdict, value, budget, name, detail] of rows)
    console.log(`${verdict}  ${value.padStart(9)}  ${budget.padEnd(9)}  ${name}\n${' '.repeat(33)}${detail}`);
  writeFileSync(
    join(root, 'bench-results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, node: process.version, interrupted, results }, null, 2)}\n`,
  );
  process.exitCode = interrupted ? 130 : results.some((r) => r.pass === false) ? 1 : 0;
}
