/** The link that ends a pusher's report (DESIGN §17): the push's page on the web UI, when `server.url` is set. */
import type { TaskgateConfig } from './config-types.js';

/** `taskgate: details: URL/pushes/ID`, or null without `server.url` or a transaction id (the push has no page of its own). */
export function detailsLine(config: TaskgateConfig, pushId: string | null): string | null {
  const base = config.server?.url;
  if (!base || !pushId) return null;
  return `taskgate: details: ${base.replace(/\/+$/, '')}/pushes/${encodeURIComponent(pushId)}`;
}
