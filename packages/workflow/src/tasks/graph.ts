import type { FileProblem } from '../errors.js';
import { compareText } from '../files/order.js';

/** "`from` depends on `to`", and where that is written. */
export interface DependencyEdge {
  readonly from: string;
  readonly to: string;
  readonly path: string;
  readonly line: number;
  readonly col: number;
}

const at = (e: DependencyEdge): string => `${e.path}:${e.line}:${e.col}`;

/**
 * Checks a work-package dependency graph and returns one problem per fault, each at the place the dependency
 * is written: a dependency on an unknown work package, on itself, and every cycle (one problem per strongly
 * connected group, naming the loop and where each of its edges is written). Deterministic order.
 *
 * @example
 * validateDependencyGraph(['WP01', 'WP02'], [{ from: 'WP01', to: 'WP01', path: 'tasks.md', line: 4, col: 12 }])[0]?.message
 * // => 'WP01 cannot depend on itself'
 */
export function validateDependencyGraph(nodes: Iterable<string>, edges: readonly DependencyEdge[]): FileProblem[] {
  const known = new Set(nodes);
  const knownList = [...known].sort();
  const problems: FileProblem[] = [];
  const adj = new Map<string, DependencyEdge[]>();
  for (const e of edges) {
    if (e.from === e.to) {
      problems.push({ path: e.path, line: e.line, col: e.col, code: 'SELF_DEPENDENCY', message: `${e.from} cannot depend on itself` });
      continue;
    }
    if (!known.has(e.to)) {
      problems.push({
        path: e.path,
        line: e.line,
        col: e.col,
        code: 'UNKNOWN_DEPENDENCY',
        message: `${e.from} depends on ${e.to}, which is not defined (known work packages: ${knownList.join(', ') || 'none'})`,
      });
      continue;
    }
    const list = adj.get(e.from) ?? [];
    if (!list.some((x) => x.to === e.to)) list.push(e);
    adj.set(e.from, list);
  }
  for (const list of adj.values()) list.sort((a, b) => compareText(a.to, b.to));

  // Tarjan's strongly connected components; every component with more than one node holds a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const e of adj.get(v) ?? []) {
      if (!idx.has(e.to)) {
        strong(e.to);
        low.set(v, Math.min(low.get(v) as number, low.get(e.to) as number));
      } else if (onStack.has(e.to)) low.set(v, Math.min(low.get(v) as number, idx.get(e.to) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...adj.keys()].sort()) if (!idx.has(v)) strong(v);

  for (const group of groups.sort((a, b) => compareText(a[0] as string, b[0] as string))) {
    const members = new Set(group);
    // Walk from the smallest id along edges inside the group until a node repeats: that is one loop.
    const start = group[0] as string;
    const pathEdges: DependencyEdge[] = [];
    const visitedAt = new Map<string, number>([[start, 0]]);
    let node = start;
    for (;;) {
      const next = (adj.get(node) ?? []).find((e) => members.has(e.to)) as DependencyEdge;
      pathEdges.push(next);
      const seenAt = visitedAt.get(next.to);
      if (seenAt !== undefined) {
        const loop = pathEdges.slice(seenAt);
        const first = loop[0] as DependencyEdge;
        const names = [first.from, ...loop.map((e) => e.to)].join(' → ');
        problems.push({
          path: first.path,
          line: first.line,
          col: first.col,
          code: 'CIRCULAR_DEPENDENCY',
          message: `circular dependency ${names} (written at ${loop.map(at).join(', ')})${group.length > loop.length ? `; ${group.join(', ')} all depend on each other` : ''}`,
        });
        break;
      }
      visitedAt.set(next.to, pathEdges.length);
      node = next.to;
    }
  }
  return problems;
}

/** Work packages in dependency order (dependencies first; ties by id). Assumes the graph is acyclic. */
export function topologicalOrder(deps: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  const visit = (v: string, trail: Set<string>): void => {
    if (done.has(v) || trail.has(v)) return;
    trail.add(v);
    for (const d of [...(deps.get(v) ?? [])].sort()) if (deps.has(d)) visit(d, trail);
    trail.delete(v);
    done.add(v);
    out.push(v);
  };
  for (const v of [...deps.keys()].sort()) visit(v, new Set());
  return out;
}
