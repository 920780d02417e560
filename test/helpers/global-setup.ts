// Vitest's global setup: builds the hook bundles once, since the hooks under test are the built ones.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The hooks under test are the built bundles: build once before any test runs. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--no-typecheck'], { stdio: 'inherit' });
}
