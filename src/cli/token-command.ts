// `taskgate token verify`: a job token checked as DESIGN §8 pins it, against the repository's JWKS or a published one; prints its claims.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { publicJwks, readKeyFile } from '../tokens/key-store.js';
import type { Jwks } from '../tokens/token-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { EXIT, exitCodeOf } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { tokenLifetimes } from '../tokens/token-lifetimes.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const TOKEN_USAGE = 'taskgate token verify TOKEN|- [-R REPO] [--jwks FILE --issuer URL [--audience AUD]] [--json]';

/**
 * `taskgate token verify`: the pinned checks of DESIGN §8 against the repository's JWKS, or,
 * away from the repository, a published JWKS with the issuer named; prints the claims.
 */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(
    'token',
    args,
    { ...REPO_OPTIONS, jwks: { type: 'string' }, issuer: { type: 'string' }, audience: { type: 'string' } },
    TOKEN_USAGE,
  );
  if (positionals[0] !== 'verify' || !positionals[1])
    throw new TaskgateError('ERR_USAGE', 'taskgate token: give `verify TOKEN`', `usage: ${TOKEN_USAGE}`);
  const token = (positionals[1] === '-' ? readFileSync(0, 'utf8') : positionals[1]).trim();
  // with a JWKS and an issuer nothing is read from a repository: a verifier anywhere
  const standalone = values.jwks !== undefined && values.issuer !== undefined && values.repository === undefined;
  const config = standalone ? null : repoConfig(values, io).config;
  const jwks = values.jwks
    ? readJwks(resolve(io.cwd, values.jwks))
    : publicJwks(readKeyFile(config!.tokens.keys), tokenLifetimes(config!).longest, io.now());
  const issuer = values.issuer ?? config!.tokens.issuer;
  const audience = values.audience ?? config?.tokens.audience ?? DEFAULT_CONFIG.tokens.audience;
  try {
    const v = await verifyJobToken(token, jwks, { issuer, audience, now: io.now() });
    io.out(
      values.json
        ? `${JSON.stringify({ ok: true, kind: v.kind, header: v.header, claims: v.claims })}\n`
        : `valid ${v.kind} token (kid ${String(v.header['kid'])})\n${JSON.stringify(v.claims, null, 2)}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof TaskgateError && error.code === 'ERR_TOKEN_INVALID') {
      io.out(values.json ? `${JSON.stringify({ ok: false, error: error.toJSON() })}\n` : `invalid token: ${error.message}\n`);
      return exitCodeOf(error.code);
    }
    throw error;
  }
}

function readJwks(path: string): Jwks {
  try {
    const jwks = JSON.parse(readFileSync(path, 'utf8')) as Jwks;
    if (!Array.isArray(jwks.keys)) throw new Error('no "keys" array');
    return jwks;
  } catch (error) {
    throw new TaskgateError(
      'ERR_USAGE',
      `taskgate token verify: ${path} is not a JWKS: ${(error as Error).message}`,
      "save the service's /.well-known/jwks.json, or the output of `taskgate keys jwks`",
    );
  }
}
