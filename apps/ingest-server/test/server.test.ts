import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { startIngestServer, type IngestServer, type IngestServerOptions } from '../src/index.js';
import { events, login, movableClock, postJson, request, statuses } from './support.js';

afterAll(cleanupTempDirs);

const servers: IngestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: IngestServerOptions = {}): Promise<IngestServer> {
  const s = await startIngestServer({ port: 0, users: [{ username: 'ada', password: 'secret', teamSlug: 'acme' }], ...options });
  servers.push(s);
  return s;
}

const batchUrl = (s: IngestServer) => `${s.url}/api/v1/events/batch/`;

describe('token endpoints', () => {
  it('logs in with username and password and returns tokens, lifetimes and the team', async () => {
    const s = await start({ accessLifetimeS: 60, refreshLifetimeS: 3600 });
    const r = await postJson(`${s.url}/api/v1/token/`, { username: 'ada', password: 'secret' }, { gzip: false });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      access: expect.stringMatching(/^kia_/),
      refresh: expect.stringMatching(/^kir_/),
      access_lifetime: 60,
      refresh_lifetime: 3600,
      team_slug: 'acme',
    });
    expect(r.json.access).not.toBe(r.json.refresh);
  });

  it('refuses wrong passwords, unknown users and malformed bodies without issuing tokens', async () => {
    const s = await start();
    const url = `${s.url}/api/v1/token/`;
    for (const body of [
      { username: 'ada', password: 'nope' },
      { username: 'bob', password: 'secret' },
    ]) {
      const r = await postJson(url, body, { gzip: false });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: expect.any(String), code: 'invalid_credentials' });
    }
    expect((await postJson(url, { username: 'ada' }, { gzip: false })).json).toMatchObject({ code: 'invalid_request' });
    expect((await postJson(url, '{"username": ', { gzip: false })).status).toBe(400);
    const get = await request(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('accepts any non-empty user in --allow-any-user mode, and needs some way to log in', async () => {
    const s = await start({ users: [], allowAnyUser: true, defaultTeamSlug: 'dev' });
    expect((await login(s.url, 'whoever', 'x')).team_slug).toBe('dev');
    await expect(startIngestServer({ port: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('rotates refresh tokens by default: the new one works, the old one is spent', async () => {
    const s = await start();
    const first = await login(s.url);
    const url = `${s.url}/api/v1/token/refresh/`;
    const r = await postJson(url, { refresh: first.refresh }, { gzip: false });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      access: expect.stringMatching(/^kia_/),
      refresh: expect.stringMatching(/^kir_/),
      access_lifetime: 900,
      team_slug: 'acme',
    });
    expect(r.json.refresh).not.toBe(first.refresh);
    expect((await postJson(url, { refresh: first.refresh }, { gzip: false })).json).toMatchObject({ code: 'token_not_valid' });
    expect((await postJson(url, { refresh: r.json.refresh }, { gzip: false })).status).toBe(200);
    expect((await postJson(batchUrl(s), { events: [] }, { token: r.json.access })).status).toBe(200);
  });

  it('keeps the refresh token when rotation is off (the answer has no refresh key)', async () => {
    const s = await start({ rotateRefreshTokens: false });
    const first = await login(s.url);
    const url = `${s.url}/api/v1/token/refresh/`;
    const a = await postJson(url, { refresh: first.refresh }, { gzip: false });
    const b = await postJson(url, { refresh: first.refresh }, { gzip: false });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.json.refresh).toBeUndefined();
  });

  it('expires access and refresh tokens after their configured lifetimes', async () => {
    const clock = movableClock();
    const s = await start({ now: clock.now, accessLifetimeS: 60, refreshLifetimeS: 600 });
    const t = await login(s.url);
    expect((await postJson(batchUrl(s), { events: [] }, { token: t.access })).status).toBe(200);
    clock.advance(61);
    const expired = await postJson(batchUrl(s), { events: [] }, { token: t.access });
    expect(expired.status).toBe(401);
    expect(expired.json.code).toBe('token_not_valid');
    expect(expired.headers.get('www-authenticate')).toContain('Bearer');
    const refreshed = await postJson(`${s.url}/api/v1/token/refresh/`, { refresh: t.refresh }, { gzip: false });
    expect((await postJson(batchUrl(s), { events: [] }, { token: refreshed.json.access })).status).toBe(200);
    clock.advance(601);
    expect((await postJson(`${s.url}/api/v1/token/refresh/`, { refresh: refreshed.json.refresh }, { gzip: false })).status).toBe(401);
  });

  it('does not accept a refresh token as a bearer token, nor an access token as a refresh token', async () => {
    const s = await start();
    const t = await login(s.url);
    expect((await postJson(batchUrl(s), { events: [] }, { token: t.refresh })).status).toBe(401);
    expect((await postJson(`${s.url}/api/v1/token/refresh/`, { refresh: t.access }, { gzip: false })).status).toBe(401);
  });
});

describe('batch endpoint', () => {
  it('stores gzip and plain batches and answers one result per event, ids echoed as sent', async () => {
    const s = await start();
    const { access } = await login(s.url);
    const ev = events();
    const [a, b, c] = [ev.note('a'), ev.move('planned', 'claimed'), ev.note('c')];
    const gz = await postJson(batchUrl(s), { events: [a, b] }, { token: access });
    expect(gz.status).toBe(200);
    expect(gz.json).toEqual({
      results: [
        { event_id: a.event_id, status: 'success' },
        { event_id: b.event_id, status: 'success' },
      ],
    });
    const plain = await postJson(batchUrl(s), { events: [c] }, { token: access, gzip: false });
    expect(statuses(plain)).toEqual(['success']);
    const stored = await s.listEvents();
    expect(stored.map((e) => e.eventId)).toEqual([a.event_id, b.event_id, c.event_id]);
    expect(stored[1]).toMatchObject({
      eventType: 'WPStatusChanged',
      aggregateId: 'WP01',
      username: 'ada',
      teamSlug: 'acme',
      event: JSON.parse(JSON.stringify(b)),
    });
  });

  it('is idempotent on event_id: re-sends, repeats within a batch and other spellings of an id are duplicates', async () => {
    const s = await start();
    const { access } = await login(s.url);
    const ev = events();
    const a = ev.note('first');
    const b = ev.note('second');
    expect(statuses(await postJson(batchUrl(s), { events: [a] }, { token: access }))).toEqual(['success']);
    const again = await postJson(batchUrl(s), { events: [a, b, b, { ...a, event_id: a.event_id.toLowerCase() }] }, { token: access });
    expect(again.json.results).toEqual([
      { event_id: a.event_id, status: 'duplicate' },
      { event_id: b.event_id, status: 'success' },
      { event_id: b.event_id, status: 'duplicate' },
      { event_id: a.event_id.toLowerCase(), status: 'duplicate' },
    ]);
    // A known id is a duplicate whatever its body (the first copy is kept).
    const changed = await postJson(batchUrl(s), { events: [{ ...a, payload: { nonsense: true } }] }, { token: access });
    expect(statuses(changed)).toEqual(['duplicate']);
    expect(await s.countEvents()).toBe(2);
    expect((await s.listEvents())[0]?.event['payload']).toEqual(a.payload);
  });

  it('validates 4-lane payloads by default and rejects 7-lane ones, bad lanes, unknown types and schema errors with codes', async () => {
    const s = await start();
    const { access } = await login(s.url);
    const four = events('4-lane');
    const seven = events('7-lane');
    const ok = four.move('claimed', 'in_progress');
    const wrongModel = seven.move('claimed', 'in_progress');
    const badLane = { ...four.move('in_progress', 'for_review') };
    badLane.payload = { ...badLane.payload, to_lane: 'review', canonical_to_lane: 'review' };
    const unknown = { ...four.note(), event_type: 'WPTeleported' };
    const missing = four.note();
    delete (missing.payload as Record<string, unknown>)['entry_content'];
    const inconsistent = four.move('planned', 'claimed');
    inconsistent.payload = { ...inconsistent.payload, to_lane: 'planned' };
    const r = await postJson(batchUrl(s), { events: [ok, wrongModel, badLane, unknown, missing, inconsistent] }, { token: access });
    expect(r.status).toBe(200);
    expect(r.json.results.map((x: { status: string; code?: string }) => [x.status, x.code ?? null])).toEqual([
      ['success', null],
      ['rejected', 'invalid_lane'],
      ['rejected', 'invalid_lane'],
      ['rejected', 'unknown_event_type'],
      ['rejected', 'schema_mismatch'],
      ['rejected', 'invalid_lane'],
    ]);
    const errors = r.json.results.map((x: { error?: string }) => x.error ?? '');
    expect(errors[1]).toContain('this server takes 4-lane');
    expect(errors[2]).toContain('payload.to_lane: "review" is not a lane');
    expect(errors[4]).toContain('payload.entry_content');
    expect(await s.countEvents()).toBe(1);
    expect((await s.listRejections()).map((x) => x.code)).toEqual([
      'invalid_lane',
      'schema_mismatch',
      'unknown_event_type',
      'invalid_lane',
      'invalid_lane',
    ]);
  });

  it('takes 7-lane payloads when configured and then rejects 4-lane ones', async () => {
    const s = await start({ laneModel: '7-lane' });
    const { access } = await login(s.url);
    const r = await postJson(
      batchUrl(s),
      { events: [events('7-lane').move('claimed', 'in_progress'), events('4-lane').move('claimed', 'in_progress'), events().note()] },
      { token: access },
    );
    expect(r.json.results.map((x: { status: string; code?: string }) => x.code ?? x.status)).toEqual([
      'success',
      'invalid_lane',
      'success',
    ]);
    expect((await request(`${s.url}/healthz`)).json).toEqual({ ok: true, lane_model: '7-lane' });
  });

  it('answers 400 with details for batches it cannot take apart, and stores nothing of them', async () => {
    const s = await start({ maxEventsPerBatch: 4 });
    const { access } = await login(s.url);
    const ev = events();
    const good = ev.note();
    const cases: Array<[unknown, string]> = [
      ['{"events": [', 'malformed_json'],
      [[good], 'missing_events'],
      [{ events: { 0: good } }, 'missing_events'],
      [{ events: [ev.note(), ev.note(), ev.note(), ev.note(), ev.note()] }, 'batch_too_large'],
    ];
    for (const [body, code] of cases) {
      const r = await postJson(batchUrl(s), body, { token: access });
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error: expect.any(String), details: expect.any(String), code });
    }
    const r = await postJson(
      batchUrl(s),
      { events: [good, 'text', { event_type: 'HistoryAdded' }, { ...ev.note(), event_id: 'WP01-note' }] },
      { token: access },
    );
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'invalid_batch', error: expect.stringContaining('nothing in this batch was stored') });
    expect(r.json.details).toEqual([
      { index: 1, event_id: null, error: expect.any(String), code: 'not_an_object' },
      { index: 2, event_id: null, error: expect.any(String), code: 'missing_event_id' },
      { index: 3, event_id: 'WP01-note', error: expect.any(String), code: 'invalid_event_id' },
    ]);
    expect(await s.countEvents()).toBe(0);
    expect(statuses(await postJson(batchUrl(s), { events: [good] }, { token: access }))).toEqual(['success']);
  });

  it('answers 401 without a token or with an unknown one, before reading the batch', async () => {
    const s = await start();
    const none = await postJson(batchUrl(s), { events: [events().note()] });
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('not_authenticated');
    const bad = await postJson(batchUrl(s), { events: [events().note()] }, { token: 'kia_forged' });
    expect(bad.json.code).toBe('token_not_valid');
    expect(await s.countEvents()).toBe(0);
  });

  it('answers 413 above the body limits (on the wire and after gunzip) and stays up', async () => {
    const s = await start({ maxBodyBytes: 64 * 1024, maxDecodedBytes: 256 * 1024 });
    const { access } = await login(s.url);
    const big = JSON.stringify({ events: [], padding: 'x'.repeat(100 * 1024) });
    const wire = await postJson(batchUrl(s), big, { token: access, gzip: false });
    expect(wire.status).toBe(413);
    expect(wire.json.code).toBe('body_too_large');
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const decoded = await request(batchUrl(s), {
      method: 'POST',
      body: bomb,
      headers: { authorization: `Bearer ${access}`, 'content-encoding': 'gzip', 'content-type': 'application/json' },
    });
    expect(decoded.status).toBe(413);
    expect(decoded.json.error).toContain('decompressed');
    expect(statuses(await postJson(batchUrl(s), { events: [events().note()] }, { token: access }))).toEqual(['success']);
  });

  it('answers 415 for other encodings and content types, 400 for a body that is not gzip', async () => {
    const s = await start();
    const { access } = await login(s.url);
    const auth = { authorization: `Bearer ${access}` };
    const body = JSON.stringify({ events: [] });
    for (const headers of [{ 'content-encoding': 'br' }, { 'content-encoding': 'gzip, gzip' }, { 'content-type': 'text/plain' }]) {
      const r = await request(batchUrl(s), { method: 'POST', body, headers: { 'content-type': 'application/json', ...auth, ...headers } });
      expect(r.status).toBe(415);
    }
    const notGzip = await request(batchUrl(s), {
      method: 'POST',
      body,
      headers: { ...auth, 'content-encoding': 'gzip', 'content-type': 'application/json' },
    });
    expect(notGzip.status).toBe(400);
    expect(notGzip.json.code).toBe('invalid_encoding');
  });

  it('keeps events in a SQLite file across restarts: a re-send after a restart is a duplicate, tokens still work', async () => {
    const dbPath = path.join(tempDir(), 'ingest.db');
    const first = await start({ dbPath });
    const { access } = await login(first.url);
    const e = events().note();
    expect(statuses(await postJson(batchUrl(first), { events: [e] }, { token: access }))).toEqual(['success']);
    await first.close();
    const second = await start({ dbPath });
    expect(statuses(await postJson(batchUrl(second), { events: [e] }, { token: access }))).toEqual(['duplicate']);
    expect(await second.countEvents()).toBe(1);
  });
});

