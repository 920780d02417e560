// The page templates (Eta, escaping every interpolation) and the static assets, found next to this module in src/ or dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';

const here = dirname(fileURLToPath(import.meta.url));

/** src/ui/{views,assets} when run from the sources; dist/ui/{views,assets} from the bundle; the sources' from another bundle at the top (the bench's). */
function folder(name: string): string {
  for (const dir of [join(here, name), join(here, 'ui', name), join(here, '..', 'src', 'ui', name)]) if (existsSync(dir)) return dir;
  throw new Error(`the web UI's ${name} are missing: rebuild taskgate`);
}

/** C0 and C1 control bytes show as \xNN: a branch or file name cannot hide text or move the cursor. */
export function visible(value: unknown): string {
  if (value === null || value === undefined) return '';
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

let eta: Eta | null = null;

/** The one template engine: autoEscape on, every interpolation filtered through `visible`. */
function engine(): Eta {
  eta ??= new Eta({ views: folder('views'), autoEscape: true, autoFilter: true, filterFunction: visible, cache: true });
  return eta;
}

export function render(view: string, data: object): string {
  return engine().render(view, data);
}

export interface Asset {
  type: string;
  body: Buffer;
}

/** The static files pages load (same origin only: CSP default-src 'self'). */
export function loadAssets(): Map<string, Asset> {
  const dir = folder('assets');
  const types: Record<string, string> = { 'live.js': 'text/javascript; charset=utf-8', 'style.css': 'text/css; charset=utf-8' };
  return new Map(Object.entries(types).map(([name, type]) => [name, { type, body: readFileSync(join(dir, name)) }] as const));
}
