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
  const ready = new NameHeap();
  for (const [name, d] of indegree) if (d === 0) ready.push(name);
  const order: string[] = [];
  while (ready.size > 0) {
    const name = ready.pop();
    order.push(name);
    for (const dep of dependents.get(name) ?? []) {
      const left = indegree.get(dep)! - 1;
      indegree.set(dep, left);
      if (left === 0) ready.push(dep);
    }
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
  return [...path.slice(seen.get(current)), current];
}

/** A binary min-heap of names: the next ready task by name, in O(log n). */
class NameHeap {
  private readonly items: string[] = [];

  get size(): number {
    return this.items.length;
  }

  push(name: string): void {
    const a = this.items;
    a.push(name);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const up = a[parent]!;
      if (up <= name) break;
      // a plain swap: a destructuring one allocates an array per step before the JIT warms up
      a[i] = up;
      a[parent] = name;
      i = parent;
    }
  }

  pop(): string {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        const down = a[m]!;
        a[m] = a[i]!;
        a[i] = down;
        i = m;
      }
    }
    return top;
  }
}
