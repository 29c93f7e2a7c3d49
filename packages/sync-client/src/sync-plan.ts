import type { BatchAnswer, PerEventResult } from './batch.js';
import { categorizeFailure } from './categorize.js';

/**
 * The sync run's decisions, as a pure function: given what the run knows (`PlanState`) and how the server
 * answered one request for some events, say what to do next. No I/O, no clock: the loop in `sync.ts` performs
 * the steps (sends, applies outcomes to the queue, stops). Every row of the status matrix
 * (reliability-test-plan §1.9, as decided in ADR 0006/0013) is one branch here and one row of its table test.
 */

/** Default for {@link PlanState.maxRefusals}. */
export const DEFAULT_MAX_CONSECUTIVE_REFUSALS = 16;

/** What the decisions depend on, carried from one answer to the next. */
export interface PlanState {
  /** Whole-batch refusals in a row (413, or 400 without per-event details); any per-event answer resets it. */
  readonly refusals: number;
  /** The circuit breaker: this many refusals in a row end the run. */
  readonly maxRefusals: number;
}

/** Why a run stopped early. */
export type StopReason =
  'auth' | 'forbidden' | 'rate_limited' | 'offline' | 'deadline' | 'circuit_breaker' | 'redirect' | 'tls' | 'malformed' | 'http_error';

/** What to do after one answer. */
export type Step =
  /**
   * Record these verdicts (success/duplicate removed, rejected kept with backoff, `permanent` ones dead);
   * `missing` were sent but not answered (they stay pending); `unknown` answers named ids that were not sent
   * (ignored); `resend` groups go out next, before anything else.
   */
  | {
      readonly kind: 'record';
      readonly outcomes: readonly PerEventResult[];
      readonly missing: readonly string[];
      readonly unknown: readonly string[];
      readonly resend: ReadonlyArray<readonly string[]>;
    }
  /** Send these smaller groups instead (413 halving, 400 bisection), in order. */
  | { readonly kind: 'split'; readonly groups: ReadonlyArray<readonly string[]> }
  /**
   * End the run. Events without a verdict stay queued untouched; `transient` counts the failure as a
   * delivery problem (offline), `retryAfterMs` makes every process wait that long.
   */
  | {
      readonly kind: 'stop';
      readonly status: 'auth' | 'offline' | 'error';
      readonly reason: StopReason;
      readonly message: string;
      readonly transient: boolean;
      readonly retryAfterMs: number | null;
    };

/** Wait stored after a 429/503 that gave no usable Retry-After. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

/** The initial state of a run. */
export function initialPlan(maxRefusals = DEFAULT_MAX_CONSECUTIVE_REFUSALS): PlanState {
  return { refusals: 0, maxRefusals: Math.max(1, maxRefusals) };
}

const halves = (ids: readonly string[]): Array<readonly string[]> => {
  const mid = Math.ceil(ids.length / 2);
  return [ids.slice(0, mid), ids.slice(mid)];
};

const stop = (
  status: 'auth' | 'offline' | 'error',
  reason: StopReason,
  message: string,
  transient = false,
  retryAfterMs: number | null = null,
): Step => ({
  kind: 'stop',
  status,
  reason,
  message,
  transient,
  retryAfterMs,
});

const record = (
  outcomes: readonly PerEventResult[],
  extra: { missing?: readonly string[]; unknown?: readonly string[]; resend?: ReadonlyArray<readonly string[]> } = {},
): Step => ({
  kind: 'record',
  outcomes,
  missing: extra.missing ?? [],
  unknown: extra.unknown ?? [],
  resend: extra.resend ?? [],
});

/**
 * Decides the next step after `answer` to a request that carried the events `sent` (ids, in order) to
 * `server`. Pure: same inputs, same output.
 */
