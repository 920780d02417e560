// Build step: V8 cached data for each hook bundle, made after the hooks ran a real push (DESIGN §13).
// Data made right after loading holds only the code V8 compiled eagerly; data made at the end of a
// run also holds every function that run compiled (configuration, policy, store, signing), so a
// push compiles almost none of it again. One scratch push (gate, pretxnclose in node, trigger),
// with the example policy; if anything fails, the bundles keep the data made at load.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const work = mkdtempSync(join(tmpdir(), 'taskgate-train-'));
const hgrc = join(work, 'hgrc');
writeFileSync(hgrc, '[ui]\ninteractive = false\n');
const env = { ...process.env, HGRCPATH: hgrc, HGPLAIN: '1', LOGNAME: 'alice', USER: 'alice' };
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...options });

try {
  const central = join(work, 'central');
  const source = join(work, 'source');
  run('hg', ['init', central]);
  const config = JSON.parse(readFileSync(join(root, 'examples/taskgate.json'), 'utf8'));
  writeFileSync(join(central, '.hg', 'taskgate.json'), JSON.stringify(config));
  run(process.execPath, [join(root, 'bin/taskgate'), 'keys', 'init', '-R', central]);
  // pretxnclose in node: its front would answer this push without it
  const hook = (name) => join(root, 'hooks', name);
  writeFileSync(
    join(central, '.hg', 'hgrc'),
    `[hooks]\npretxnchangegroup.taskgate = ${hook('pretxnchangegroup')}\npretxnclose.taskgate = ${hook('pretxnclose-node')}\nchangegroup.taskgate = ${hook('changegroup')}\n`,
  );
  run('hg', ['init', source]);
  const manifest = { version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' }, docs: { inputs: ['docs/**'], run: 'make docs' } } };
  writeFileSync(join(source, 'tasks.json'), JSON.stringify(manifest));
  mkdirSync(join(source, 'src'));
  writeFileSync(join(source, 'src', 'a.ts'), 'export const a = 1;\n');
  run('hg', ['commit', '-q', '-A', '-m', 'OPS-1: the first change of the training push', '-u', 'Alice <alice@acme.test>'], { cwd: source });
  // the loader writes each bundle's data when its process ends (scripts/load-bundle.cjs)
  run('hg', ['push', '-q', central], { cwd: source, env: { ...env, TASKGATE_TRAIN_CACHE: dist } });
} catch (error) {
  process.stderr.write(`build: the hooks' V8 data is made at load only (the training push failed: ${error.message.split('\n')[0]})\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
