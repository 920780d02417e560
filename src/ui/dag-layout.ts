// A layered layout of a job DAG (edges = requires): layers by longest path from the roots, order in a layer by the barycentre of its parents.

export interface DagNode {
  id: string;
  label: string;
  status: string;
  requires: string[];
}

export interface PlacedNode extends DagNode {
  layer: number;
  x: number;
  y: number;
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: Array<{ from: string; to: string; path: string }>;
  width: number;
  height: number;
}

export const NODE_W = 168;
export const NODE_H = 34;
const GAP_X = 56;
const GAP_Y = 14;
const PAD = 8;

/** Longest-path layers (Kahn's order, no recursion); a node on a cycle (never stored: the manifest refuses one) stays in layer 0. */
function layersOf(nodes: DagNode[]): Map<string, number> {
  const ids = new Set(nodes.map((n) => n.id));
  const children = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const n of nodes) {
    const reqs = [...new Set(n.requires)].filter((r) => ids.has(r) && r !== n.id);
    waiting.set(n.id, reqs.length);
    for (const r of reqs) (children.get(r) ?? children.set(r, []).get(r)!).push(n.id);
  }
  const layer = new Map<string, number>(nodes.map((n) => [n.id, 0] as const));
  const queue = nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const c of children.get(id) ?? []) {
      layer.set(c, Math.max(layer.get(c)!, layer.get(id)! + 1));
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) queue.push(c);
    }
  }
  return layer;
}

/** Places the nodes left to right, one column per layer; edges as curves from a parent's right side to a child's left. */
export function layoutDag(nodes: DagNode[]): DagLayout {
  const layer = layersOf(nodes);
  const columns: DagNode[][] = [];
  for (const n of nodes) (columns[layer.get(n.id)!] ??= []).push(n);
  const row = new Map<string, number>();
  columns.forEach((col) => {
    const centre = (n: DagNode) => {
      const ps = n.requires.map((r) => row.get(r)).filter((v): v is number => v !== undefined);
      return ps.length === 0 ? Number.POSITIVE_INFINITY : ps.reduce((a, b) => a + b, 0) / ps.length;
    };
    const keyed = col.map((n, i) => ({ n, c: centre(n), i }));
    keyed.sort((a, b) => (a.c === b.c ? a.i - b.i : a.c - b.c));
    keyed.forEach((k, i) => row.set(k.n.id, i));
    col.splice(0, col.length, ...keyed.map((k) => k.n));
  });
  const placed = new Map<string, PlacedNode>();
  columns.forEach((col, l) =>
    col.forEach((n, i) => placed.set(n.id, { ...n, layer: l, x: PAD + l * (NODE_W + GAP_X), y: PAD + i * (NODE_H + GAP_Y) })),
  );
  const edges: DagLayout['edges'] = [];
  for (const n of placed.values()) {
    for (const r of n.requires) {
      const p = placed.get(r);
      if (!p) continue;
      const x1 = p.x + NODE_W;
      const y1 = p.y + NODE_H / 2;
      const x2 = n.x;
      const y2 = n.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      // an edge that skips layers dips below the rows it passes, instead of running under the nodes between
      const dip = Math.max(y1, y2) + NODE_H / 2 + GAP_Y / 2;
      const path =
        n.layer - p.layer > 1
          ? `M${x1},${y1} C${x1 + GAP_X},${dip} ${x2 - GAP_X},${dip} ${x2},${y2}`
          : `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
      edges.push({ from: r, to: n.id, path });
    }
  }
  const tallest = Math.max(0, ...columns.map((c) => c.length));
  return {
    nodes: [...placed.values()],
    edges,
    width: Math.max(NODE_W + 2 * PAD, PAD * 2 + columns.length * (NODE_W + GAP_X) - GAP_X),
    height: Math.max(NODE_H + 2 * PAD, PAD * 2 + tallest * (NODE_H + GAP_Y)),
  };
}