describe('reading what arrived', () => {
  async function withEvents(options: IngestServerOptions = {}) {
    const s = await start(options);
    const { access } = await login(s.url);
    const ev = events();
    const sent = [ev.note('one'), ev.move('planned', 'claimed'), ev.note('three')];
    await postJson(batchUrl(s), { events: sent }, { token: access });
    return { s, access, sent };
  }

  it('lists events with a bearer token or basic credentials, pages with limit/after and filters by type', async () => {
    const { s, access, sent } = await withEvents();
    const url = `${s.url}/api/v1/events/`;
    expect((await request(url)).status).toBe(401);
    expect((await request(url, { headers: { authorization: 'Basic ' + Buffer.from('ada:wrong').toString('base64') } })).status).toBe(401);
    const page1 = await request(`${url}?limit=2`, { headers: { authorization: `Bearer ${access}` } });
    expect(page1.json).toMatchObject({ total: 3, count: 2, next_after: 2 });
    expect(page1.json.events.map((e: { event: { event_id: string } }) => e.event.event_id)).toEqual([sent[0]?.event_id, sent[1]?.event_id]);
    const page2 = await request(`${url}?limit=2&after=2`, {
      headers: { authorization: 'Basic ' + Buffer.from('ada:secret').toString('base64') },
    });
    expect(page2.json).toMatchObject({
      count: 1,
      next_after: null,
      events: [{ seq: 3, username: 'ada', event: { event_id: sent[2]?.event_id } }],
    });
    const typed = await request(`${url}?event_type=WPStatusChanged`, { headers: { authorization: `Bearer ${access}` } });
    expect(typed.json.events).toHaveLength(1);
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'after=-1']) {
      expect((await request(`${url}?${bad}`, { headers: { authorization: `Bearer ${access}` } })).status).toBe(400);
    }
  });

  it('serves a page at / behind basic auth that escapes what events contain', async () => {
    const { s, access } = await withEvents();
    const hostile = { ...events().note(), aggregate_id: '<script>alert(1)</script>' };
    await postJson(
      batchUrl(s),
      { events: [hostile, { ...events().note(), event_type: '<img src=x onerror=alert(2)>' }] },
      { token: access },
    );
    const anon = await request(`${s.url}/`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Basic');
    const page = await request(`${s.url}/`, { headers: { authorization: 'Basic ' + Buffer.from('ada:secret').toString('base64') } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).toContain('4 event(s) received');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('unknown_event_type');
    expect(page.text).toMatch(/planned → doing \(planned → claimed\)/);
  });

  it('opens the page and the list without credentials in --public-read mode', async () => {
    const { s } = await withEvents({ publicRead: true });
    expect((await request(`${s.url}/`)).status).toBe(200);
    expect((await request(`${s.url}/api/v1/events/`)).json.total).toBe(3);
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    const s = await start();
    expect((await request(`${s.url}/api/v1/events/batch`)).status).toBe(404);
    expect((await request(`${s.url}/api/v1/events/batch/`)).status).toBe(405);
    expect((await request(`${s.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});

describe('operations', () => {
  it('logs one line per request without tokens or passwords', async () => {
    const lines: string[] = [];
    const s = await start({ log: (l) => lines.push(l) });
    const t = await login(s.url);
    await postJson(batchUrl(s), { events: [events().note()] }, { token: t.access });
    await postJson(`${s.url}/api/v1/token/refresh/`, { refresh: t.refresh }, { gzip: false });
    expect(lines).toEqual([
      'POST /api/v1/token/ 200 ada',
      'POST /api/v1/events/batch/ 200 ada events=1 success=1 duplicate=0 rejected=0',
      'POST /api/v1/token/refresh/ 200 -',
    ]);
    const all = lines.join('\n');
    for (const secret of [t.access, t.refresh, 'secret']) expect(all).not.toContain(secret);
  });

  it('refuses bad options with INVALID_OPTION and a busy port with LISTEN_FAILED', async () => {
    await expect(startIngestServer({ port: 70000, users: { a: 'b' } })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(startIngestServer({ laneModel: '5-lane' as '4-lane', users: { a: 'b' } })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(startIngestServer({ users: [{ username: 'a', password: '' }] })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(startIngestServer({ accessLifetimeS: 0, users: { a: 'b' } })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startIngestServer({ port, users: { a: 'b' } })).rejects.toMatchObject({ code: 'LISTEN_FAILED' });
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('refuses a database file it cannot open with STORAGE_FAILED', async () => {
    await expect(
      startIngestServer({ port: 0, users: { a: 'b' }, dbPath: path.join(tempDir(), 'missing-dir', 'x.db') }),
    ).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
  });
});
