/** Finds an executable on PATH, as a shell would, without starting one. */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export function findTool(name: string, path = process.env['PATH'] ?? '/usr/bin:/bin'): string | null {
  for (const dir of path.split(':')) {
    if (!dir.startsWith('/')) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}
