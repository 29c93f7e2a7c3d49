import { createEventFactory } from '@kitty/events';
import { openQueue } from '@kitty/queue';

/**
 * Queues `count` HistoryAdded events (`n0`, `n1`, …) for `username` on `serverUrl` in the queue of `home`, the way
 * a logged-in CLI would have; returns their event ids in order.
 */
export async function queueHistoryEvents(home: string, serverUrl: string, count: number, username = 'ada'): Promise<string[]> {
  const q = await openQueue({ homeDir: home, scope: { serverUrl, username }, now: () => new Date() });
  const f = createEventFactory({
    nodeId: 'a1b2c3d4e5f6',
    now: () => new Date(),
    context: {
      projectUuid: '550e8400-e29b-41d4-a716-446655440000',
      projectSlug: 'demo',
      teamSlug: 'team-a',
      gitBranch: 'main',
      headCommitSha: null,
      repoSlug: null,
    },
  });
  try {
    const stored = await q.enqueueMany(Array.from({ length: count }, (_, i) => f.historyAdded({ wpId: 'WP01', content: `n${i}` })));
    return stored.map((e) => e.event_id);
  } finally {
    await q.close();
  }
}
