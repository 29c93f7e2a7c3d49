import { describeValue, typeName } from '@kitty/errors';
import { EventsError } from './errors.js';
import { createIdGenerator, normalizeEventId, type IdGenerator } from './ids.js';
import { DEFAULT_SYNC_LANE_MODEL, LANE_COLLAPSE_7_TO_4, parseSyncLaneModel, resolveLane, type Lane, type SyncLaneModel } from './lanes.js';
import { KITTY_DATA_TIER, KITTY_SCHEMA_VERSION, type EventDraft, type EventEnvelope } from './schemas/envelope.js';
import { EVENT_TYPES, isEventType, type EventType } from './schemas/registry.js';
import type { DoneEvidence } from './schemas/status.js';
import { parseEvent } from './validate.js';

/** Where an event comes from: the project and the git state of the command that emits it. */
export interface EventContext {
  readonly projectUuid: string;
  readonly projectSlug: string | null;
  /** The team of the logged-in user, or `local`. */
  readonly teamSlug: string;
  readonly gitBranch: string | null;
  readonly headCommitSha: string | null;
  readonly repoSlug: string | null;
}

/** Options of {@link createEventFactory}. */
export interface EventFactoryOptions {
  /** This machine user's node id (see `deriveNodeId`). */
  readonly nodeId: string;
  /** The wall clock, for `timestamp`. */
  readonly now: () => Date;
  readonly context: EventContext;
  /** Id source; defaults to a monotonic ULID generator over `now`. */
  readonly newId?: IdGenerator;
  /** One correlation id per CLI command run; generated when absent. */
  readonly correlationId?: string;
  /** How `WPStatusChanged` payloads write lanes; default `4-lane`. */
  readonly laneModel?: SyncLaneModel;
}

/** Extra envelope options of one event. */
export interface DraftOptions {
  readonly causationId?: string | null;
}

/** Input of a `WPStatusChanged` event, in canonical lanes (aliases accepted). */
export interface WPStatusChangedInput {
  readonly featureSlug: string;
  readonly wpId: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: string;
  readonly force?: boolean;
  readonly reason?: string | null;
  readonly reviewRef?: string | null;
  readonly evidence?: DoneEvidence | null;
  readonly executionMode: 'worktree' | 'direct_repo';
  readonly policyMetadata?: Record<string, unknown> | null;
}

/** Builds validated event drafts for one command run (shared correlation id, node id and context). */
export interface EventFactory {
  readonly correlationId: string;
  readonly laneModel: SyncLaneModel;
  /** A fresh id, e.g. a causation id shared by several events that is not itself an event. */
  newId(): string;
  /** A validated draft of any kitty event type (everything but `lamport_clock`). */
  draft(eventType: EventType, aggregateId: string, payload: Record<string, unknown>, options?: DraftOptions): EventDraft;
  /** Completes a draft with its Lamport clock value (the queue does this inside its transaction). */
  stamp(draft: EventDraft, lamportClock: number): EventEnvelope;
  wpStatusChanged(input: WPStatusChangedInput, options?: DraftOptions): EventDraft;
  wpCreated(
    input: { wpId: string; title: string; featureSlug: string; dependencies?: readonly string[] },
    options?: DraftOptions,
  ): EventDraft;
  featureCreated(
    input: { featureSlug: string; targetBranch: string; wpCount?: number; createdAt?: string },
    options?: DraftOptions,
  ): EventDraft;
  historyAdded(
    input: { wpId: string; entryType?: 'note' | 'review' | 'error' | 'comment'; content: string; author?: string },
    options?: DraftOptions,
  ): EventDraft;
  errorLogged(
    input: {
      errorType: 'validation' | 'runtime' | 'network' | 'auth' | 'unknown';
      message: string;
      wpId?: string;
      stackTrace?: string;
      agentId?: string;
    },
    options?: DraftOptions,
  ): EventDraft;
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new EventsError('INVALID_ARGUMENT', `${what} must be a non-empty string; got ${describeValue(value)} (${typeName(value)}).`);
  }
  return value;
};

/**
 * Creates the event factory of one command run. Every draft is validated against kitty's envelope and the
 * payload schema of its type before it is returned; invalid input throws `INVALID_ENVELOPE`/`INVALID_PAYLOAD`
 * listing each field.
 *
 * @example
 * const events = createEventFactory({ nodeId, now: () => new Date(), context });
 * queue.enqueue(events.wpStatusChanged({ featureSlug: '001-x', wpId: 'WP01', from: 'planned', to: 'claimed', actor: 'claude', executionMode: 'worktree' }));
 */
