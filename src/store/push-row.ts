// A row of the pushes table as the push record it stores.
import type { PushRecord } from './store-types.js';

export type PushRow = Record<'id' | 'repo' | 'node' | 'node_last' | 'heads' | 'actor' | 'source' | 'created_at', string>;

export function toPush(row: PushRow): PushRecord {
  return {
    id: row.id,
    repo: row.repo,
    node: row.node,
    nodeLast: row.node_last,
    heads: JSON.parse(row.heads) as PushRecord['heads'],
    actor: JSON.parse(row.actor) as PushRecord['actor'],
    source: row.source as PushRecord['source'],
    createdAt: row.created_at,
  };
}
