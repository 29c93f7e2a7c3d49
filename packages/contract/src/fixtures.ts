import { describeValue } from '@kitty/errors';
import {
  createEventFactory,
  createIdGenerator,
  type EventDraft,
  type EventEnvelope,
  type EventFactory,
  type SyncLaneModel,
} from '@kitty/events';
import { ContractError } from './errors.js';

/** The batch endpoint, relative to the server URL. */
export const BATCH_PATH = '/api/v1/events/batch/';
/** The login endpoint. */
export const TOKEN_PATH = '/api/v1/token/';
/** The refresh endpoint. */
export const REFRESH_PATH = '/api/v1/token/refresh/';

/** The request of a fixture, with its body decoded (on the wire it is gzip JSON). */
export interface FixtureRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly events: ReadonlyArray<Record<string, unknown>> };
}

/** The answer the contract requires (its `error` texts are examples; ids, statuses and codes are the contract). */
export interface FixtureResponse {
  readonly status_code: number;
  readonly body: unknown;
}

/** One request/response pair of the batch-ingest contract. */
export interface ContractFixture {
  /** File name without `.json`, e.g. `01-single-event`. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The server configuration the expected answer assumes. */
  readonly server: { readonly lane_model: SyncLaneModel };
  /** Fixtures that must have been sent first (by name). */
  readonly preconditions: readonly string[];
  readonly request: FixtureRequest;
  readonly expected_response: FixtureResponse;
  /** What the kitty CLI does with this answer. */
  readonly client_effect: string;
  /** Events in the request that deliberately do not validate against kitty's schemas. */
  readonly invalid_event_ids: readonly string[];
}

/** How to build the fixtures: a clock and an id source (fixed for the committed files, fresh for `contract verify`). */
export interface FixtureBuildOptions {
  readonly now: () => Date;
  readonly newId: () => string;
  /** The correlation id shared by the events (default: a new id). */
  readonly correlationId?: string;
  /** The lane model of the server under test (default `4-lane`). */
  readonly laneModel?: SyncLaneModel;
  /** The team slug stamped into the events (default `acme`). */
  readonly teamSlug?: string;
  /** First Lamport clock value (default 1). */
  readonly lamportStart?: number;
}

/** The project the fixture events belong to. */
export const FIXTURE_PROJECT = Object.freeze({
  projectUuid: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  projectSlug: 'kitty-contract-demo',
  gitBranch: 'main',
  headCommitSha: '6b1f0c2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a',
  repoSlug: 'acme/kitty-contract-demo',
  nodeId: 'a1b2c3d4e5f6',
  featureSlug: '001-contract-demo',
});

const HEADERS = Object.freeze({
  Authorization: 'Bearer <access token from POST /api/v1/token/>',
  'Content-Type': 'application/json',
  'Content-Encoding': 'gzip',
  Accept: 'application/json',
});

/** An event id that is neither a ULID nor a UUID (fixture 05). */
export const INVALID_EVENT_ID = 'not-a-valid-event-id';

/** The options that produce the committed fixture files: a fixed clock and fixed ids. */
export function frozenFixtureOptions(): FixtureBuildOptions {
  let tick = 0;
  let id = 0;
  const start = Date.parse('2026-03-02T09:00:00.000Z');
  return {
    now: () => new Date(start + 1000 * tick++),
    // Fixed 26-char ULIDs (Crockford base32): a constant time part and a counter.
    newId: () => `01JNQ4V6M0${String(++id).padStart(16, '0')}`,
    correlationId: '01JNQ4V6M0CCCCCCCCCCCCCCCC',
  };
}

