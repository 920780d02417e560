// scripts/bench: every figure is a median of interleaved runs (A B A B...), so that machine
// drift cancels, reported as a ratio to a baseline measured in the same run. A hook's added
// time is its own wall time inside the real push (scripts/bench-time-hook.sh); the difference
// of whole pushes is shown beside it, but is too noisy to judge by.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : quick ? 3 : 7;
const cache = join(root, '.bench-cache');
const work = mkdtempSync(join(tmpdir(), 'taskgate-bench-'));
const hgrc = join(work, 'hgrc');
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

/** A source repository of `count` changesets, generated once and cached between runs. */
function history(count, files) {
  const dir = join(cache, `history-${count}-${files}`);
  if (!existsSync(join(dir, '.hg'))) {
    mkdirSync(cache, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    run('hg', ['init', dir]);
    process.stderr.write(`bench: generating ${count} changesets over ${files} files (cached in .bench-cache/)\n`);
    run('/usr/bin/python3', [join(root, 'test/helpers/make-history.py'), dir, String(count), '--files', String(files), '--renames']);
  }
  return dir;
}

const policy = {
  repo: { id: 'acme/app' },
  identity: {
    groups: { devs: ['alice', 'bob'], release: ['alice'], admins: ['root'] },
    users: { alice: { emails: ['alice@acme.test'] }, bob: { emails: ['bob@acme.test'] } },
  },
  gate: { sources: ['serve', 'push'], bypass: { marker: 'POLICY-BYPASS:', who: ['@admins'] } },
  policy: { rules: [
    { rule: 'message', pattern: '^[A-Z]+-[0-9]+: .{8,}', forbid: ['^WIP\\b', '^fixup!'], skipMerges: true },
    { rule: 'author', pattern: '^[^<>]+ <[^@<>]+@acme\\.test>$', matchPusher: true, except: ['@release'] },
    { rule: 'branch', names: '^(default|stable|feature/[a-z0-9._-]+)$', push: { stable: ['@release'] }, create: ['@devs'], close: ['@release'] },
    { rule: 'paths', deny: { 'deploy/prod/**': ['*'] }, allow: { '**': ['@devs'] }, except: ['@release'] },
    { rule: 'files', maxBytes: 5000000, forbid: ['**/*.pem', '**/.env'], caseCollisions: true, portableNames: true },
    { rule: 'heads', singleHeadPerBranch: true },
    { rule: 'merges', allow: true },
    { rule: 'tags', protect: '^v[0-9]' },
    { rule: 'ownership' },
    { rule: 'manifest' },
  ] },
  manifest: { path: 'tasks.json' },
};

const HOOKS = {
  none: null,
  'node + hg log': join(root, 'scripts/bench-baseline-hook.mjs'),
  gate: join(root, 'hooks/pretxnchangegroup'),
};

const hookLog = join(work, 'hook-times.log');
const timer = join(root, 'scripts/bench-time-hook.sh');

/** A fresh central repository with `hook` as pretxnchangegroup (timed), holding the source up to `baseRev` already. */
function central(name, hook, source, baseRev) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  if (baseRev >= 0) run('hg', ['clone', '-q', '-U', '-r', String(baseRev), source, dir]);
  else run('hg', ['init', dir]);
  writeFileSync(join(dir, '.hg', 'hgrc'), hook ? `[hooks]\npretxnchangegroup.bench = ${timer} ${hook}\n` : '');
  writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify(policy));
  return dir;
}

/** Pushes `source` up to `rev` into a fresh central repository; returns the push's time and the hook's own. */
function timedPush(h, source, baseRev, rev) {
  const dir = central(`c-${h.replace(/\W+/g, '-')}`, HOOKS[h], source, baseRev);
  rmSync(hookLog, { force: true });
  const r = { status: 0 };
  const args = ['push', '-q', '-f', ...(rev === null ? [] : ['-r', String(rev)]), dir];
  const push = timed(() => Object.assign(r, run('hg', args, { cwd: source, allowFail: true, env: { ...env, BENCH_HOOK_LOG: hookLog } })));
  if (r.status !== 0) throw new Error(`push with ${h} failed:\n${r.stderr}${r.stdout}`);
  const hook = existsSync(hookLog) ? Number(readFileSync(hookLog, 'utf8').trim()) / 1e6 : 0;
  return { push, hook };
}

