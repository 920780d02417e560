/**
 * Topological order of a task graph (requires first), ties broken by name, or the tasks
 * of one cycle when there is one. Kahn's algorithm: iterative, so a 1,000-deep chain is fine.
 */
export function topoOrder(requires: Map<string, readonly string[]>): { order: string[]; cycle: string[] | null } {
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [name, reqs] of requires) {
    indegree.set(name, reqs.length);
    for (const r of reqs) {
      let list = dependents.get(r);
      if (!list) dependents.set(r, (list = []));
      list.push(name);
    }
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n).sort();
  const order: string[] = [];
  // A sorted array used as a priority queue; re-sorting only when something is added keeps it simple and fast enough.
  while (ready.length > 0) {
    const name = ready.shift()!;
    order.push(name);
    let added = false;
    for (const dep of dependents.get(name) ?? []) {
      const left = indegree.get(dep)! - 1;
      indegree.set(dep, left);
      if (left === 0) {
        ready.push(dep);
        added = true;
      }
    }
    if (added) ready.sort();
  }
  if (order.length === requires.size) return { order, cycle: null };
  return { order, cycle: findCycle(requires, new Set(order)) };
}

function findCycle(requires: Map<string, readonly string[]>, done: Set<string>): string[] {
  // Walk requires from any unfinished task; every unfinished task has an unfinished requirement.
  const start = [...requires.keys()].filter((n) => !done.has(n)).sort()[0]!;
  const seen = new Map<string, number>();
  const path: string[] = [];
  let current = start;
  while (!seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    current = (requires.get(current) ?? []).filter((r) => !done.has(r)).sort()[0]!;
  }
  return [...path.slice(seen.get(current)!), current];
}
