import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { createAuth, type Answer, type Auth, type Principal } from './auth.js';
import { IngestServerError } from './errors.js';
import { resolveOptions, type IngestServerOptions, type ResolvedOptions } from './options.js';
import { renderPage } from './page.js';
import { openStore, type StoredEvent, type StoredRejection, type Store } from './storage.js';
import { BAD_REQUEST_CODES, parseBatch } from './validate.js';

const gunzipAsync = promisify(gunzip);

/** A running ingest server. */
export interface IngestServer {
  /** `http://host:port`, ready for `spec-kitty sync server`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly laneModel: '4-lane' | '7-lane';
  /** Where events are stored (`:memory:` or a file). */
  readonly dbPath: string;
  /** Stored events in arrival order (after `afterSeq`), for tests and tools. */
  listEvents(options?: { readonly limit?: number; readonly afterSeq?: number; readonly eventType?: string }): Promise<StoredEvent[]>;
  countEvents(): Promise<number>;
  /** The newest rejections first. */
  listRejections(limit?: number): Promise<StoredRejection[]>;
  /** Stops listening, drops open connections and closes the database. */
  close(): Promise<void>;
}

/** The routes the server answers (documented in docs/contracts/batch-ingest.md). */
export const ROUTES = Object.freeze({
  token: '/api/v1/token/',
  refresh: '/api/v1/token/refresh/',
  batch: '/api/v1/events/batch/',
  events: '/api/v1/events/',
  health: '/healthz',
  page: '/',
});

const MAX_LIST = 1000;
const MAX_JSON_BODY_AUTH = 64 * 1024;

type Body = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly received: number };

/**
 * Reads a request body up to `limit` bytes. A larger body is drained (discarded) so the client can read the
 * 413 answer, up to `drainCap` bytes; past that the connection is dropped.
 */
function readBody(req: IncomingMessage, limit: number, drainCap: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > drainCap) {
        req.socket.destroy();
        return;
      }
      if (received > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? { ok: false, received } : { ok: true, bytes: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('connection closed before the body was complete'));
    });
  });
}

function send(res: ServerResponse, answer: Answer): void {
  const body = `${JSON.stringify(answer.body)}\n`;
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(body)),
    ...answer.headers,
  });
  res.end(body);
}

const error = (
  status: number,
  message: string,
  code: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): Answer => ({
  status,
  body: { error: message, ...extra, code },
  ...(headers ? { headers } : {}),
});

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

const hostForUrl = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Starts the reference batch-ingest server: token and refresh endpoints, the gzip batch endpoint with
 * idempotent storage keyed on `event_id` and per-event results with structured codes, a read endpoint and a
 * page listing what arrived. Storage is SQLite (`:memory:` unless `dbPath` names a file).
 *
 * @example
 * const server = await startIngestServer({ port: 0, users: { ada: 'secret' } });
 * // spec-kitty sync server <server.url>; spec-kitty auth login -u ada …
 * await server.close();
 */
export async function startIngestServer(options: IngestServerOptions = {}): Promise<IngestServer> {
  const opts: ResolvedOptions = resolveOptions(options);
  const store = await openStore(opts.dbPath);
  const auth = createAuth(opts, store);
  const handler = createHandler(opts, store, auth);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      opts.log(`${req.method ?? '?'} ${(req.url ?? '/').split('?')[0]} 500 internal error: ${(e as Error).message}`);
      if (!res.headersSent) send(res, error(500, 'Internal server error; the batch was not stored. Try again.', 'server_error'));
      else res.destroy();
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await store.close();
    throw new IngestServerError('LISTEN_FAILED', `Cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: ['Pick another port with --port (0 picks a free one), or stop the program that uses it.'],
    });
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostForUrl(opts.host)}:${port}`;
  let closed: Promise<void> | null = null;
  return {
    url,
    host: opts.host,
    port,
    laneModel: opts.laneModel,
    dbPath: opts.dbPath,
    listEvents: (o = {}) =>
      store.listEvents({
        limit: Math.min(Math.max(1, o.limit ?? MAX_LIST), MAX_LIST * 100),
        ...(o.afterSeq === undefined ? {} : { afterSeq: o.afterSeq }),
        ...(o.eventType === undefined ? {} : { eventType: o.eventType }),
      }),
    countEvents: () => store.countEvents(),
    listRejections: (limit = 100) => store.listRejections(limit),
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }).then(() => store.close());
      return closed;
    },
  };
}

