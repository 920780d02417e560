import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { publicJwks, readKeyFile } from '../tokens/key-store.js';
import type { Jwks } from '../tokens/token-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { maxTokenLifetime } from './keys-command.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const TOKEN_USAGE = 'taskgate token verify TOKEN|- [-R REPO] [--jwks FILE] [--json]';

/** `taskgate token verify`: the pinned checks of DESIGN §8 against the repository's JWKS; prints the claims. */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('token', args, { ...REPO_OPTIONS, jwks: { type: 'string' } }, TOKEN_USAGE);
  if (positionals[0] !== 'verify' || !positionals[1]) throw new TaskgateError('ERR_USAGE', 'taskgate token: give `verify TOKEN`', `usage: ${TOKEN_USAGE}`);
  const token = (positionals[1] === '-' ? readFileSync(0, 'utf8') : positionals[1]).trim();
  const { config } = repoConfig(values, io);
  const jwks = values.jwks
    ? (JSON.parse(readFileSync(resolve(io.cwd, values.jwks), 'utf8')) as Jwks)
    : publicJwks(readKeyFile(config.tokens.keys), maxTokenLifetime(config), io.now());
  try {
    const v = await verifyJobToken(token, jwks, { issuer: config.tokens.issuer, audience: config.tokens.audience, now: io.now() });
    io.out(values.json ? `${JSON.stringify({ ok: true, kind: v.kind, header: v.header, claims: v.claims })}\n`
      : `valid ${v.kind} token (kid ${String(v.header['kid'])})\n${JSON.stringify(v.claims, null, 2)}\n`);
    return CLI_EXIT.ok;
  } catch (error) {
    if (error instanceof TaskgateError && error.code === 'ERR_TOKEN_INVALID') {
      io.out(values.json ? `${JSON.stringify({ ok: false, error: error.toJSON() })}\n` : `invalid token: ${error.message}\n`);
      return CLI_EXIT.failed;
    }
    throw error;
  }
}
