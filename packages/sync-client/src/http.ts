import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { KyInstance, Options as KyOptions } from 'ky';
import { excerpt, redact } from './redact.js';

export { excerpt, redact };

const gzipAsync = promisify(gzip);

/** Default cap on a response body (decoded bytes): larger answers are cut and reported, never buffered. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Default time one request may take, from connecting to the last byte of the answer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** The longest Retry-After the client waits out inside a run; longer ones end the run (the caller stores them). */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5_000;

/** A completed HTTP exchange. */
export interface HttpReply {
  readonly kind: 'reply';
  readonly status: number;
  readonly headers: Headers;
  /** The body as text (up to the byte cap). */
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** True when the body exceeded the cap and was cut off. */
  readonly truncated: boolean;
  /** Server time from the `Date` header, epoch ms, when present. */
  readonly serverDateMs: number | null;
}

/** A request that got no usable HTTP answer. */
export interface HttpFailure {
  /**
   * `timeout`: one request took longer than its timeout (connect, headers or body); `deadline`: the caller's
   * signal (the run deadline) ended it; `network`: refused, reset, DNS…; `tls`: untrusted certificate;
   * `refresh`: a 401 asked for a token refresh and the refresh failed (`error` says why).
   */
  readonly kind: 'timeout' | 'deadline' | 'network' | 'tls' | 'refresh';
  /** e.g. ECONNREFUSED, ECONNRESET, ENOTFOUND, ETIMEDOUT, or the error code. */
  readonly code: string;
  readonly message: string;
  /** The error the refresh threw (kind `refresh`). */
  readonly error?: unknown;
}

export type HttpResult = HttpReply | HttpFailure;

/** Bearer authentication: the client adds the token to every request and, on a 401, refreshes once and replays. */
export interface BearerAuth {
  /** The token to send now. */
  token(): Promise<string>;
  /** Called once per request on a 401: returns a new token (or throws: the request ends as a `refresh` failure). */
  refresh(rejected: string): Promise<string>;
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** One attempt, from connecting to the last byte of the answer (default 10 s). */
  readonly timeoutMs?: number;
  /** Extra attempts after a timeout, a network error, 408, 429, 500, 502, 503 or 504 (default 0). */
  readonly retries?: number;
  /** Base of the exponential backoff between attempts (default 300 ms; full jitter, at most 8 s). */
  readonly retryDelayMs?: number;
  /** A Retry-After up to this long is waited out before the next attempt; a longer one ends the request. */
  readonly maxRetryAfterMs?: number;
  /** Ends everything (attempts, waits, body reads) when aborted: the run deadline. */
  readonly signal?: AbortSignal;
  readonly maxResponseBytes?: number;
  readonly bearer?: BearerAuth;
}

/** One POST. */
export interface PostRequest {
  readonly body: Uint8Array | string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The one HTTP client of kitty (sync, auth, probe, contract verify), built on ky. */
export interface HttpClient {
  /** POSTs raw bytes. Never throws for network trouble: it returns a failure. */
  post(url: string, request: PostRequest): Promise<HttpResult>;
  /** POSTs a JSON value (gzip when asked) with JSON content headers. */
  postJson(
    url: string,
    value: unknown,
    options?: { readonly gzip?: boolean; readonly headers?: Readonly<Record<string, string>> },
  ): Promise<HttpResult>;
  /** Requests sent so far (every attempt, replay and retry counts). */
  readonly requests: number;
  /** Token refreshes asked for by a 401. */
  readonly refreshes: number;
}

const TRUNCATED_HEADER = 'x-kitty-body-truncated';
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

let kyPromise: Promise<KyInstance> | undefined;
const getKy = (): Promise<KyInstance> => (kyPromise ??= import('ky').then((m) => m.default));

async function readCapped(res: Response, max: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  if (res.body === null) return { bytes: Buffer.alloc(0), truncated: false };
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(value);
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

/**
 * The fetch ky calls: it reads the whole (capped) body before resolving, so ky's `timeout` covers connect,
 * headers and body, and a server that sends headers then stalls times out like one that never answers.
 */
function bufferingFetch(max: number): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const { bytes, truncated } = await readCapped(res, max);
    const headers = new Headers(res.headers);
    if (truncated) headers.set(TRUNCATED_HEADER, '1');
    return new Response(NULL_BODY_STATUSES.has(res.status) ? null : bytes, { status: res.status, statusText: res.statusText, headers });
  };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  cause?: { code?: string; message?: string; name?: string };
}

function isTls(e: unknown): boolean {
  const err = e as ErrorLike;
  const code = err?.cause?.code ?? err?.code ?? '';
  return TLS_CODES.has(code) || /certificate|self[- ]signed/i.test(err?.cause?.message ?? '');
}

function failureOf(e: unknown, timeoutMs: number): HttpFailure {
  const err = e as ErrorLike;
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') {
    return { kind: 'timeout', code: 'ETIMEDOUT', message: `the server did not answer within ${formatSeconds(timeoutMs)}` };
  }
  const code = err?.cause?.code ?? err?.code ?? err?.name ?? 'ERROR';
  const message = redact(err?.cause?.message ?? err?.message ?? String(e));
  if (isTls(e)) {
    return {
      kind: 'tls',
      code,
      message: `the server's TLS certificate is not trusted (${code}: ${message}); if it comes from a private CA, set NODE_EXTRA_CA_CERTS=/path/to/ca.pem`,
    };
  }
  return { kind: 'network', code, message };
}

