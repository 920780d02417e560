// Property-based fuzzing of the configuration loader and the manifest parser: any input gives a result or errors, never a crash or a hang.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { TaskgateError } from '../../src/errors/taskgate-error.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { tempDir } from '../helpers/hg-fixture.js';

/**
 * Property-based fuzzing of the two parsers that read what people write: whatever the
 * input, they answer with a configuration, a manifest, a list of errors, or a TaskgateError,
 * and never with anything else (a TypeError, a RangeError, a hang).
 */

// JSON values that look like the real thing: the known keys, with values of every shape
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;
const oneOf = <T>(...xs: T[]) => fc.constantFrom(...xs);
const rule = fc.record(
  {
    rule: oneOf('message', 'author', 'branch', 'paths', 'files', 'secrets', 'heads', 'merges', 'tags', 'ownership', 'manifest', 'nope'),
    pattern: fc.oneof(fc.string(), oneOf('(a+)+$', '[', '(?=x)', '\\1', '^ok$', '\\p{L}+')),
    names: fc.string(),
    protect: fc.string(),
    maxBytes: anyValue,
    forbid: fc.array(fc.string(), { maxLength: 3 }),
    deny: fc.dictionary(fc.string({ maxLength: 12 }), fc.array(fc.string(), { maxLength: 2 }), { maxKeys: 3 }),
    allow: anyValue,
    id: anyValue,
  },
  { requiredKeys: ['rule'] },
);
const config = fc.record(
  {
    repo: fc.oneof(fc.record({ id: fc.string() }), anyValue),
    identity: fc.oneof(
      fc.record({ groups: fc.dictionary(fc.string({ maxLength: 8 }), fc.array(fc.string(), { maxLength: 3 })) }),
      anyValue,
    ),
    gate: anyValue,
    policy: fc.oneof(fc.record({ rules: fc.array(rule, { maxLength: 4 }) }), anyValue),
    manifest: anyValue,
    tokens: anyValue,
    store: anyValue,
    worker: anyValue,
    audit: anyValue,
    log: anyValue,
    extends: fc.oneof(fc.string(), anyValue),
  },
  { requiredKeys: [] },
);

const task = fc.record(
  {
    inputs: fc.oneof(
      fc.array(fc.oneof(fc.string(), oneOf('src/**', '!x/**', '{a,b}/*.ts', '[', '**/**/**', '')), { maxLength: 4 }),
      anyValue,
    ),
    requires: fc.oneof(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), anyValue),
    run: fc.oneof(fc.string(), anyValue),
    branches: anyValue,
    timeout: fc.oneof(oneOf('10m', '1h', 'x', '0s'), anyValue),
    retries: anyValue,
    owners: anyValue,
    env: anyValue,
  },
  { requiredKeys: [] },
);
const manifest = fc.record(
  {
    version: fc.oneof(fc.constant(1), anyValue),
    tasks: fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), task, { maxKeys: 6 }), anyValue),
  },
  { requiredKeys: [] },
);

// configurations the schema accepts, so that patterns and globs reach their own checks
const validish = fc.record({
  repo: fc.record({ id: fc.string({ minLength: 1 }) }),
  policy: fc.record({
    rules: fc.array(
      fc.oneof(
        fc.record({ rule: fc.constant('message'), pattern: fc.string(), forbid: fc.array(fc.string(), { maxLength: 2 }) }),
        fc.record({ rule: fc.constant('branch'), names: fc.string() }),
        fc.record({ rule: fc.constant('tags'), protect: fc.string() }),
        fc.record({
          rule: fc.constant('paths'),
          deny: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.constant(['*']), { maxKeys: 3 }),
        }),
        fc.record({
          rule: fc.constant('files'),
          forbid: fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
          maxBytes: fc.integer({ min: 1 }),
        }),
      ),
      { maxLength: 4 },
    ),
  }),
});

function onlyTaskgateErrors(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof TaskgateError)) throw error;
    expect(error.code).toMatch(/^ERR_[A-Z_]+$/);
    expect(error.hint.length).toBeGreaterThan(0);
  }
}

describe('fuzzing the parsers', () => {
  it('the configuration loader: any JSON, or any text, gives a configuration or a TaskgateError', () => {
    const dir = tempDir('tg-fuzz-');
    mkdirSync(join(dir, '.hg'));
    const file = join(dir, '.hg', 'taskgate.json');
    fc.assert(
      fc.property(
        fc.oneof(
          validish.map((c) => JSON.stringify(c)),
          config.map((c) => JSON.stringify(c)),
          anyValue.map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        (text) => {
          writeFileSync(file, text);
          onlyTaskgateErrors(() => loadConfig({ root: dir }));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the manifest parser: any JSON, or any bytes, gives a manifest or errors, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          manifest.map((m) => JSON.stringify(m)),
          anyValue.map((v) => JSON.stringify(v)),
          fc.string(),
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        ),
        (content) => {
          const result = parseManifest(content, 'tasks.json');
          if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 600 },
    );
  });
});
