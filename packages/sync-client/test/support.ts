import { createEventFactory, type EventDraft } from '@kitty/events';
import { openQueue, type Queue } from '@kitty/queue';
import { createHttpTestServer, tempDir, type HttpTestServer, type RecordedRequest } from '@kitty/test-utils';
import { login, updateSyncConfig } from '../src/index.js';

/** A loopback SaaS double with token endpoints; the batch route is scripted per test. */
export async function startServer(): Promise<HttpTestServer & { batchRequests(): RecordedRequest[]; refreshes(): number }> {
  const server = await createHttpTestServer();
  let n = 0;
  server.on('POST /api/v1/token/', { body: { access: 'acc-0', refresh: 'ref-0', team_slug: 'team-a' } });
  server.on('POST /api/v1/token/refresh/', (req) => {
    const b = req.json as { refresh?: string };
    if (b.refresh !== `ref-${n}`) return { status: 401, body: { code: 'token_not_valid' } };
    n += 1;
    return { body: { access: `acc-${n}`, refresh: `ref-${n}` } };
  });
  return Object.assign(server, {
    batchRequests: () => server.requests.filter((r) => r.url === '/api/v1/events/batch/'),
    refreshes: () => server.requests.filter((r) => r.url === '/api/v1/token/refresh/').length,
  });
}

/** Events of one batch request. */
export const idsOf = (req: RecordedRequest | undefined): string[] =>
  ((req?.json as { events?: Array<{ event_id: string }> } | undefined)?.events ?? []).map((e) => e.event_id);

/** A home with sync configured for `server`, logged in as ada, and `count` HistoryAdded events queued. */
export async function loggedInHome(server: HttpTestServer, count: number, now: () => Date = () => new Date()): Promise<{ home: string; ids: string[]; queue: () => Promise<Queue> }> {
  const home = tempDir();
  updateSyncConfig(home, { server_url: server.url });
  await login({ homeDir: home, serverUrl: server.url, now, username: 'ada', password: 'pw' });
  const open = () => openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now });
  const ids = await enqueue(await open(), count, now);
  return { home, ids, queue: open };
}

/** Enqueues `count` valid events and closes the queue; returns their ids in order. */
export async function enqueue(queue: Queue, count: number, now: () => Date = () => new Date()): Promise<string[]> {
  const events = createEventFactory({
    nodeId: 'a1b2c3d4e5f6',
    now,
    context: { projectUuid: '550e8400-e29b-41d4-a716-446655440000', projectSlug: 'demo', teamSlug: 'team-a', gitBranch: 'main', headCommitSha: null, repoSlug: null },
  });
  const drafts: EventDraft[] = Array.from({ length: count }, (_, i) => events.historyAdded({ wpId: 'WP01', content: `note ${i}` }));
  const stored = await queue.enqueueMany(drafts);
  await queue.close();
  return stored.map((e) => e.event_id);
}

/** Answers every event of a batch with `status` (default success). */
export const answerAll =
  (status: (id: string, i: number) => 'success' | 'duplicate' | 'rejected' = () => 'success') =>
  (req: RecordedRequest) => ({
    body: { results: idsOf(req).map((id, i) => ({ event_id: id, status: status(id, i), ...(status(id, i) === 'rejected' ? { error: 'Invalid payload: missing field', code: 'schema_mismatch' } : {}) })) },
  });