export function createEventFactory(options: EventFactoryOptions): EventFactory {
  if (options === null || typeof options !== 'object') {
    throw new EventsError('INVALID_ARGUMENT', `createEventFactory needs options; got ${describeValue(options)}.`);
  }
  const nodeId = str(options.nodeId, 'nodeId');
  if (typeof options.now !== 'function') throw new EventsError('INVALID_ARGUMENT', 'createEventFactory needs a `now` clock function.');
  const ctx = options.context;
  if (ctx === null || typeof ctx !== 'object') {
    throw new EventsError('INVALID_ARGUMENT', `createEventFactory needs a context (project and git state); got ${describeValue(ctx)}.`);
  }
  const now = options.now;
  const newId = options.newId ?? createIdGenerator(() => now().getTime());
  const correlationId = normalizeEventId(options.correlationId ?? newId(), 'correlation_id');
  const laneModel = parseSyncLaneModel(options.laneModel ?? DEFAULT_SYNC_LANE_MODEL);

  const stamp = (draft: EventDraft, lamportClock: number): EventEnvelope => {
    const envelope = { ...draft, lamport_clock: lamportClock };
    return parseEvent(envelope);
  };

  const draft: EventFactory['draft'] = (eventType, aggregateId, payload, opts = {}) => {
    if (!isEventType(eventType) || !EVENT_TYPES[eventType].emitted) {
      throw new EventsError('UNKNOWN_EVENT_TYPE', `kitty does not emit event type ${describeValue(eventType)}.`, {
        suggestions: [
          `Use one of the emitted types: ${Object.keys(EVENT_TYPES)
            .filter((t) => EVENT_TYPES[t as EventType].emitted)
            .join(', ')}.`,
        ],
      });
    }
    const full = stamp(
      {
        event_id: newId(),
        event_type: eventType,
        aggregate_id: aggregateId,
        aggregate_type: EVENT_TYPES[eventType].aggregateType,
        payload,
        timestamp: now().toISOString(),
        node_id: nodeId,
        causation_id: opts.causationId ?? null,
        correlation_id: correlationId,
        project_uuid: ctx.projectUuid,
        project_slug: ctx.projectSlug,
        schema_version: KITTY_SCHEMA_VERSION,
        data_tier: KITTY_DATA_TIER,
        team_slug: ctx.teamSlug,
        git_branch: ctx.gitBranch,
        head_commit_sha: ctx.headCommitSha,
        repo_slug: ctx.repoSlug,
      },
      0,
    );
    const { lamport_clock: _unused, ...rest } = full;
    return rest;
  };

  const inModel = (lane: Lane): string => (laneModel === '4-lane' ? LANE_COLLAPSE_7_TO_4[lane] : lane);

  return {
    correlationId,
    laneModel,
    newId,
    draft,
    stamp,
    wpStatusChanged(input, opts) {
      const to = resolveLane(input.to);
      const from = input.from === null ? null : resolveLane(input.from);
      return draft(
        'WPStatusChanged',
        input.wpId,
        {
          feature_slug: input.featureSlug,
          wp_id: input.wpId,
          from_lane: from === null ? null : inModel(from),
          to_lane: inModel(to),
          actor: input.actor,
          force: input.force ?? false,
          reason: input.reason ?? null,
          review_ref: input.reviewRef ?? null,
          evidence: input.evidence ?? null,
          execution_mode: input.executionMode,
          lane_model: laneModel,
          canonical_from_lane: from,
          canonical_to_lane: to,
          ...(input.policyMetadata === undefined ? {} : { policy_metadata: input.policyMetadata }),
        },
        opts,
      );
    },
    wpCreated(input, opts) {
      return draft(
        'WPCreated',
        input.wpId,
        { wp_id: input.wpId, title: input.title, feature_slug: input.featureSlug, dependencies: [...(input.dependencies ?? [])] },
        opts,
      );
    },
    featureCreated(input, opts) {
      const slug = str(input.featureSlug, 'featureSlug');
      return draft(
        'FeatureCreated',
        slug,
        {
          feature_slug: slug,
          feature_number: slug.slice(0, 3),
          target_branch: input.targetBranch,
          wp_count: input.wpCount ?? 0,
          ...(input.createdAt === undefined ? {} : { created_at: input.createdAt }),
        },
        opts,
      );
    },
    historyAdded(input, opts) {
      return draft(
        'HistoryAdded',
        input.wpId,
        { wp_id: input.wpId, entry_type: input.entryType ?? 'note', entry_content: input.content, author: input.author ?? 'user' },
        opts,
      );
    },
    errorLogged(input, opts) {
      return draft(
        'ErrorLogged',
        input.wpId ?? 'error',
        {
          error_type: input.errorType,
          error_message: input.message,
          ...(input.wpId === undefined ? {} : { wp_id: input.wpId }),
          ...(input.stackTrace === undefined ? {} : { stack_trace: input.stackTrace }),
          ...(input.agentId === undefined ? {} : { agent_id: input.agentId }),
        },
        opts,
      );
    },
  };
}
