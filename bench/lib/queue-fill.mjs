// Fills a sandbox's sync queue through the libraries (@kitty/events builds valid envelopes, @kitty/queue stores
// them with enqueueMany in chunks), the same way the workflow commands queue their events.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let libs = null;

/** @kitty/queue and @kitty/events from their built dist (the root package does not depend on them). */
export async function loadQueueLibs(root) {
  libs ??= {
    queue: await import(pathToFileURL(path.join(root, 'packages/queue/dist/index.js')).href),
    events: await import(pathToFileURL(path.join(root, 'packages/events/dist/index.js')).href),
  };
  return libs;
}

const HOPS = [
  ['planned', 'claimed'],
  ['claimed', 'in_progress'],
  ['in_progress', 'for_review'],
];

/** `n` realistic event drafts (lane changes with some history notes) for a 20-WP feature. */
export function makeDrafts(events, n, { laneModel = '4-lane' } = {}) {
  const f = events.createEventFactory({
    nodeId: 'a1b2c3d4e5f6',
    now: () => new Date(),
    laneModel,
    context: { projectUuid: '550e8400-e29b-41d4-a716-446655440000', projectSlug: 'bench', teamSlug: 'bench', gitBranch: 'main', headCommitSha: null, repoSlug: 'bench/bench' },
  });
  const out = new Array(n);
  for (let i = 0; i < n; i += 1) {
    const wpId = `WP${String((i % 20) + 1).padStart(2, '0')}`;
    if (i % 4 === 3) {
      out[i] = f.historyAdded({ wpId, content: `Progress note ${i}: tests pass, refactoring the adapter.`, author: 'claude' });
    } else {
      const [from, to] = HOPS[i % 3];
      out[i] = f.wpStatusChanged({ featureSlug: '001-bench-feature', wpId, from, to, actor: 'claude', executionMode: 'worktree', reason: `move-task: ${from} -> ${to}` });
    }
  }
  return out;
}

/**
 * Adds `n` events to the queue of `scope` (null: the logged-out queue) under `homeDir`, in chunks of 1000.
 * Returns the queue depth afterwards and the time taken.
 */
export async function fillQueue(root, { homeDir, scope, n, chunk = 1000, capacity }) {
  const { queue, events } = await loadQueueLibs(root);
  const t0 = performance.now();
  const q = await queue.openQueue({ homeDir, scope, now: () => new Date(), ...(capacity === undefined ? {} : { capacity }) });
  try {
    for (let i = 0; i < n; i += chunk) await q.enqueueMany(makeDrafts(events, Math.min(chunk, n - i)));
    const stats = await q.stats();
    return { depth: stats.depth, ms: performance.now() - t0 };
  } finally {
    await q.close();
  }
}
