import type { KyInstance } from 'ky';
import { excerpt, postJson } from '@kitty/sync-client';
import type { ObservedAnswer } from './compare.js';

/** An answer, or why there was none. */
export type Exchange = ({ readonly kind: 'reply' } & ObservedAnswer) | { readonly kind: 'failure'; readonly code: string; readonly message: string };

/** Largest answer the verifier reads (bytes); more is cut. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

let kyPromise: Promise<KyInstance> | undefined;
const getKy = (): Promise<KyInstance> => (kyPromise ??= import('ky').then((m) => m.default.create({ retry: 0, throwHttpErrors: false, redirect: 'manual' })));

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_ANSWER_BYTES) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const parse = (text: string): unknown => {
  try {
    return text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** POSTs JSON the way the kitty CLI does (sync-client's `postJson`, optionally gzip). Never throws for network trouble. */
export async function sendJson(url: string, body: unknown, options: { readonly gzip: boolean; readonly token?: string; readonly timeoutMs: number }): Promise<Exchange> {
  const r = await postJson(url, body, {
    gzip: options.gzip,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: MAX_ANSWER_BYTES,
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  });
  if (r.kind !== 'reply') return { kind: 'failure', code: r.code, message: r.message };
  return { kind: 'reply', status: r.status, json: r.json, text: r.text };
}

/** POSTs raw bytes with the given headers (for deliberately malformed requests). Never throws for network trouble. */
export async function sendRaw(url: string, body: Uint8Array | string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<Exchange> {
  const ky = await getKy();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await ky.post(url, { body, headers, timeout: false, signal: controller.signal });
    const text = await readCapped(res);
    return { kind: 'reply', status: res.status, json: parse(text), text };
  } catch (e) {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (controller.signal.aborted) return { kind: 'failure', code: 'ETIMEDOUT', message: 'the server did not answer in time' };
    return { kind: 'failure', code: err.cause?.code ?? err.name ?? 'ERROR', message: err.cause?.message ?? err.message ?? String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** A one-line description of an exchange for reports (tokens redacted, body cut). */
export function describeExchange(x: Exchange): string {
  if (x.kind === 'failure') return `no answer (${x.code}: ${x.message})`;
  const body = excerpt(x.text, 240);
  return `HTTP ${x.status}${body ? ` ${body}` : ''}`;
}