/** Medians over interleaved runs (A B C A B C ...) of each hook's push and hook time. */
function pushTimes(source, baseRev, rev, hooks, runs = RUNS) {
  const times = Object.fromEntries(hooks.map((h) => [h, { push: [], hook: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const h of hooks) {
      const t = timedPush(h, source, baseRev, rev);
      times[h].push.push(t.push);
      times[h].hook.push(t.hook);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([h, t]) => [h, { push: median(t.push), hook: median(t.hook) }]));
}

const results = [];
function report(name, value, budget, unit, detail) {
  const pass = budget === null ? null : value <= budget;
  results.push({ name, value: Number(value.toFixed(3)), budget, unit, pass, detail });
}

// 1. the gate on a 1-changeset push, against node + one hg log
{
  const src = history(201, 200);
  const t = pushTimes(src, 199, 200, ['none', 'node + hg log', 'gate']);
  const baseline = t['node + hg log'].hook;
  const gate = t.gate.hook;
  report('gate, 1-changeset push: added time / (node + hg log) added time', gate / baseline, 1.3, 'x',
    `push ${t.none.push.toFixed(0)} ms with no hook; node + hg log adds ${baseline.toFixed(0)} ms; the gate adds ${gate.toFixed(0)} ms` +
    ` (as push differences: ${(t['node + hg log'].push - t.none.push).toFixed(0)} and ${(t.gate.push - t.none.push).toFixed(0)} ms)`);
}

// 2. the gate on a 10,000-changeset push, against the bare hg log extraction
{
  const count = 10_000;
  const src = history(count, 5000);
  const logTimes = [];
  const gateTimes = [];
  const pushes = { none: [], gate: [] };
  for (let i = 0; i < Math.max(3, RUNS - 2); i++) {
    logTimes.push(timed(() => run('hg', ['log', '-r', `0:${count - 1}`, '-T', '{node}{author}{desc}{branch}{p1node}{p2node}{files}\n'], { cwd: src })));
    const none = timedPush('none', src, -1, null);
    const gate = timedPush('gate', src, -1, null);
    pushes.none.push(none.push);
    pushes.gate.push(gate.push);
    gateTimes.push(gate.hook);
  }
  const log = median(logTimes);
  const gate = median(gateTimes);
  report(`gate, ${count}-changeset push: added time / bare hg log extraction`, gate / log, 1.5, 'x',
    `push ${median(pushes.none).toFixed(0)} ms with no hook; hg log extraction ${log.toFixed(0)} ms; the gate adds ${gate.toFixed(0)} ms` +
    ` (as a push difference: ${(median(pushes.gate) - median(pushes.none)).toFixed(0)} ms)`);

  // secrets, reported on its own: the reader with and without added lines, per changed file
  const reader = join(root, 'dist/taskgate_read.py');
  const args = ['--config', `extensions.taskgate_read=${reader}`, 'taskgate-read', '-r', `0:${count - 1}`];
  const files = Number(run('hg', ['log', '-r', `0:${count - 1}`, '-T', '{count(files)}\n'], { cwd: src }).stdout.toString().trim().split('\n').reduce((a, b) => a + Number(b), 0));
  const plain = [];
  const withLines = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    plain.push(timed(() => run('hg', args, { cwd: src })));
    withLines.push(timed(() => run('hg', [...args, '--added-lines', '2000000'], { cwd: src })));
  }
  const perFile = (median(withLines) - median(plain)) / files;
  report('secrets: reading added lines, per changed file', perFile, 1, 'ms', `${files} changed files in ${count} changesets (scanning them in node is extra)`);
}

rmSync(work, { recursive: true, force: true });
const rows = results.map((r) => [r.pass === null ? 'INFO' : r.pass ? 'PASS' : 'FAIL', `${r.value}${r.unit}`, r.budget === null ? '-' : `<= ${r.budget}${r.unit}`, r.name, r.detail]);
console.log(`taskgate bench (${RUNS} interleaved runs each, medians; node ${process.version})`);
for (const [verdict, value, budget, name, detail] of rows) console.log(`${verdict}  ${value.padStart(9)}  ${budget.padEnd(9)}  ${name}\n${' '.repeat(33)}${detail}`);
writeFileSync(join(root, 'bench-results.json'), `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, node: process.version, results }, null, 2)}\n`);
process.exitCode = results.some((r) => r.pass === false) ? 1 : 0;
