// chownTree hands a job's folder to the task account: every entry changes owner, and never what a link points at.
import { lstatSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chownTree } from '../../src/sandbox/chown-tree.js';

/**
 * A root worker hands each job's folder to the task account in process (no `chown -R` per
 * job). A link in the archive must never hand its target to the task: the link itself
 * changes owner, what it points at does not, and a linked folder is not walked.
 */
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)('chownTree', () => {
  it('changes every entry, and never what a link points at', () => {
    const base = mkdtempSync(join(tmpdir(), 'taskgate-chown-'));
    const outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'x');
    const job = join(base, 'job');
    mkdirSync(join(job, 'src', 'deep'), { recursive: true });
    writeFileSync(join(job, 'src', 'deep', 'a.txt'), 'a');
    symlinkSync(outside, join(job, 'src', 'to-folder'));
    symlinkSync(join(outside, 'secret'), join(job, 'to-file'));
    chownTree(job, 65534, 65534);
    for (const p of [job, join(job, 'src'), join(job, 'src', 'deep'), join(job, 'src', 'deep', 'a.txt')])
      expect(statSync(p).uid, p).toBe(65534);
    for (const p of [join(job, 'src', 'to-folder'), join(job, 'to-file')]) expect(lstatSync(p).uid, p).toBe(65534);
    for (const p of [outside, join(outside, 'secret')]) expect(statSync(p).uid, p).toBe(0);
  });
});
