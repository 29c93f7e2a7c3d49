import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { openQueue } from '@kitty/queue';
import { startIngestServer, type IngestServer } from '@kitty/ingest-server';
import { createHttpClient, login, sendBatch, syncNow, updateSyncConfig } from '@kitty/sync-client';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import {
  INVALID_EVENT_ID,
  buildContractFixtures,
  compareAnswer,
  expectationOf,
  frozenFixtureOptions,
  sendJson,
  type ContractFixture,
} from '../src/index.js';

afterAll(cleanupTempDirs);

let server: IngestServer;
beforeEach(async () => {
  server = await startIngestServer({ port: 0, users: [{ username: 'ada', password: 'secret', teamSlug: 'acme' }] });
});
afterEach(async () => {
  await server.close();
});

const fixtures = buildContractFixtures(frozenFixtureOptions());
const byName = new Map(fixtures.map((f) => [f.name, f]));
const fixture = (name: string) => byName.get(name) as ContractFixture;
const eventsOf = (name: string) => fixture(name).request.body.events as Array<Record<string, unknown>>;

async function token(): Promise<string> {
  const r = await sendJson(`${server.url}/api/v1/token/`, { username: 'ada', password: 'secret' }, { gzip: false, timeoutMs: 10_000 });
  return (r as { json: { access: string } }).json.access;
}

describe('the fixtures replayed against the reference server', () => {
  it('get the answers they document, sent with the CLI HTTP client (gzip, bearer)', async () => {
    const t = await token();
    for (const f of fixtures) {
      const x = await sendJson(`${server.url}${f.request.path}`, f.request.body, { gzip: true, token: t, timeoutMs: 10_000 });
      expect(x.kind).toBe('reply');
      if (x.kind !== 'reply') continue;
      const failed = compareAnswer(expectationOf(f.expected_response), x).filter((c) => !c.pass);
      expect({ fixture: f.name, failed }).toEqual({ fixture: f.name, failed: [] });
      // The reference server's answers are the documented examples, word for word.
      expect({ fixture: f.name, body: x.json }).toEqual({ fixture: f.name, body: f.expected_response.body });
    }
  });

  it('are classified by the sync client the way the contract says (sendBatch)', async () => {
    const t = await token();
    const client = createHttpClient({ timeoutMs: 10_000, bearer: { token: async () => t, refresh: async () => t } });
    const send = (name: string) => sendBatch(client, server.url, eventsOf(name), () => Date.now());
    const single = await send('01-single-event');
    expect(single).toEqual({
      kind: 'results',
      results: [{ eventId: eventsOf('01-single-event')[0]?.['event_id'], status: 'success' }],
      unknownIds: [],
    });
    const dup = await send('03-duplicate');
    expect(dup.kind === 'results' && dup.results.map((r) => r.status)).toEqual(['duplicate', 'success']);
    const rejected = await send('04-per-event-rejection');
    expect(rejected.kind === 'results' && rejected.results[1]).toMatchObject({
      status: 'rejected',
      code: 'schema_mismatch',
      category: 'schema_mismatch',
    });
    const bad = await send('05-bad-request-details');
    expect(bad).toMatchObject({
      kind: 'bad_request',
      perEvent: [{ eventId: INVALID_EVENT_ID, status: 'rejected', category: 'schema_mismatch' }],
    });
    for (const name of ['06-unknown-event-type', '07-invalid-lane', '08-lane-model-mismatch']) {
      const r = await send(name);
      expect({ name, r: r.kind === 'results' ? r.results.map((x) => [x.status, x.category]) : r.kind }).toEqual({
        name,
        r: [['rejected', 'schema_mismatch']],
      });
    }
  });

  it('run end to end through a real queue and syncNow: accepted events leave the queue, rejected ones stay, re-sends are duplicates', async () => {
    const home = tempDir();
    const now = () => new Date();
    updateSyncConfig(home, { server_url: server.url });
    await login({ homeDir: home, serverUrl: server.url, now, username: 'ada', password: 'secret' });
    const enqueue = async (events: Array<Record<string, unknown>>) => {
      const q = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now });
      await q.enqueueMany(events.map(({ lamport_clock: _l, ...draft }) => draft as { event_id: string; event_type: string }));
      await q.close();
    };
    const queued = [
      '01-single-event',
      '02-mixed-batch',
      '04-per-event-rejection',
      '06-unknown-event-type',
      '07-invalid-lane',
      '08-lane-model-mismatch',
    ].flatMap(eventsOf);
    await enqueue(queued);
    const first = await syncNow({ homeDir: home, env: {}, now });
    expect(first).toMatchObject({
      status: 'partial',
      synced: 8,
      duplicates: 0,
      failed: 4,
      remaining: 4,
      categories: { schema_mismatch: 4 },
    });
    expect(first.failures.map((f) => f.code)).toEqual(['schema_mismatch', 'unknown_event_type', 'invalid_lane', 'invalid_lane']);
    const accepted = queued.filter((e) => !first.failures.some((f) => f.event_id === e['event_id'])).map((e) => e['event_id']);
    expect((await server.listEvents()).map((e) => e.eventId)).toEqual(accepted);

    // 03: the event of 01 comes back (a lost answer) with a new one.
    await enqueue(eventsOf('03-duplicate'));
    const second = await syncNow({ homeDir: home, env: {}, now });
    expect(second).toMatchObject({ status: 'ok', synced: 1, duplicates: 1, failed: 0 });
    expect(await server.countEvents()).toBe(9);
  });
});
