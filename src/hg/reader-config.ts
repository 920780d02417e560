// Where the reader extension is, as the `--config` options that load it into hg.
import { fileURLToPath } from 'node:url';

/** The reader extension ships next to this module, in src/ and in the bundles alike. */
const READER = fileURLToPath(new URL('./taskgate_read.py', import.meta.url));

/** The `--config` options that load the reader: every read starts with them (and so does the gate's early session). */
export function readerConfig(): string[] {
  return ['--config', `extensions.taskgate_read=${READER}`];
}
