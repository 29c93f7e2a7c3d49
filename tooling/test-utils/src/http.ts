import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One request as the test server saw it (body already gunzipped when Content-Encoding is gzip). */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: Buffer;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** A scripted response; `delayMs` waits before answering, `destroy` drops the connection instead. */
export interface ScriptedResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly rawBody?: Buffer | string;
  readonly delayMs?: number;
  readonly destroy?: boolean;
}

export type Handler = (req: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

/** A real HTTP server on 127.0.0.1 with an ephemeral port, recording every request. */
export interface HttpTestServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces the handler for the given `METHOD /path` (path without query), or '*' for anything. */
  on(route: string, handler: Handler | ScriptedResponse): void;
  close(): Promise<void>;
}

/** Starts a loopback HTTP server for tests; unknown routes answer 404 `{"error":"no route"}`. */
export async function createHttpTestServer(): Promise<HttpTestServer> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const respond = async (req: IncomingMessage, res: ServerResponse, rawBody: Buffer): Promise<void> => {
    let decoded = rawBody;
    if (req.headers['content-encoding'] === 'gzip' && rawBody.length > 0) {
      try {
        decoded = gunzipSync(rawBody);
      } catch {
        decoded = rawBody;
      }
    }
    const body = decoded.toString('utf8');
    let json: unknown;
    try {
      json = body.length > 0 ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      rawBody,
      body,
      json,
    };
    requests.push(recorded);
    const pathOnly = (req.url ?? '/').split('?')[0];
    const handler = routes.get(`${recorded.method} ${pathOnly}`) ?? routes.get('*');
    const out: ScriptedResponse = handler ? await handler(recorded) : { status: 404, body: { error: 'no route' } };
    if (out.delayMs) await new Promise((r) => setTimeout(r, out.delayMs));
    if (out.destroy) {
      req.socket.destroy();
      return;
    }
    const payload = out.rawBody ?? (out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
    const headers: Record<string, string> = {
      ...(out.body !== undefined && typeof out.body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...out.headers,
    };
    res.writeHead(out.status ?? 200, headers);
    res.end(payload);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      respond(req, res, Buffer.concat(chunks)).catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`test server handler failed: ${String(e)}`);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(route, handler) {
      routes.set(route, typeof handler === 'function' ? handler : () => handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
