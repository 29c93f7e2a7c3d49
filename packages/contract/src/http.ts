import { createHttpClient, excerpt, type HttpResult } from '@kitty/sync-client';
import type { ObservedAnswer } from './compare.js';

/** An answer, or why there was none. */
export type Exchange =
  ({ readonly kind: 'reply' } & ObservedAnswer) | { readonly kind: 'failure'; readonly code: string; readonly message: string };

/** Largest answer the verifier reads (bytes); more is cut. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

const exchangeOf = (r: HttpResult): Exchange =>
  r.kind === 'reply'
    ? { kind: 'reply', status: r.status, json: r.json, text: r.text }
    : { kind: 'failure', code: r.code, message: r.message };

/**
 * The verifier's HTTP client: sync-client's one client (ky, timeout covering the whole exchange, redirects not
 * followed, answers capped), without retries, so every answer the server gives is observed as it is.
 */
const clientFor = (timeoutMs: number) => createHttpClient({ timeoutMs, retries: 0, maxResponseBytes: MAX_ANSWER_BYTES });

/** POSTs JSON the way the kitty CLI does (optionally gzip, optionally with a bearer token). Never throws for network trouble. */
export async function sendJson(
  url: string,
  body: unknown,
  options: { readonly gzip: boolean; readonly token?: string; readonly timeoutMs: number },
): Promise<Exchange> {
  const r = await clientFor(options.timeoutMs).postJson(url, body, {
    gzip: options.gzip,
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  });
  return exchangeOf(r);
}

/** POSTs raw bytes with the given headers (for deliberately malformed requests). Never throws for network trouble. */
export async function sendRaw(
  url: string,
  body: Uint8Array | string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<Exchange> {
  return exchangeOf(await clientFor(timeoutMs).post(url, { body, headers }));
}

/** A one-line description of an exchange for reports (tokens redacted, body cut). */
export function describeExchange(x: Exchange): string {
  if (x.kind === 'failure') return `no answer (${x.code}: ${x.message})`;
  const body = excerpt(x.text, 240);
  return `HTTP ${x.status}${body ? ` ${body}` : ''}`;
}