/** The options of one `contract verify` run: the real clock and fresh ULIDs, so a server's dedupe never interferes. */
export function freshFixtureOptions(now: () => Date, laneModel: SyncLaneModel = '4-lane', teamSlug = 'acme'): FixtureBuildOptions {
  return { now, newId: createIdGenerator(() => now().getTime()), laneModel, teamSlug };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Builds the contract fixtures: valid kitty events made with `createEventFactory` (plus deliberately broken
 * copies), each batch with the answer the contract requires from a server using `laneModel`.
 */
export function buildContractFixtures(options: FixtureBuildOptions): ContractFixture[] {
  if (options === null || typeof options !== 'object' || typeof options.now !== 'function' || typeof options.newId !== 'function') {
    throw new ContractError('INVALID_ARGUMENT', `buildContractFixtures needs { now, newId } functions; got ${describeValue(options)}.`, {
      suggestions: ['Use frozenFixtureOptions(), or freshFixtureOptions(now) with the clock of the caller.'],
    });
  }
  const laneModel = options.laneModel ?? '4-lane';
  const other: SyncLaneModel = laneModel === '4-lane' ? '7-lane' : '4-lane';
  let lamport = options.lamportStart ?? 1;
  const factory = (model: SyncLaneModel): EventFactory =>
    createEventFactory({
      nodeId: FIXTURE_PROJECT.nodeId,
      now: options.now,
      newId: options.newId,
      correlationId: options.correlationId ?? options.newId(),
      laneModel: model,
      context: {
        projectUuid: FIXTURE_PROJECT.projectUuid,
        projectSlug: FIXTURE_PROJECT.projectSlug,
        teamSlug: options.teamSlug ?? 'acme',
        gitBranch: FIXTURE_PROJECT.gitBranch,
        headCommitSha: FIXTURE_PROJECT.headCommitSha,
        repoSlug: FIXTURE_PROJECT.repoSlug,
      },
    });
  const f = factory(laneModel);
  const stamp = (draft: EventDraft): EventEnvelope => f.stamp(draft, lamport++);
  const feature = FIXTURE_PROJECT.featureSlug;
  const move = (
    wpId: string,
    from: string | null,
    to: string,
    extra: Partial<Parameters<EventFactory['wpStatusChanged']>[0]> = {},
    via: EventFactory = f,
  ) => stamp(via.wpStatusChanged({ featureSlug: feature, wpId, from, to, actor: 'claude', executionMode: 'worktree', ...extra }));
  const note = (wpId: string, content: string) => stamp(f.historyAdded({ wpId, content, author: 'claude' }));
  const ok = (e: { event_id: string }) => ({ event_id: e.event_id, status: 'success' });
  const batch = (events: ReadonlyArray<Record<string, unknown>>): FixtureRequest => ({
    method: 'POST',
    path: BATCH_PATH,
    headers: HEADERS,
    body: { events },
  });
  const server = { lane_model: laneModel };

  // 01
  const claimed = move('WP01', 'planned', 'claimed');
  // 02
  const causation = options.newId();
  const created = stamp(f.featureCreated({ featureSlug: feature, targetBranch: 'main', wpCount: 2 }));
  const wp1 = stamp(f.wpCreated({ wpId: 'WP01', title: 'Batch endpoint', featureSlug: feature }, { causationId: causation }));
  const wp2 = stamp(
    f.wpCreated({ wpId: 'WP02', title: 'Dashboard lanes', featureSlug: feature, dependencies: ['WP01'] }, { causationId: causation }),
  );
  const started = move('WP01', 'claimed', 'in_progress');
  const noted = note('WP01', 'Endpoint accepts gzip batches.');
  const canceled = move('WP02', 'planned', 'canceled', { force: true, reason: 'Folded into WP01' });
  // 03
  const after = note('WP01', 'Re-sent after a lost answer.');
  // 04
  const fine = note('WP01', 'This one is fine.');
  const errorLogged = stamp(f.errorLogged({ errorType: 'runtime', message: 'Worktree creation failed', wpId: 'WP01' }));
  const missingField = clone(errorLogged) as Record<string, unknown> & { payload: Record<string, unknown> };
  delete missingField.payload['error_type'];
  // 05
  const identified = note('WP01', 'Sent in the same batch as an unidentifiable event.');
  const unidentified = {
    ...clone(note('WP01', 'This event carries an id that is neither a ULID nor a UUID.')),
    event_id: INVALID_EVENT_ID,
  };
  // 06
  const unknownType = { ...clone(note('WP01', 'A type the contract does not know.')), event_type: 'WPTeleported' };
  // 07
  const badLane = clone(move('WP01', 'in_progress', 'for_review')) as Record<string, unknown> & { payload: Record<string, unknown> };
  badLane.payload['to_lane'] = 'in_review';
  badLane.payload['canonical_to_lane'] = 'in_review';
  // 08
  const otherModel = move('WP01', 'in_progress', 'for_review', {}, factory(other));

  return [
    {
      name: '01-single-event',
      title: 'Single event',
      description: `One WPStatusChanged event (WP01 planned -> claimed, written in the ${laneModel} model with the canonical lanes alongside).`,
      server,
      preconditions: [],
      request: batch([claimed]),
      expected_response: { status_code: 200, body: { results: [ok(claimed)] } },
      client_effect: 'The event is removed from the queue. Summary: "Synced: 1, Duplicates: 0, Failed: 0".',
      invalid_event_ids: [],
    },
    {
      name: '02-mixed-batch',
      title: 'Mixed batch',
      description:
        'A feature is created with two work packages (WPCreated events sharing one causation_id), WP01 starts, gets a note, and WP02 is canceled with force (4-lane: to_lane "done", canonical_to_lane "canceled", no evidence needed).',
      server,
      preconditions: [],
      request: batch([created, wp1, wp2, started, noted, canceled]),
      expected_response: { status_code: 200, body: { results: [created, wp1, wp2, started, noted, canceled].map(ok) } },
      client_effect: 'All six events are removed from the queue. Summary: "Synced: 6, Duplicates: 0, Failed: 0".',
      invalid_event_ids: [],
    },
    {
      name: '03-duplicate',
      title: 'Duplicate re-send',
      description:
        'The event of 01-single-event is sent again (the client never saw the first answer) together with a new event. Idempotency is on event_id: the known one is answered "duplicate", whatever its body; nothing is stored twice.',
      server,
      preconditions: ['01-single-event'],
      request: batch([claimed, after]),
      expected_response: { status_code: 200, body: { results: [{ event_id: claimed.event_id, status: 'duplicate' }, ok(after)] } },
      client_effect:
        'Both events are removed from the queue (a duplicate counts as delivered). Summary: "Synced: 1, Duplicates: 1, Failed: 0".',
      invalid_event_ids: [],
    },
    {
      name: '04-per-event-rejection',
      title: 'Per-event rejection',
      description:
        'A valid HistoryAdded and an ErrorLogged whose payload lacks the required error_type. Only the invalid event is rejected, with a structured code.',
      server,
      preconditions: [],
      request: batch([fine, missingField]),
      expected_response: {
        status_code: 200,
        body: {
          results: [
            ok(fine),
            {
              event_id: missingField['event_id'],
              status: 'rejected',
              error: 'Invalid ErrorLogged: payload.error_type: required field is missing',
              code: 'schema_mismatch',
            },
          ],
        },
      },
      client_effect:
        'The valid event is removed. The rejected one stays queued with its retry count +1 and backoff (dead after 10 rejections). Summary: "Synced: 1, Duplicates: 0, Failed: 1 (schema_mismatch: 1)" and exit code 5.',
      invalid_event_ids: [missingField['event_id'] as string],
    },
    {
      name: '05-bad-request-details',
      title: '400 with details',
      description: `A batch holding an event whose event_id is neither a ULID nor a UUID. The server cannot key a per-event result to it, so it refuses the whole batch (nothing is stored) and lists the culprit in details by event_id.`,
      server,
      preconditions: [],
      request: batch([identified, unidentified]),
      expected_response: {
        status_code: 400,
        body: {
          error: 'Batch validation failed: 1 event(s) cannot be identified; nothing in this batch was stored.',
          details: [
            {
              index: 1,
              event_id: INVALID_EVENT_ID,
              error: `invalid event_id "${INVALID_EVENT_ID}": not a 26-char ULID, a 36-char UUID or a 32-char hex UUID.`,
              code: 'invalid_event_id',
            },
          ],
          code: 'invalid_batch',
        },
      },
      client_effect:
        'The CLI rejects exactly the events listed in details (retry count +1) and sends the others again in a new request, which the server answers 200 "success". A 400 whose details are text is bisected until the offending event is isolated.',
      invalid_event_ids: [INVALID_EVENT_ID],
    },
    {
      name: '06-unknown-event-type',
      title: 'Unknown event type',
      description: 'An event with an event_type the contract does not define.',
      server,
      preconditions: [],
      request: batch([unknownType]),
      expected_response: {
        status_code: 200,
        body: {
          results: [
            {
              event_id: unknownType.event_id,
              status: 'rejected',
              error: 'Unknown event_type "WPTeleported": not one of the types in the batch-ingest contract.',
              code: 'unknown_event_type',
            },
          ],
        },
      },
      client_effect: 'The event stays queued with backoff; category schema_mismatch; exit code 5.',
      invalid_event_ids: [unknownType.event_id],
    },
    {
      name: '07-invalid-lane',
      title: 'Invalid lane',
      description: 'A WPStatusChanged whose to_lane and canonical_to_lane are "in_review", which is not a lane.',
      server,
      preconditions: [],
      request: batch([badLane]),
      expected_response: {
        status_code: 200,
        body: {
          results: [
            {
              event_id: badLane['event_id'],
              status: 'rejected',
              error:
                'Invalid WPStatusChanged: payload.to_lane: "in_review" is not a lane (allowed: planned, claimed, in_progress, for_review, done, blocked, canceled, doing); payload.canonical_to_lane: "in_review" is not a lane (allowed: planned, claimed, in_progress, for_review, done, blocked, canceled)',
              code: 'invalid_lane',
            },
          ],
        },
      },
      client_effect: 'The event stays queued with backoff; category schema_mismatch; exit code 5.',
      invalid_event_ids: [badLane['event_id'] as string],
    },
    {
      name: '08-lane-model-mismatch',
      title: 'Lane model mismatch',
      description: `A valid ${other} WPStatusChanged sent to a server that takes ${laneModel} payloads (the CLI's [sync] lane_model does not match the server).`,
      server,
      preconditions: [],
      request: batch([otherModel]),
      expected_response: {
        status_code: 200,
        body: {
          results: [
            {
              event_id: otherModel.event_id,
              status: 'rejected',
              error: `payload.lane_model "${other}" is not accepted: this server takes ${laneModel} WPStatusChanged payloads (set [sync] lane_model = "${laneModel}" in ~/.spec-kitty/config.toml).`,
              code: 'invalid_lane',
            },
          ],
        },
      },
      client_effect:
        'The event stays queued with backoff; category schema_mismatch; exit code 5. Fix the lane_model setting, then `spec-kitty sync dead --requeue --all` if needed.',
      invalid_event_ids: [],
    },
    {
      name: '09-empty-batch',
      title: 'Empty batch',
      description: 'An empty batch. `spec-kitty sync status --check` sends one with the real token to test the connection and the session.',
      server,
      preconditions: [],
      request: batch([]),
      expected_response: { status_code: 200, body: { results: [] } },
      client_effect: '`sync status --check` reports "connected".',
      invalid_event_ids: [],
    },
  ];
}
