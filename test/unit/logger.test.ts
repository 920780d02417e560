// The log writes JSON lines to its file, with tokens, keys and secrets redacted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getLogger } from '../../src/log/logger.js';
import { tempDir } from '../helpers/hg-fixture.js';

describe('log', () => {
  it('writes JSON lines to a file, with tokens, keys and secrets redacted', async () => {
    const path = join(tempDir(), 'log', 'taskgate.log');
    const log = await getLogger(path);
    log.info({ token: 'eyJhbGciOi.secret.token', job: { token: 'nested-secret' }, jti: 'abc-123', privateKey: 'PRIVATE' }, 'minted');
    const text = readFileSync(path, 'utf8');
    expect(JSON.parse(text.trim())).toMatchObject({ msg: 'minted', jti: 'abc-123', token: '[redacted]', job: { token: '[redacted]' } });
    for (const secret of ['eyJhbGciOi.secret.token', 'nested-secret', 'PRIVATE']) expect(text).not.toContain(secret);
  });
});
