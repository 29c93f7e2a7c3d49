import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { startIngestServer, type IngestServer } from '@kitty/ingest-server';
import { cleanupTempDirs, createHttpTestServer, tempDir } from '@kitty/test-utils';
import { runCliAsync } from './async-cli.js';

afterAll(cleanupTempDirs);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function reference(): Promise<IngestServer> {
  const s = await startIngestServer({ port: 0, users: { ada: 'secret' } });
  closers.push(() => s.close());
  return s;
}

const cli = (args: string[], input?: string) =>
  runCliAsync(args, { env: { HOME: tempDir() }, timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });

describe('spec-kitty contract verify', () => {
  it('passes every case against the reference server: one JSON document, exit 0', async () => {
    const s = await reference();
    const r = await cli(['contract', 'verify', s.url, '-u', 'ada', '--password-stdin', '--json'], 'secret\n');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      total: number;
      failed: number;
      cases: Array<{ name: string; outcome: string; expected: string; actual: string }>;
    };
    expect(report).toMatchObject({ ok: true, failed: 0, server_url: s.url, lane_model: '4-lane', username: 'ada' });
    expect(report.cases.every((c) => c.outcome === 'pass' && c.expected !== '' && c.actual !== '')).toBe(true);
    expect(report.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['01-single-event', '02-mixed-batch', '03-duplicate', '04-per-event-rejection', '05-bad-request-details']),
    );
    // Tokens never reach the output.
    expect(r.stdout).not.toMatch(/kia_|kir_/);
  }, 60_000);

  it('prints one line per case and a summary for humans', async () => {
    const s = await reference();
    const r = await cli(['contract', 'verify', s.url, '-u', 'ada', '-p', 'secret']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}auth-login +Log in with username and password$/m);
    expect(r.stdout).toMatch(/^PASS {2}03-duplicate +Duplicate re-send$/m);
    expect(r.stdout).toMatch(
      /\d+ cases against http:\/\/127\.0\.0\.1:\d+ \(4-lane\): \d+ passed, 0 failed, 0 warning\(s\): the server meets the batch-ingest contract\.$/m,
    );
  }, 60_000);

  it('reports every failing case against a broken server and exits 5', async () => {
    // Accepts anything, dedupes nothing, validates nothing (and decodes at most 1 MiB, so the gzip bomb stays cheap here).
    const fake = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let events: Array<{ event_id: string }> = [];
        try {
          const raw = Buffer.concat(chunks);
          const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw, { maxOutputLength: 1024 * 1024 }) : raw).toString(
            'utf8',
          );
          events = (JSON.parse(text) as { events?: Array<{ event_id: string }> }).events ?? [];
        } catch {
          events = [];
        }
        const body =
          req.url === '/api/v1/events/batch/'
            ? { results: events.map((e) => ({ event_id: e.event_id, status: 'success' })) }
            : { access: 'acc', refresh: 'ref' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => fake.close(() => r())));
    const s = { url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}` };
    const r = await cli(['contract', 'verify', s.url, '-u', 'ada', '-p', 'x']);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/^FAIL {2}03-duplicate/m);
    expect(r.stdout).toMatch(/✗ MUST event \S+: status: expected duplicate; got "success"/);
    expect(r.stdout).toMatch(/^FAIL {2}auth-wrong-password/m);
    expect(r.stdout).toMatch(/the server does not meet the batch-ingest contract\.$/m);
  }, 60_000);

  it('exits 4 when the server cannot be reached and 2 for bad input', async () => {
    const s = await createHttpTestServer();
    const url = s.url;
    await s.close();
    const down = await cli(['contract', 'verify', url, '-u', 'ada', '-p', 'x', '--json']);
    expect(down.code).toBe(4);
    expect(JSON.parse(down.stdout)).toMatchObject({ error: { code: 'SERVER_UNREACHABLE' } });
    const plain = await cli(['contract', 'verify', 'http://sync.example.com', '-u', 'ada', '-p', 'x', '--json']);
    expect(plain.code).toBe(2);
    expect(JSON.parse(plain.stdout)).toMatchObject({ error: { code: 'INVALID_SERVER_URL' } });
    const noUser = await cli(['contract', 'verify', url, '--json']);
    expect(noUser.code).toBe(2);
    expect(JSON.parse(noUser.stdout)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('--username') } });
    const badModel = await cli(['contract', 'verify', url, '-u', 'a', '-p', 'b', '--lane-model', '5-lane']);
    expect(badModel.code).toBe(2);
  }, 60_000);
});
