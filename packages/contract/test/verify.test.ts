import { afterEach, describe, expect, it } from '@jest/globals';
import { startIngestServer, type IngestServer } from '@kitty/ingest-server';
import { createHttpTestServer, type HttpTestServer, type RecordedRequest } from '@kitty/test-utils';
import { verifyContract, type VerifyReport } from '../src/index.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function reference(options: Parameters<typeof startIngestServer>[0] = {}): Promise<IngestServer> {
  const s = await startIngestServer({ port: 0, users: { ada: 'secret' }, ...options });
  closers.push(() => s.close());
  return s;
}

async function fake(): Promise<HttpTestServer> {
  const s = await createHttpTestServer();
  closers.push(() => s.close());
  return s;
}

const verify = (url: string, extra: Partial<Parameters<typeof verifyContract>[0]> = {}) =>
  verifyContract({ serverUrl: url, username: 'ada', password: 'secret', now: () => new Date(), timeoutMs: 10_000, ...extra });
// The loopback fakes decode whatever they get; a small bomb keeps them quick (they fail the case either way).
const verifyFake = (url: string) => verify(url, { gzipBombBytes: 2 * 1024 * 1024 });

const outcomes = (r: VerifyReport) => Object.fromEntries(r.cases.map((c) => [c.name, c.outcome]));
const failing = (r: VerifyReport) => r.cases.filter((c) => c.outcome !== 'pass').map((c) => c.name);