export function decide(
  state: PlanState,
  sent: readonly string[],
  answer: BatchAnswer,
  server: string,
): { readonly state: PlanState; readonly step: Step } {
  const reset: PlanState = { ...state, refusals: 0 };
  const refused: PlanState = { ...state, refusals: state.refusals + 1 };
  const breaker = (what: string): Step =>
    stop(
      'error',
      'circuit_breaker',
      `${server} refused ${refused.refusals} requests in a row (${what}), down to single events; stopped this run so it does not send thousands of requests. The events stay queued. Check the server's limits and logs, then run \`spec-kitty sync now\` again.`,
    );

  switch (answer.kind) {
    case 'results': {
      const answered = new Set(answer.results.map((r) => r.eventId));
      return {
        state: reset,
        step: record(answer.results, { missing: sent.filter((id) => !answered.has(id)), unknown: answer.unknownIds }),
      };
    }
    case 'bad_request': {
      if (answer.perEvent.length > 0) {
        // The server named the bad events: exactly those are rejected, the others go out again.
        const named = new Set(answer.perEvent.map((r) => r.eventId));
        const rest = sent.filter((id) => !named.has(id));
        return { state: reset, step: record(answer.perEvent, { resend: rest.length > 0 ? [rest] : [] }) };
      }
      if (refused.refusals >= state.maxRefusals) return { state: refused, step: breaker(`HTTP 400: ${answer.error}`) };
      if (sent.length > 1) return { state: refused, step: { kind: 'split', groups: halves(sent) } };
      const only = sent[0] as string;
      const error = answer.details ? `${answer.error}: ${answer.details}` : answer.error;
      return { state: refused, step: record([{ eventId: only, status: 'rejected', error, category: categorizeFailure(error) }]) };
    }
    case 'too_large': {
      if (refused.refusals >= state.maxRefusals) return { state: refused, step: breaker('HTTP 413 at every size') };
      if (sent.length > 1) return { state: refused, step: { kind: 'split', groups: halves(sent) } };
      const only = sent[0] as string;
      return {
        state: refused,
        step: record([
          {
            eventId: only,
            status: 'rejected',
            error: `${answer.message}: this single event is larger than the server accepts`,
            category: 'too_large',
            permanent: true,
          },
        ]),
      };
    }
    case 'unauthorized':
      return {
        state,
        step: stop(
          'auth',
          'auth',
          `${server} refused the token even after a refresh (HTTP 401). Re-authenticate: run \`spec-kitty auth login\`.`,
        ),
      };
    case 'refresh_failed': {
      // The refresh itself could not be done (5xx, reset, timeout): that is the server's state, not the session's.
      const offline = answer.code === 'SERVER_UNAVAILABLE' || answer.code === 'SERVER_UNREACHABLE';
      return offline
        ? {
            state,
            step: stop(
              'offline',
              'offline',
              `Offline or server unavailable: the token refresh after HTTP 401 failed (${answer.message}).`,
              true,
            ),
          }
        : { state, step: stop('auth', 'auth', answer.message) };
    }
    case 'forbidden':
      return {
        state,
        step: stop(
          'auth',
          'forbidden',
          `${server} refused access (HTTP 403): ${answer.message}. Check that your account belongs to the project's team (\`spec-kitty auth status\`).`,
        ),
      };
    case 'rate_limited': {
      const wait = answer.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
      return { state, step: stop('offline', 'rate_limited', `${answer.message}; retry after ${Math.ceil(wait / 1000)} s.`, true, wait) };
    }
    case 'transient':
      return { state, step: stop('offline', 'offline', `Offline or server unavailable: ${answer.message}.`, true) };
    case 'deadline':
      return { state, step: stop('offline', 'deadline', `Stopped at the run deadline: ${answer.message}.`, true) };
    case 'redirect':
      return { state, step: stop('error', 'redirect', `${answer.message}.`) };
    case 'tls':
      return { state, step: stop('error', 'tls', `${answer.message}.`) };
    case 'malformed':
      // Nothing is marked; the batch goes back as a delivery failure (backoff), the answer is reported.
      return { state, step: stop('error', 'malformed', `${answer.message}.`, true) };
    case 'http_error':
      return { state, step: stop('error', 'http_error', `${answer.message}. Check the server URL (\`spec-kitty sync server\`).`) };
  }
}
