import { categorizeFailure, type FailureCategory } from './categorize.js';
import type { HttpClient, HttpReply, HttpResult } from './http.js';
import { excerpt, redact } from './redact.js';
import { parseRetryAfter } from './retry-after.js';

/** One event's verdict from the server (or from kitty when the server's answer isolates it). */
export interface PerEventResult {
  readonly eventId: string;
  readonly status: 'success' | 'duplicate' | 'rejected';
  readonly error?: string;
  readonly code?: string;
  readonly category?: FailureCategory;
  /** Retrying cannot help (e.g. a single event the server finds too large). */
  readonly permanent?: boolean;
}

/** How the server answered one batch request, classified. */
export type BatchAnswer =
  | { readonly kind: 'results'; readonly results: readonly PerEventResult[]; readonly unknownIds: readonly string[] }
  | { readonly kind: 'bad_request'; readonly error: string; readonly details: string | null; readonly perEvent: readonly PerEventResult[] }
  | { readonly kind: 'unauthorized'; readonly message: string }
  | { readonly kind: 'forbidden'; readonly message: string }
  | { readonly kind: 'too_large'; readonly message: string }
  | { readonly kind: 'rate_limited'; readonly status: number; readonly retryAfterMs: number | null; readonly message: string }
  | { readonly kind: 'transient'; readonly message: string }
  /** The run deadline ended the request. */
  | { readonly kind: 'deadline'; readonly message: string }
  /** A 401 asked for a token refresh and the refresh failed; `code` is the refresh error's code. */
  | { readonly kind: 'refresh_failed'; readonly code: string; readonly message: string }
  | { readonly kind: 'redirect'; readonly message: string }
  | { readonly kind: 'tls'; readonly message: string }
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'http_error'; readonly status: number; readonly message: string };

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

function parseDetails(raw: unknown): { list: Array<Record<string, unknown>> | null; text: string | null } {
  let value = raw;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('[')) {
      try {
        value = JSON.parse(t);
      } catch {
        return { list: null, text: value as string };
      }
    } else return { list: null, text: t === '' ? null : t };
  }
  if (Array.isArray(value))
    return { list: value.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null), text: null };
  if (value === null || value === undefined) return { list: null, text: null };
  return { list: null, text: JSON.stringify(value) };
}

/** The reply with every credential masked in its body (a server may echo a token in an error message). */
function redactReply(r: HttpReply): HttpReply {
  const safe = redact(r.text);
  if (safe === r.text) return r;
  let json: unknown;
  try {
    json = r.truncated || safe.trim() === '' ? undefined : JSON.parse(safe);
  } catch {
    json = undefined;
  }
  return { ...r, text: safe, json };
}

/** Classifies an HTTP result of `POST /api/v1/events/batch/` for the events sent (`sentIds`). */
export function classifyBatchAnswer(r: HttpResult, sentIds: ReadonlySet<string>, server: string, nowMs: number): BatchAnswer {
  if (r.kind === 'tls') return { kind: 'tls', message: `cannot connect securely to ${server}: ${r.message}` };
  if (r.kind === 'deadline') return { kind: 'deadline', message: `${server} had not answered when the run deadline was reached` };
  if (r.kind === 'refresh') return { kind: 'refresh_failed', code: r.code, message: r.message };
  if (r.kind !== 'reply') {
    return {
      kind: 'transient',
      message:
        r.kind === 'timeout' ? `${server} did not answer in time (${r.message})` : `cannot reach ${server} (${r.code}: ${r.message})`,
    };
  }
  const reply: HttpReply = redactReply(r);
  const body = reply.json as Record<string, unknown> | undefined;
  const snippet = excerpt(reply.text) || '(empty body)';
  const s = reply.status;
  if (s >= 300 && s < 400) {
    return {
      kind: 'redirect',
      message: `${server} answered HTTP ${s} redirecting to ${reply.headers.get('location') ?? '(no location)'}; redirects are not followed so your token is only sent to the configured server`,
    };
  }
  if (s === 200) {
    if (reply.truncated)
      return { kind: 'malformed', message: `unexpected response from server: HTTP 200 with a body larger than the limit` };
    const results = body?.['results'];
    if (typeof body !== 'object' || body === null || !Array.isArray(results)) {
      return { kind: 'malformed', message: `unexpected response from server: HTTP 200 without a "results" list: ${snippet}` };
    }
    const out: PerEventResult[] = [];
    const unknownIds: string[] = [];
    for (const item of results as unknown[]) {
      const rec = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const id = text(rec['event_id']);
      if (id === null || !sentIds.has(id)) {
        unknownIds.push(id ?? '(no event_id)');
        continue;
      }
      const status = rec['status'];
      if (status === 'success' || status === 'duplicate') out.push({ eventId: id, status });
      else {
        const error =
          text(rec['error_message']) ?? text(rec['error']) ?? `server answered status ${JSON.stringify(status ?? null)} without a message`;
        const code = text(rec['code']);
        out.push({ eventId: id, status: 'rejected', error, ...(code ? { code } : {}), category: categorizeFailure(error, code) });
      }
    }
    return { kind: 'results', results: out, unknownIds };
  }
  if (s === 400) {
    const error = text(body?.['error']) ?? (body === undefined ? snippet : 'Bad request');
    const { list, text: detailText } = parseDetails(body?.['details']);
    const perEvent: PerEventResult[] = [];
    for (const item of list ?? []) {
      const id = text(item['event_id']);
      if (id === null || !sentIds.has(id)) continue;
      const reason = text(item['error']) ?? text(item['reason']) ?? text(item['message']) ?? error;
      const code = text(item['code']);
      perEvent.push({
        eventId: id,
        status: 'rejected',
        error: reason,
        ...(code ? { code } : {}),
        category: categorizeFailure(reason, code),
      });
    }
    return { kind: 'bad_request', error, details: detailText ?? (list ? JSON.stringify(list) : null), perEvent };
  }
  if (s === 401) return { kind: 'unauthorized', message: text(body?.['error']) ?? text(body?.['detail']) ?? 'HTTP 401' };
  if (s === 403) return { kind: 'forbidden', message: text(body?.['error']) ?? text(body?.['detail']) ?? snippet };
  if (s === 413)
    return { kind: 'too_large', message: `${server} answered HTTP 413 (payload too large)${reply.text.trim() ? `: ${snippet}` : ''}` };
  if (s === 429 || s === 503) {
    return {
      kind: 'rate_limited',
      status: s,
      retryAfterMs: parseRetryAfter(reply.headers.get('retry-after'), nowMs),
      message: `${server} answered HTTP ${s}${s === 429 ? ' (rate limited)' : ' (unavailable)'}`,
    };
  }
  if (s === 408 || s >= 500) return { kind: 'transient', message: `${server} answered HTTP ${s}: ${snippet}` };
  return { kind: 'http_error', status: s, message: `${server} answered HTTP ${s}: ${snippet}` };
}

/** Sends one batch with `client` (which adds the bearer token): gzip JSON `{"events": [...]}`; never throws for network trouble. */
export async function sendBatch(
  client: HttpClient,
  server: string,
  events: readonly Record<string, unknown>[],
  nowMs: () => number,
): Promise<BatchAnswer> {
  const sent = new Set(events.map((e) => String(e['event_id'])));
  const r = await client.postJson(`${server}/api/v1/events/batch/`, { events }, { gzip: true });
  return classifyBatchAnswer(r, sent, server, nowMs());
}