const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/** The Retry-After of an answer in ms: delta seconds, or an HTTP date measured against the answer's own `Date`. */
function retryAfterMs(res: Response): number | null {
  const h = res.headers.get('retry-after');
  if (h === null || h.trim() === '') return null;
  const n = Number(h);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const at = Date.parse(h);
  const serverNow = Date.parse(res.headers.get('date') ?? '');
  return Number.isNaN(at) || Number.isNaN(serverNow) ? null : Math.max(0, at - serverNow);
}

async function replyOf(res: Response): Promise<HttpReply> {
  const text = await res.text();
  const truncated = res.headers.get(TRUNCATED_HEADER) === '1';
  let json: unknown;
  if (!truncated && text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  const date = res.headers.get('date');
  const serverDateMs = date ? Date.parse(date) : Number.NaN;
  return {
    kind: 'reply',
    status: res.status,
    headers: res.headers,
    text,
    json,
    truncated,
    serverDateMs: Number.isNaN(serverDateMs) ? null : serverDateMs,
  };
}

/**
 * Creates the HTTP client: ky with its `timeout` covering the whole exchange (the body is read inside the
 * fetch ky times), ky's retry for timeouts, network errors and 408/429/5xx (full-jitter backoff, Retry-After
 * honoured up to `maxRetryAfterMs`), a `beforeRequest` hook that adds the bearer token and an
 * `afterResponse` hook that refreshes it once on a 401 and replays. Redirects are never followed (a 3xx comes
 * back as a reply, so a token never leaves its server); answers are capped at `maxResponseBytes`.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const retries = Math.max(0, options.retries ?? 0);
  const baseDelay = options.retryDelayMs ?? 300;
  const maxRetryAfter = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const max = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const bearer = options.bearer;
  let requests = 0;
  let refreshes = 0;

  const kyOptions = (refreshed: { done: boolean }): KyOptions => ({
    timeout: timeoutMs,
    redirect: 'manual',
    fetch: bufferingFetch(max),
    ...(options.signal ? { signal: options.signal } : {}),
    // Only answers worth retrying throw inside ky (so its retry sees them); the rest come back as replies.
    throwHttpErrors: (status: number) => RETRY_STATUSES.includes(status),
    retry: {
      // A forced replay after a 401 refresh uses one attempt of the budget.
      limit: retries + (bearer ? 1 : 0),
      methods: ['post'],
      statusCodes: RETRY_STATUSES,
      afterStatusCodes: [429, 503],
      maxRetryAfter,
      retryOnTimeout: true,
      backoffLimit: 8_000,
      delay: (attempt) => baseDelay * 2 ** (attempt - 1),
      jitter: true,
      shouldRetry: ({ error, retryCount }) => {
        if (options.signal?.aborted) return false;
        if (retryCount > retries) return false; // the extra attempt is for the 401 replay only
        const e = error as ErrorLike & { response?: Response };
        if (e.name === 'HTTPError' && e.response) {
          const wait = retryAfterMs(e.response);
          // A Retry-After longer than we wait in-process ends the request: the caller stores it for every process.
          if (wait !== null && wait > maxRetryAfter) return false;
          return undefined;
        }
        if (e.name === 'TimeoutError') return undefined;
        if (e.name === 'TypeError' && !isTls(e)) return undefined; // fetch failed: refused, reset, DNS
        return false;
      },
    },
    hooks: {
      beforeRequest: [
        async (request) => {
          requests += 1;
          if (bearer) request.headers.set('authorization', `Bearer ${await bearer.token()}`);
        },
      ],
      afterResponse: [
        async (request, _opts, response) => {
          if (response.status !== 401 || !bearer || refreshed.done) return response;
          refreshed.done = true;
          refreshes += 1;
          const rejected = (request.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, '');
          await bearer.refresh(rejected); // throws when the refresh fails: the request ends as a `refresh` failure
          const ky = await getKy();
          return ky.retry({ delay: 0 });
        },
      ],
    },
  });

  const post = async (url: string, request: PostRequest): Promise<HttpResult> => {
    const ky = await getKy();
    const refreshed = { done: false };
    try {
      const res = await ky.post(url, {
        ...kyOptions(refreshed),
        body: request.body,
        ...(request.headers ? { headers: { ...request.headers } } : {}),
      });
      return await replyOf(res);
    } catch (e) {
      const err = e as ErrorLike & { response?: Response };
      if (err.name === 'HTTPError' && err.response) return replyOf(err.response);
      if (options.signal?.aborted) return { kind: 'deadline', code: 'ETIMEDOUT', message: 'the run deadline was reached' };
      if (refreshed.done && !(err.name === 'TimeoutError' || err.name === 'TypeError' || err.name === 'AbortError')) {
        return {
          kind: 'refresh',
          code: (err as { code?: string }).code ?? 'REFRESH_FAILED',
          message: redact(err.message ?? String(e)),
          error: e,
        };
      }
      return failureOf(e, timeoutMs);
    }
  };

  return {
    post,
    async postJson(url, value, opts = {}) {
      const raw = Buffer.from(JSON.stringify(value), 'utf8');
      const body = opts.gzip ? await gzipAsync(raw) : raw;
      return post(url, {
        body,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
          ...opts.headers,
        },
      });
    },
    get requests() {
      return requests;
    },
    get refreshes() {
      return refreshes;
    },
  };
}

/** Options of one {@link postJson}. */
export interface PostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly gzip?: boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
  readonly signal?: AbortSignal;
}

/** One JSON POST with a client of its own (no retries, no bearer hooks). Never throws for network trouble. */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<HttpResult> {
  const client = createHttpClient({
    timeoutMs: options.timeoutMs,
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return client.postJson(url, body, { ...(options.gzip ? { gzip: true } : {}), ...(options.headers ? { headers: options.headers } : {}) });
}
