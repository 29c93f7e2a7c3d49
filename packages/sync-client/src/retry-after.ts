/** The longest Retry-After kitty honours; longer values are capped (and the run stops until then). */
export const RETRY_AFTER_CAP_MS = 5 * 60_000;

/**
 * Parses a `Retry-After` header: delta seconds or an HTTP date, relative to `nowMs`. Junk, negative or missing
 * values give null (the caller uses its own backoff); large values are capped at `capMs`.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number, capMs = RETRY_AFTER_CAP_MS): number | null {
  if (header === null || header === undefined) return null;
  const v = header.trim();
  if (v === '') return null;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Math.round(Number(v) * 1000);
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at) || !/[a-z]/i.test(v)) return null;
    ms = at - nowMs;
  }
  if (!Number.isFinite(ms) || ms < 0) return ms < 0 ? 0 : null;
  return Math.min(ms, capMs);
}
