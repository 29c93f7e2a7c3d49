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
export async function loggedInHome(
  server: HttpTestServer,
  count: number,
  now: () => Date = () => new Date(),
): Promise<{ home: string; ids: string[]; queue: () => Promise<Queue> }> {
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
    context: {
      projectUuid: '550e8400-e29b-41d4-a716-446655440000',
      projectSlug: 'demo',
      teamSlug: 'team-a',
      gitBranch: 'main',
      headCommitSha: null,
      repoSlug: null,
    },
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
    body: {
      results: idsOf(req).map((id, i) => ({
        event_id: id,
        status: status(id, i),
        ...(status(id, i) === 'rejected' ? { error: 'Invalid payload: missing field', code: 'schema_mismatch' } : {}),
      })),
    },
  });

/** What the fault server does with a batch request: answer like the test-utils server, or misbehave on the raw socket. */
export type FaultMode =
  | { readonly kind: 'answer'; readonly status?: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly kind: 'stall-body' }
  | { readonly kind: 'never-answer' };

/**
 * A loopback server (node:http, 127.0.0.1, port 0) with the token endpoints of {@link startServer} and a batch
 * route that can stall after the headers or never answer. `close()` destroys every open connection.
 */
export async function startFaultServer(options: { readonly access?: string; readonly refresh?: string } = {}): Promise<{
  url: string;
  batchRequests: () => number;
  setBatch: (f: (ids: string[]) => FaultMode) => void;
  close: () => Promise<void>;
}> {
  const { createServer } = await import('node:http');
  const { gunzipSync } = await import('node:zlib');
  const sockets = new Set<import('node:net').Socket>();
  let batch: (ids: string[]) => FaultMode = () => ({ kind: 'never-answer' });
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      if (req.url === '/api/v1/token/' || req.url === '/api/v1/token/refresh/') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access: options.access ?? 'acc-0', refresh: options.refresh ?? 'ref-0', team_slug: 'team-a' }));
        return;
      }
      count += 1;
      const ids = ((JSON.parse(text) as { events?: Array<{ event_id: string }> }).events ?? []).map((e) => e.event_id);
      const mode = batch(ids);
      if (mode.kind === 'never-answer') return;
      if (mode.kind === 'stall-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"results": [');
        return;
      }
      res.writeHead(mode.status ?? 200, { 'content-type': 'application/json', ...mode.headers });
      res.end(typeof mode.body === 'string' ? mode.body : JSON.stringify(mode.body));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    batchRequests: () => count,
    setBatch: (f) => {
      batch = f;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A home with sync configured for `url`, logged in as ada, with `count` events queued. */
export async function loggedInHomeAt(url: string, count: number): Promise<{ home: string; ids: string[]; queue: () => Promise<Queue> }> {
  const home = tempDir();
  const now = () => new Date();
  updateSyncConfig(home, { server_url: url });
  await login({ homeDir: home, serverUrl: url, now, username: 'ada', password: 'pw-secret-1' });
  const open = () => openQueue({ homeDir: home, scope: { serverUrl: url, username: 'ada' }, now });
  const ids = await enqueue(await open(), count, now);
  return { home, ids, queue: open };
}
