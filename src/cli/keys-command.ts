// `taskgate keys`: the signing keys (init, rotate, jwks), and a remote worker's own key and trust configuration (DESIGN §14).
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { appendAudit } from '../audit/audit-log.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { newWorkerKey } from '../tokens/client-assertion.js';
import { initKeys, publicJwks, readKeyFile, rotateKeys } from '../tokens/key-store.js';
import { tokenLifetimes } from '../tokens/token-lifetimes.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const KEYS_USAGE =
  'taskgate keys init|rotate|jwks [-R REPO] [--force] | taskgate keys worker NAME --out WORKER.jwk [--trust WORKER-CONFIG.json [--ca CA.pem] [-R REPO]]';

/** `taskgate keys`: init (Ed25519, private file 0600), rotate (old public keys kept while their tokens live), jwks (public). */
export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(
    'keys',
    args,
    { ...REPO_OPTIONS, force: { type: 'boolean' }, out: { type: 'string' }, trust: { type: 'string' }, ca: { type: 'string' } },
    KEYS_USAGE,
  );
  if (positionals[0] === 'worker') {
    const code = await workerKey(positionals[1], values.out, io);
    if (values.ca && !values.trust)
      throw new TaskgateError('ERR_USAGE', 'taskgate keys worker: --ca goes with --trust (it is pinned there)', `usage: ${KEYS_USAGE}`);
    const ca = values.ca ? resolve(io.cwd, values.ca) : undefined;
    if (values.trust) writeWorkerTrust(repoConfig(values, io).config, resolve(io.cwd, values.trust), io, ca);
    return code;
  }
  const { config } = repoConfig(values, io);
  const path = config.tokens.keys;
  switch (positionals[0]) {
    case 'init': {
      const key = await initKeys(path, config.tokens.alg, io.now(), values.force ?? false);
      io.out(
        values.json
          ? `${JSON.stringify({ path, kid: key.kid, alg: key.alg })}\n`
          : `created signing key ${key.kid} (${key.alg}) in ${path} (mode 0600)\n`,
      );
      return EXIT.ok;
    }
    case 'rotate': {
      const r = await rotateKeys(path, config.tokens.alg, tokenLifetimes(config).longest, io.now());
      await appendAudit(config.audit.path, 'keys.rotated', { kid: r.key.kid, retired: r.retired, dropped: r.dropped }, io.now);
      io.out(
        values.json
          ? `${JSON.stringify({ kid: r.key.kid, retired: r.retired, dropped: r.dropped })}\n`
          : `new signing key ${r.key.kid}; retired ${r.retired.join(', ') || 'none'} (published until their tokens expire); dropped ${r.dropped.join(', ') || 'none'}\n`,
      );
      return EXIT.ok;
    }
    case 'jwks':
      io.out(`${JSON.stringify(publicJwks(readKeyFile(path), tokenLifetimes(config).longest, io.now()), null, 2)}\n`);
      return EXIT.ok;
    default:
      throw new TaskgateError('ERR_USAGE', `taskgate keys: unknown subcommand ${positionals[0] ?? '(none)'}`, `usage: ${KEYS_USAGE}`);
  }
}

/** `taskgate keys worker NAME --out FILE`: a worker's own key; prints the public JWK to register under worker.keys. */
async function workerKey(name: string | undefined, out: string | undefined, io: CliIo): Promise<number> {
  if (!name || !out) throw new TaskgateError('ERR_USAGE', 'taskgate keys worker: give NAME and --out FILE', `usage: ${KEYS_USAGE}`);
  const { privateJwk, publicJwk } = await newWorkerKey(name);
  writeFileSync(resolve(io.cwd, out), `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 });
  io.out(`${JSON.stringify(publicJwk)}\n`);
  return EXIT.ok;
}

/**
 * `--trust FILE`: the worker's own configuration pinning this service's issuer and JWKS (DESIGN §14), for a
 * remote worker's --config; the JWKS goes beside it. Copy both to the worker host again after `keys rotate`.
 * `--ca FILE`: the CA (PEM) that signed the service's TLS certificate, pinned as `worker.trust.ca`.
 */
function writeWorkerTrust(config: TaskgateConfig, file: string, io: CliIo, ca?: string): void {
  const jwks = file.replace(/(\.json)?$/, '.jwks.json');
  writeFileSync(
    jwks,
    `${JSON.stringify(publicJwks(readKeyFile(config.tokens.keys), tokenLifetimes(config).longest, io.now()), null, 2)}\n`,
  );
  const trust = { issuer: config.tokens.issuer, audience: config.tokens.audience, jwks, ...(ca ? { ca } : {}) };
  writeFileSync(file, `${JSON.stringify({ worker: { trust } }, null, 2)}\n`);
  io.err(`taskgate keys worker: ${file} pins issuer ${trust.issuer} and the JWKS in ${jwks}\n`);
}
