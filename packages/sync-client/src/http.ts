import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { KyInstance } from 'ky';

const gzipAsync = promisify(gzip);

/** Default cap on a response body (decoded bytes): larger answers are cut and reported, never buffered. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

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
  readonly kind: 'timeout' | 'network' | 'tls';
  /** e.g. ECONNREFUSED, ECONNRESET, ENOTFOUND, or the error name. */
  readonly code: string;
  readonly message: string;
}

export type HttpResult = HttpReply | HttpFailure;

/** Options of one POST. */
export interface PostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly gzip?: boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
}

let kyPromise: Promise<KyInstance> | undefined;
async function getKy(): Promise<KyInstance> {
  kyPromise ??= import('ky').then((m) => m.default.create({ retry: 0, throwHttpErrors: false, redirect: 'manual' }));
  return kyPromise;
}

async function readCapped(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (res.body === null) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
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

function failureOf(e: unknown): HttpFailure {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return { kind: 'timeout', code: 'ETIMEDOUT', message: 'the server did not answer in time' };
  }
  const code = err?.cause?.code ?? err?.name ?? 'ERROR';
  const message = err?.cause?.message ?? err?.message ?? String(e);
  if (TLS_CODES.has(code) || /certificate|self[- ]signed/i.test(message)) {
    return {
      kind: 'tls',
      code,
      message: `the server's TLS certificate is not trusted (${code}: ${message}); if it comes from a private CA, set NODE_EXTRA_CA_CERTS=/path/to/ca.pem`,
    };
  }
  return { kind: 'network', code, message };
}

/**
 * POSTs a JSON body (optionally gzipped) with ky: no retries, no redirects followed (a 3xx comes back as a
 * reply), a timeout covering the whole exchange, and a response body read incrementally up to a byte cap so a
 * huge or gzip-bomb answer cannot exhaust memory. Never throws for network trouble: it returns a failure.
 */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<HttpResult> {
  const ky = await getKy();
  const raw = Buffer.from(JSON.stringify(body), 'utf8');
  const payload = options.gzip ? await gzipAsync(raw) : raw;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timeout', 'TimeoutError')), options.timeoutMs);
  try {
    const res = await ky.post(url, {
      body: payload,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
        ...options.headers,
      },
      timeout: false,
      signal: controller.signal,
    });
    const { text, truncated } = await readCapped(res, options.maxResponseBytes ?? MAX_RESPONSE_BYTES);
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
    return { kind: 'reply', status: res.status, headers: res.headers, text, json, truncated, serverDateMs: Number.isNaN(serverDateMs) ? null : serverDateMs };
  } catch (e) {
    return failureOf(controller.signal.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : e);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, safe excerpt of a body for error messages: at most `max` characters, tokens redacted. */
export function excerpt(text: string, max = 200): string {
  const cleaned = redact(text).replace(/\s+/g, ' ').trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

/** Removes bearer tokens, JWTs and token-looking JSON values from a text. */
export function redact(text: string): string {
  return text
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer ***')
    .replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '***')
    .replace(/("(?:access|refresh|token|access_token|refresh_token|password)"\s*:\s*)"[^"]*"/gi, '$1"***"');
}
