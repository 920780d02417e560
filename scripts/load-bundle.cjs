// Loads a hook's CommonJS bundle with V8 cached data, so that a push does not pay to compile the
// hook's code again (DESIGN §13). The build copies this file into dist/, next to the bundles, and
// runs `node dist/load-bundle.cjs --make-cache NAME` to write that data, then a training push
// (scripts/train-cache.mjs) that writes it again after each hook ran. Stale or foreign data is
// rejected by V8, and the code then compiles as usual.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

/** The path of a bundle in dist/. */
function bundlePath(name) {
  return join(__dirname, `${name}.cjs`);
}

/** Runs the bundle `name` as a CommonJS module; returns its exports and its compiled script. */
function loadBundle(name) {
  const file = bundlePath(name);
  // the build checks that every bundle is ASCII: read as latin1, the one-byte copy V8 makes at once
  const source = readFileSync(file, 'latin1');
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dirname(file));
  // the build's training push (scripts/train-cache.mjs): the data, made after a whole run, holds what it compiled
  if (process.env.TASKGATE_TRAIN_CACHE === __dirname) process.once('exit', (code) => code === 0 && writeCache(name, script));
  return { exports: mod.exports, script };
}

function writeCache(name, script) {
  const out = `${bundlePath(name)}.cache`;
  writeFileSync(`${out}.tmp`, script.createCachedData());
  renameSync(`${out}.tmp`, out);
}

if (require.main === module && process.argv[2] === '--make-cache') {
  const name = process.argv[3];
  writeCache(name, loadBundle(name).script);
}

module.exports = { loadBundle };
