import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { cleanupTempDirs, createHttpTestServer, type HttpTestServer } from '@kitty/test-utils';
import { categorizeFailure, excerpt, parseRetryAfter, postJson, redact, RETRY_AFTER_CAP_MS } from '../src/index.js';

afterAll(cleanupTempDirs);

describe('Retry-After', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it.each([
    ['7', 7_000],
    ['0', 0],
    ['1.5', 1_500],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 11:00:00 GMT', 0],
    ['86400', RETRY_AFTER_CAP_MS],
    ['junk', null],
    ['-5', null],
    ['', null],
    [null, null],
  ])('%p → %p', (header, ms) => expect(parseRetryAfter(header, now)).toBe(ms));
});

describe('failure categories', () => {
  it.each([
    ['Invalid payload: missing field error_type', null, 'schema_mismatch'],
    ['Invalid token', null, 'auth_expired'],
    ['token expired', null, 'auth_expired'],
    ['internal server error', null, 'server_error'],
    ['1500 events received', null, 'unknown'],
    ['Content-Type looks odd', null, 'unknown'],
    ['whatever the text', 'schema_mismatch', 'schema_mismatch'],
    ['missing field', 'token_not_valid', 'auth_expired'],
    ['', null, 'unknown'],
    [null, 'weird_code', 'unknown'],
  ])('%p (code %p) → %s', (error, code, category) => expect(categorizeFailure(error, code)).toBe(category));
});

describe('redaction', () => {
  it('removes bearer tokens, JWTs and token fields', () => {
    const t = redact('Authorization: Bearer abc.def-ghi {"refresh": "r-123", "password":"pw"} eyJhbGciOi.eyJzdWIi.sig');
    expect(t).not.toMatch(/abc\.def|r-123|"pw"|eyJhbGciOi/);
    expect(excerpt('x'.repeat(500))).toHaveLength(200);
  });
});

describe('postJson against hostile servers', () => {
  let server: HttpTestServer;
  beforeEach(async () => {
    server = await createHttpTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('times out when headers arrive but the body stalls', async () => {
    const { createServer } = await import('node:http');
    const stall = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results": [');
    });
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const port = (stall.address() as { port: number }).port;
    try {
      const r = await postJson(`http://127.0.0.1:${port}/x`, {}, { timeoutMs: 300 });
      expect(r.kind).toBe('timeout');
    } finally {
      stall.closeAllConnections();
      await new Promise<void>((r) => stall.close(() => r()));
    }
  });

  it('survives stacked gzip encodings without blowing up memory', async () => {
    let body = Buffer.alloc(8 * 1024 * 1024, 0x20);
    for (let i = 0; i < 3; i += 1) body = gzipSync(body);
    server.on('POST /x', { rawBody: body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip, gzip' } });
    const r = await postJson(`${server.url}/x`, {}, { timeoutMs: 5_000 });
    expect(r.kind === 'reply' ? r.truncated || r.json === undefined : true).toBe(true);
  });
});