describe('contract verify against the reference server', () => {
  it('passes every case (4-lane), and a second run passes too (fresh event ids)', async () => {
    const s = await reference();
    const seen: string[] = [];
    const first = await verify(s.url, { onCase: (c) => seen.push(c.name) });
    expect(failing(first)).toEqual([]);
    expect(first).toMatchObject({ ok: true, failed: 0, warned: 0, laneModel: '4-lane', serverUrl: s.url });
    expect(first.total).toBeGreaterThanOrEqual(20);
    expect(seen).toEqual(first.cases.map((c) => c.name));
    for (const name of [
      'auth-login',
      'auth-refresh',
      'batch-no-token',
      '01-single-event',
      '03-duplicate',
      '05-bad-request-details',
      'gzip-bomb',
      'malformed-json',
    ]) {
      expect(seen).toContain(name);
    }
    const second = await verify(s.url);
    expect(failing(second)).toEqual([]);
  });

  it('passes every case against a 7-lane server when told so, and catches a lane-model mix-up when not', async () => {
    const s = await reference({ laneModel: '7-lane', rotateRefreshTokens: false });
    expect(failing(await verify(s.url, { laneModel: '7-lane' }))).toEqual([]);
    const wrong = await verify(s.url, { laneModel: '4-lane' });
    expect(wrong.ok).toBe(false);
    expect(outcomes(wrong)).toMatchObject({ '01-single-event': 'fail', '02-mixed-batch': 'fail', '08-lane-model-mismatch': 'warn' });
  });

  it('fails the login case and every batch case with wrong credentials', async () => {
    const s = await reference();
    const r = await verify(s.url, { password: 'not-it' });
    expect(outcomes(r)).toMatchObject({ 'auth-login': 'fail', '01-single-event': 'fail', 'batch-no-token': 'pass' });
    expect(r.cases.find((c) => c.name === '01-single-event')?.actual).toContain('not run');
  });

  it('throws SERVER_UNREACHABLE when nothing listens, and refuses plain http off loopback', async () => {
    const s = await fake();
    const url = s.url;
    await s.close();
    await expect(verify(url)).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
    await expect(verify('http://sync.example.com')).rejects.toMatchObject({ code: 'INVALID_SERVER_URL' });
    await expect(verify(url, { password: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('contract verify against deliberately broken servers', () => {
  const ids = (req: RecordedRequest): string[] =>
    ((req.json as { events?: Array<{ event_id: string }> } | undefined)?.events ?? []).map((e) => e.event_id);
  const tokens = (s: HttpTestServer) => {
    s.on('POST /api/v1/token/', (req) =>
      (req.json as { password?: string }).password === 'secret'
        ? { body: { access: 'acc', refresh: 'ref', access_lifetime: 900 } }
        : { status: 401, body: { error: 'no' } },
    );
    s.on('POST /api/v1/token/refresh/', (req) =>
      (req.json as { refresh?: string }).refresh === 'ref' ? { body: { access: 'acc' } } : { status: 401, body: { error: 'no' } },
    );
  };

  it('reports a naive server that accepts everything: no dedupe, no validation, no auth, no limits', async () => {
    const s = await fake();
    tokens(s);
    s.on('POST /api/v1/events/batch/', (req) => ({ body: { results: ids(req).map((id) => ({ event_id: id, status: 'success' })) } }));
    const r = await verifyFake(s.url);
    expect(r.ok).toBe(false);
    expect(outcomes(r)).toMatchObject({
      'auth-login': 'pass',
      'auth-refresh': 'pass',
      'batch-no-token': 'fail',
      'batch-bad-token': 'fail',
      '09-empty-batch': 'pass',
      '01-single-event': 'pass',
      '02-mixed-batch': 'pass',
      '03-duplicate': 'fail',
      '04-per-event-rejection': 'fail',
      '05-bad-request-details': 'fail',
      '06-unknown-event-type': 'fail',
      '07-invalid-lane': 'fail',
      '08-lane-model-mismatch': 'warn',
      'malformed-json': 'fail',
      'gzip-bomb': 'fail',
    });
    const dup = r.cases.find((c) => c.name === '03-duplicate');
    expect(dup?.checks.find((c) => !c.pass)).toMatchObject({ level: 'must', expected: 'duplicate', actual: '"success"' });
    expect(r.failed).toBe(r.cases.filter((c) => c.outcome === 'fail').length);
  });

  it('reports a server that rewrites ids, answers only some events, or sends codes the CLI cannot categorise', async () => {
    const s = await fake();
    tokens(s);
    s.on('POST /api/v1/events/batch/', (req) => {
      if (req.headers['authorization'] !== 'Bearer acc') return { status: 401, body: { error: 'auth' } };
      const list = ids(req);
      if (list.length > 1000) return { status: 400, body: { error: 'too many' } };
      return {
        body: {
          // Upper-cases ids, drops the last event of multi-event batches, rejects HistoryAdded with a made-up code.
          results: list
            .slice(0, list.length > 1 ? -1 : undefined)
            .map((id) => ({ event_id: id.toUpperCase(), status: 'rejected', error: 'nope', code: 'E42' })),
        },
      };
    });
    const r = await verifyFake(s.url);
    expect(outcomes(r)).toMatchObject({ 'batch-no-token': 'pass', 'id-echo': 'fail', '02-mixed-batch': 'fail', 'too-many-events': 'warn' });
    expect(
      r.cases
        .find((c) => c.name === 'too-many-events')
        ?.checks.filter((c) => !c.pass)
        .map((c) => c.what),
    ).toEqual(['"details" present']);
    const rejection = r.cases.find((c) => c.name === '06-unknown-event-type');
    expect(rejection?.outcome).toBe('fail');
    expect(rejection?.checks.filter((c) => !c.pass).map((c) => [c.what.replace(/event \S+: /, ''), c.level])).toEqual([
      ['code', 'should'],
      ['failure category the CLI derives', 'must'],
    ]);
    const mixed = r.cases.find((c) => c.name === '02-mixed-batch');
    expect(mixed?.checks.some((c) => c.what.endsWith('answered exactly once') && !c.pass)).toBe(true);
  });

  it('reports a server that stores part of a batch it refuses with 400', async () => {
    const s = await fake();
    tokens(s);
    const stored = new Set<string>();
    s.on('POST /api/v1/events/batch/', (req) => {
      if (req.headers['authorization'] !== 'Bearer acc') return { status: 401, body: { error: 'auth' } };
      const list = ids(req);
      const bad = list.filter((id) => !/^[0-9A-Za-z]{26}$/.test(id));
      const results = list
        .filter((id) => !bad.includes(id))
        .map((id) => ({ event_id: id, status: stored.has(id) ? 'duplicate' : 'success' }));
      for (const x of results) stored.add(x.event_id);
      return bad.length > 0 ? { status: 400, body: { error: 'Bad ids', details: 'some ids are bad' } } : { body: { results } };
    });
    const r = await verifyFake(s.url);
    expect(outcomes(r)).toMatchObject({
      '05-bad-request-details': 'fail',
      '05-bad-request-details-nothing-stored': 'fail',
      '03-duplicate': 'pass',
    });
    const details = r.cases.find((c) => c.name === '05-bad-request-details');
    expect(details?.checks.filter((c) => !c.pass).map((c) => c.what)).toEqual(['code', 'details names event not-a-valid-event-id']);
  });
});
