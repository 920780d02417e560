// The signing key file: `keys init` and `rotate` (private, mode 0600), the active key, and the public JWKS with retired keys still in use.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { KeyFile, SigningAlg, StoredKey } from './token-types.js';

function writePrivate(path: string, file: KeyFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function readKeyFile(path: string): KeyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TaskgateError(
      'ERR_KEYS_MISSING',
      `signing keys ${path} cannot be read (${code ?? 'error'})`,
      code === 'ENOENT'
        ? 'create them with `taskgate keys init`'
        : 'make the key file readable by the account that serves pushes (mode 0600)',
    );
  }
  try {
    const file = JSON.parse(text) as KeyFile;
    if (file.version !== 1 || !Array.isArray(file.keys) || file.keys.length === 0) throw new Error('no keys');
    return file;
  } catch {
    throw new TaskgateError(
      'ERR_KEYS_INVALID',
      `signing keys ${path} are not a taskgate key file`,
      'restore it from a backup, or create new keys with `taskgate keys init --force`',
    );
  }
}

async function newKey(alg: SigningAlg, now: Date): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(
    alg,
    alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true },
  );
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg,
    createdAt: now.toISOString(),
    retiredAt: null,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
  };
}

/** `taskgate keys init`: a new signing key, private file mode 0600. Refuses to overwrite unless `force`. */
export async function initKeys(path: string, alg: SigningAlg, now = new Date(), force = false): Promise<StoredKey> {
  if (existsSync(path) && !force) {
    throw new TaskgateError(
      'ERR_KEYS_EXIST',
      `signing keys ${path} already exist`,
      'use `taskgate keys rotate` to replace the signing key',
    );
  }
  const key = await newKey(alg, now);
  writePrivate(path, { version: 1, keys: [key] });
  return key;
}

/** `taskgate keys rotate`: a new key signs from now on; the old ones stay published until their tokens expire. */
export async function rotateKeys(
  path: string,
  alg: SigningAlg,
  maxTokenLifetimeSeconds: number,
  now = new Date(),
): Promise<{ key: StoredKey; retired: string[]; dropped: string[] }> {
  const file = readKeyFile(path);
  const key = await newKey(alg, now);
  const retired: string[] = [];
  for (const k of file.keys) {
    if (k.retiredAt === null) {
      k.retiredAt = now.toISOString();
      retired.push(k.kid);
    }
  }
  const keep = file.keys.filter((k) => k.retiredAt === null || Date.parse(k.retiredAt) + maxTokenLifetimeSeconds * 1000 > now.getTime());
  const dropped = file.keys.filter((k) => !keep.includes(k)).map((k) => k.kid);
  writePrivate(path, { version: 1, keys: [key, ...keep] });
  return { key, retired, dropped };
}

/** The key that signs now. */
export function activeKey(file: KeyFile): StoredKey {
  const key = file.keys.find((k) => k.retiredAt === null);
  if (!key) throw new TaskgateError('ERR_KEYS_INVALID', 'the key file has no active signing key', 'run `taskgate keys rotate`');
  return key;
}

export async function importSigningKey(key: StoredKey): Promise<CryptoKey> {
  return (await importJWK(key.privateJwk as JWK, key.alg)) as CryptoKey;
}

/** The public JWKS: the active key and every retired key whose tokens may still be alive. */
export function publicJwks(file: KeyFile, maxTokenLifetimeSeconds: number, now = new Date()): { keys: JWK[] } {
  return {
    keys: file.keys
      .filter((k) => k.retiredAt === null || Date.parse(k.retiredAt) + maxTokenLifetimeSeconds * 1000 > now.getTime())
      .map((k) => k.publicJwk as JWK),
  };
}
