// One job DAG in four forms: SVG (for pages and docs), Graphviz dot, Mermaid and JSON.
import { NODE_H, NODE_W, layoutDag, type DagLayout, type DagNode } from './dag-layout.js';
import type { StoredJob } from '../store/store-types.js';
import { render } from './views.js';

/** One node per job, labelled by task (and head, when the jobs span several heads). */
export function jobNodes(jobs: StoredJob[]): DagNode[] {
  const heads = new Set(jobs.map((j) => j.rev));
  return jobs.map((j) => ({
    id: j.id,
    label: heads.size > 1 ? `${j.task} @${j.rev.slice(0, 6)}` : j.task,
    status: j.status,
    requires: j.requires,
  }));
}

/** Status colours, the same in the pages' stylesheet and in a standalone SVG. */
export const STATUS_COLOURS: Record<string, { fill: string; text: string }> = {
  pending: { fill: '#d0d4da', text: '#1d232b' },
  ready: { fill: '#9cc3f0', text: '#0b2540' },
  running: { fill: '#f3c64f', text: '#3a2a00' },
  done: { fill: '#5cb85c', text: '#ffffff' },
  failed: { fill: '#d9534f', text: '#ffffff' },
  upstream_failed: { fill: '#f0a8a6', text: '#4a0d0b' },
  cancelled: { fill: '#8a8f98', text: '#ffffff' },
  expired: { fill: '#b58ad6', text: '#ffffff' },
  planned: { fill: '#ffffff', text: '#1d232b' },
};

const colours = (status: string) => STATUS_COLOURS[status] ?? STATUS_COLOURS['pending']!;

/** A label that fits its box: long task names are cut with an ellipsis (the full name is the node's title). */
function fit(label: string): string {
  const max = Math.floor((NODE_W - 16) / 7);
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** SVG through the escaping template engine; nodes link to their job pages when `links`. */
export function dagSvg(layout: DagLayout, options: { links: boolean; standalone: boolean }): string {
  return render('./dag', {
    ...layout,
    nodeW: NODE_W,
    nodeH: NODE_H,
    links: options.links,
    standalone: options.standalone,
    nodes: layout.nodes.map((n) => ({ ...n, short: fit(n.label), colour: colours(n.status) })),
  });
}

/** A string as a dot ID: a double-quoted string with backslash escapes (the dot language's own quoting). */
const dotId = (s: string) => JSON.stringify(s);

export function dagDot(nodes: DagNode[]): string {
  const lines = ['digraph jobs {', '  rankdir=LR;', '  node [shape=box, style="rounded,filled", fontname="sans-serif"];'];
  for (const n of nodes)
    lines.push(`  ${dotId(n.id)} [label=${dotId(n.label)}, tooltip=${dotId(n.status)}, fillcolor=${dotId(colours(n.status).fill)}];`);
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) for (const r of n.requires) if (ids.has(r)) lines.push(`  ${dotId(r)} -> ${dotId(n.id)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Mermaid labels are quoted strings where `"` must be written #quot; and markup is not interpreted in strict mode. */
const mermaidLabel = (s: string) =>
  `"${s
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')}"`;

export function dagMermaid(nodes: DagNode[]): string {
  const index = new Map(nodes.map((n, i) => [n.id, `j${i}`] as const));
  const lines = ['flowchart LR'];
  for (const n of nodes)
    lines.push(`  ${index.get(n.id)}[${mermaidLabel(`${n.label} (${n.status})`)}]:::${n.status.replace(/[^a-z_]/g, '')}`);
  for (const n of nodes) for (const r of n.requires) if (index.has(r)) lines.push(`  ${index.get(r)} --> ${index.get(n.id)}`);
  for (const [status, c] of Object.entries(STATUS_COLOURS)) lines.push(`  classDef ${status} fill:${c.fill},color:${c.text}`);
  return `${lines.join('\n')}\n`;
}

export function dagJson(nodes: DagNode[]): string {
  const layout = layoutDag(nodes);
  return `${JSON.stringify({
    nodes: layout.nodes.map((n) => ({ id: n.id, label: n.label, status: n.status, requires: n.requires, layer: n.layer })),
    edges: layout.edges.map((e) => ({ from: e.from, to: e.to })),
  })}\n`;
}

export type DagFormat = 'svg' | 'dot' | 'mermaid' | 'json';

export function formatDag(nodes: DagNode[], format: DagFormat): string {
  if (format === 'dot') return dagDot(nodes);
  if (format === 'mermaid') return dagMermaid(nodes);
  if (format === 'json') return dagJson(nodes);
  return `${dagSvg(layoutDag(nodes), { links: false, standalone: true })}\n`;
}
