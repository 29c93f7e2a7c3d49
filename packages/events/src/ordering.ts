import { describeValue } from '@kitty/errors';
import { EventsError } from './errors.js';
import { assertArray, assertObject } from './_assert.js';

/** The fields ordering and conflict detection look at. */
export interface OrderedEvent {
  readonly event_id: string;
  readonly aggregate_id: string;
  readonly lamport_clock: number;
  readonly node_id: string;
  readonly causation_id?: string | null;
}

/** Two events are concurrent when they share a Lamport value and an aggregate but are different events. */
export function isConcurrent(a: OrderedEvent, b: OrderedEvent): boolean {
  assertObject(a, 'isConcurrent', 'two events');
  assertObject(b, 'isConcurrent', 'two events');
  return a.lamport_clock === b.lamport_clock && a.aggregate_id === b.aggregate_id && a.event_id !== b.event_id;
}

/** Total order: Lamport clock, then node id, then event id (so equal clocks never tie). */
export function compareEvents(a: OrderedEvent, b: OrderedEvent): number {
  assertObject(a, 'compareEvents', 'two events');
  assertObject(b, 'compareEvents', 'two events');
  if (a.lamport_clock !== b.lamport_clock) return a.lamport_clock - b.lamport_clock;
  if (a.node_id !== b.node_id) return a.node_id < b.node_id ? -1 : 1;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/** Groups of mutually concurrent events (same Lamport value and aggregate), each with two or more events. */
export function findConcurrentGroups<T extends OrderedEvent>(events: readonly T[]): T[][] {
  assertArray(events, 'findConcurrentGroups', 'events');
  const groups = new Map<string, Map<string, T>>();
  for (const e of events) {
    const key = `${e.aggregate_id}\u0000${e.lamport_clock}`;
    const g = groups.get(key) ?? new Map<string, T>();
    if (!g.has(e.event_id)) g.set(e.event_id, e);
    groups.set(key, g);
  }
  return [...groups.values()].filter((g) => g.size > 1).map((g) => [...g.values()].sort(compareEvents));
}

/**
 * Orders events so that every event comes after the event named by its `causation_id` (Kahn's algorithm).
 * Parents missing from the input are treated as roots; roots keep their input order. A cycle throws
 * `CYCLIC_CAUSATION` naming the events involved.
 */
export function topologicalSort<T extends OrderedEvent>(events: readonly T[]): T[] {
  if (!Array.isArray(events)) {
    throw new EventsError('INVALID_ARGUMENT', `topologicalSort needs an array of events; got ${describeValue(events)}.`);
  }
  const byId = new Map<string, T>();
  for (const e of events) if (!byId.has(e.event_id)) byId.set(e.event_id, e);
  const children = new Map<string, string[]>();
  const indegree = new Map<string, number>();
  for (const e of byId.values()) {
    indegree.set(e.event_id, 0);
  }
  for (const e of byId.values()) {
    const parent = e.causation_id;
    if (parent && byId.has(parent) && parent !== e.event_id) {
      children.set(parent, [...(children.get(parent) ?? []), e.event_id]);
      indegree.set(e.event_id, (indegree.get(e.event_id) ?? 0) + 1);
    } else if (parent === e.event_id) {
      indegree.set(e.event_id, 1); // an event caused by itself is a cycle of one
    }
  }
  const order = [...byId.keys()];
  const ready = order.filter((id) => indegree.get(id) === 0);
  const out: T[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    out.push(byId.get(id) as T);
    for (const child of children.get(id) ?? []) {
      const d = (indegree.get(child) ?? 0) - 1;
      indegree.set(child, d);
      if (d === 0) ready.push(child);
    }
  }
  if (out.length < byId.size) {
    const stuck = order.filter((id) => (indegree.get(id) ?? 0) > 0);
    throw new EventsError(
      'CYCLIC_CAUSATION',
      `Cyclic dependency detected: ${stuck.length} events could not be sorted due to circular causation relationships (${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', …' : ''}).`,
      { details: { event_ids: stuck } },
    );
  }
  return out;
}