function createHandler(opts: ResolvedOptions, store: Store, auth: Auth) {
  const drainCap = Math.max(4 * opts.maxBodyBytes, 64 * 1024 * 1024);

  const readJsonAuthBody = async (req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; answer: Answer }> => {
    const body = await readBody(req, MAX_JSON_BODY_AUTH, MAX_JSON_BODY_AUTH * 4);
    if (!body.ok) return { ok: false, answer: error(413, `Request body too large (${body.received} bytes).`, 'body_too_large') };
    const parsed = parseJson(body.bytes);
    return parsed.ok
      ? parsed
      : { ok: false, answer: error(400, 'The body is not valid JSON.', 'invalid_request', { details: parsed.message }) };
  };

  const reader = async (req: IncomingMessage): Promise<Principal | null> => {
    if (opts.publicRead) return { username: 'public', teamSlug: null };
    const header = req.headers.authorization;
    const viaBasic = auth.basic(header);
    if (viaBasic) return viaBasic;
    const viaBearer = await auth.bearer(header);
    return viaBearer.ok ? viaBearer.principal : null;
  };

  const batch = async (req: IncomingMessage, who: Principal): Promise<{ answer: Answer; note: string }> => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'identity') {
      return {
        answer: error(
          415,
          `Unsupported Content-Encoding ${JSON.stringify(encoding)}: send gzip (recommended) or no encoding.`,
          'unsupported_encoding',
        ),
        note: '',
      };
    }
    const type = (req.headers['content-type'] ?? 'application/json').toLowerCase();
    if (!/^application\/json\b/.test(type)) {
      return {
        answer: error(415, `Unsupported Content-Type ${JSON.stringify(type)}: send application/json.`, 'unsupported_media_type'),
        note: '',
      };
    }
    const body = await readBody(req, opts.maxBodyBytes, drainCap);
    if (!body.ok) {
      return {
        answer: error(
          413,
          `Request body too large: ${body.received} bytes on the wire; the limit is ${opts.maxBodyBytes}. Send fewer events per request.`,
          'body_too_large',
        ),
        note: '',
      };
    }
    let bytes = body.bytes;
    if (encoding !== 'identity') {
      try {
        bytes = await gunzipAsync(bytes, { maxOutputLength: opts.maxDecodedBytes });
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
          return {
            answer: error(
              413,
              `Request body too large once decompressed: the limit is ${opts.maxDecodedBytes} bytes. Send fewer events per request.`,
              'body_too_large',
            ),
            note: '',
          };
        }
        return {
          answer: error(400, 'The body is not valid gzip although Content-Encoding says gzip.', 'invalid_encoding', {
            details: (e as Error).message,
          }),
          note: '',
        };
      }
    }
    const parsed = parseJson(bytes);
    if (!parsed.ok)
      return { answer: error(400, 'Malformed JSON body.', BAD_REQUEST_CODES.malformedJson, { details: parsed.message }), note: '' };
    const checked = parseBatch(parsed.value, { laneModel: opts.laneModel, maxEvents: opts.maxEventsPerBatch });
    if (!checked.ok) return { answer: checked.answer, note: '' };
    const outcomes = await store.ingest(checked.entries, who.username, opts.now().toISOString());
    const results = checked.entries.map((entry, i) => {
      const status = outcomes[i] as 'success' | 'duplicate' | 'rejected';
      return status === 'rejected' && !entry.ok
        ? { event_id: entry.eventId, status, error: entry.error, code: entry.code }
        : { event_id: entry.eventId, status };
    });
    const count = (s: string) => outcomes.filter((o) => o === s).length;
    return {
      answer: { status: 200, body: { results } },
      note: `events=${results.length} success=${count('success')} duplicate=${count('duplicate')} rejected=${count('rejected')}`,
    };
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    let note = '';
    let who = '-';
    const finish = (answer: Answer) => {
      send(res, answer);
      opts.log(`${method} ${route} ${answer.status} ${who}${note ? ` ${note}` : ''}`);
    };
    const only = (allowed: string): boolean => {
      if (method === allowed) return true;
      req.resume();
      finish(error(405, `Method ${method} is not allowed on ${route}; use ${allowed}.`, 'method_not_allowed', {}, { allow: allowed }));
      return false;
    };

    switch (route) {
      case ROUTES.token: {
        if (!only('POST')) return;
        const body = await readJsonAuthBody(req);
        const answer = body.ok ? await auth.login(body.value) : body.answer;
        if (answer.status === 200) who = String((body as { value: { username: string } }).value.username);
        return finish(answer);
      }
      case ROUTES.refresh: {
        if (!only('POST')) return;
        const body = await readJsonAuthBody(req);
        return finish(body.ok ? await auth.refresh(body.value) : body.answer);
      }
      case ROUTES.batch: {
        if (!only('POST')) return;
        const check = await auth.bearer(req.headers.authorization);
        if (!check.ok) {
          req.resume();
          return finish(check.answer);
        }
        who = check.principal.username;
        const r = await batch(req, check.principal);
        note = r.note;
        if (r.answer.status === 413 || r.answer.status === 415) res.setHeader('connection', 'close');
        return finish(r.answer);
      }
      case ROUTES.events: {
        if (!only('GET')) return;
        const principal = await reader(req);
        if (principal === null) {
          return finish(
            error(
              401,
              'Send "Authorization: Bearer <access token>" (or basic credentials) to read events.',
              'not_authenticated',
              {},
              { 'www-authenticate': 'Bearer realm="kitty-ingest"' },
            ),
          );
        }
        who = principal.username;
        const limitText = url.searchParams.get('limit');
        const afterText = url.searchParams.get('after');
        const limit = limitText === null ? 100 : Number(limitText);
        const after = afterText === null ? 0 : Number(afterText);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST || !Number.isInteger(after) || after < 0) {
          return finish(
            error(400, `limit must be a whole number from 1 to ${MAX_LIST} and after a whole number ≥ 0.`, 'invalid_request', {
              details: `received limit=${limitText ?? ''} after=${afterText ?? ''}`,
            }),
          );
        }
        const eventType = url.searchParams.get('event_type');
        const events = await store.listEvents({ limit, afterSeq: after, ...(eventType ? { eventType } : {}) });
        const last = events.at(-1);
        return finish({
          status: 200,
          body: {
            total: await store.countEvents(),
            count: events.length,
            next_after: events.length === limit && last ? last.seq : null,
            events: events.map((e) => ({ seq: e.seq, received_at: e.receivedAt, username: e.username, event: e.event })),
          },
        });
      }
      case ROUTES.health:
        if (!only('GET')) return;
        return finish({ status: 200, body: { ok: true, lane_model: opts.laneModel } });
      case ROUTES.page: {
        if (!only('GET')) return;
        const principal = await reader(req);
        if (principal === null) {
          res.writeHead(401, {
            'www-authenticate': 'Basic realm="kitty ingest server", charset="UTF-8"',
            'content-type': 'text/plain; charset=utf-8',
          });
          res.end('Log in with a username and password this server accepts (or start it with --public-read).\n');
          opts.log(`GET / 401 -`);
          return;
        }
        const html = renderPage({
          laneModel: opts.laneModel,
          total: await store.countEvents(),
          byType: await store.countByType(),
          events: await store.listEvents({ limit: 200, newestFirst: true }),
          rejections: await store.listRejections(50),
          generatedAt: opts.now().toISOString(),
        });
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          'x-content-type-options': 'nosniff',
        });
        res.end(html);
        return;
      }
      default:
        req.resume();
        return finish(error(404, `No such endpoint: ${method} ${route}.`, 'not_found'));
    }
  };
}
