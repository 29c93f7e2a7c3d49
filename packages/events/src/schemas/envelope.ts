import * as v from 'valibot';
import { EventIdString, IsoDateTime, JsonObject, NonEmptyString, UuidString } from './primitives.js';

/** Aggregate kinds kitty writes into `aggregate_type`. */
export const AGGREGATE_TYPES = ['WorkPackage', 'Feature', 'MissionDossier', 'Mission'] as const;
export type AggregateType = (typeof AGGREGATE_TYPES)[number];

const SemVer = v.pipe(v.string(), v.regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version like 2.0.0'));
const DataTier = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be 0..4'), v.maxValue(4, 'must be 0..4'));
const LamportValue = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be ≥ 0'), v.safeInteger());

const libraryFields = {
  event_id: EventIdString,
  event_type: NonEmptyString,
  aggregate_id: NonEmptyString,
  payload: v.optional(JsonObject, {}),
  timestamp: IsoDateTime,
  node_id: NonEmptyString,
  lamport_clock: LamportValue,
  causation_id: v.optional(v.nullable(EventIdString), null),
  project_uuid: UuidString,
  project_slug: v.optional(v.nullable(v.string()), null),
  correlation_id: EventIdString,
  schema_version: v.optional(SemVer, '1.0.0'),
  data_tier: v.optional(DataTier, 0),
};

/**
 * The generic `Event` envelope of the events-library contract (spec-kitty-events 2.3.1). Unknown top-level
 * keys are kept (the library ignores them).
 */
export const LibraryEventSchema = v.looseObject(libraryFields);

/** The schema version kitty writes into every envelope (the events-library contract version). */
export const KITTY_SCHEMA_VERSION = '2.0.0';

/** The data tier kitty writes: 2 = team-visible (synced to the team's SaaS dashboard). */
export const KITTY_DATA_TIER = 2;

/**
 * The largest envelope, as JSON, that kitty queues and sends (reliability plan row 44): 64 KiB. The queue refuses
 * bigger ones; builders that take free text (status reasons, actors) fit their events under it (ADR 0012).
 */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

/**
 * The envelope kitty emits: every library field (all present, nulls explicit) plus the aggregate type and
 * the CLI context fields the spec-kitty 2.0 wire format carries (team, git branch, HEAD, repo slug).
 */
export const KittyEnvelopeSchema = v.object({
  ...libraryFields,
  aggregate_type: v.picklist(AGGREGATE_TYPES, `must be one of ${AGGREGATE_TYPES.join(', ')}`),
  payload: JsonObject,
  causation_id: v.nullable(EventIdString),
  project_slug: v.nullable(v.string()),
  schema_version: SemVer,
  data_tier: DataTier,
  team_slug: NonEmptyString,
  git_branch: v.nullable(v.string()),
  head_commit_sha: v.nullable(v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/, 'must be a 40-char lower-case git sha'))),
  repo_slug: v.nullable(v.string()),
});

/** The spec-kitty 2.0 CLI's own wire envelope (15 keys, no correlation id), accepted for compatibility. */
export const LegacyCliEnvelopeSchema = v.looseObject({
  event_id: EventIdString,
  event_type: NonEmptyString,
  aggregate_id: NonEmptyString,
  aggregate_type: v.picklist(['WorkPackage', 'Feature', 'MissionDossier']),
  payload: JsonObject,
  node_id: NonEmptyString,
  lamport_clock: LamportValue,
  causation_id: v.nullable(EventIdString),
  timestamp: IsoDateTime,
  team_slug: NonEmptyString,
  project_uuid: v.nullable(UuidString),
  project_slug: v.nullable(v.string()),
  git_branch: v.nullable(v.string()),
  head_commit_sha: v.nullable(v.string()),
  repo_slug: v.nullable(v.string()),
});

export type LibraryEvent = v.InferOutput<typeof LibraryEventSchema>;
export type EventEnvelope = v.InferOutput<typeof KittyEnvelopeSchema>;
/** An envelope before the queue stamps its Lamport clock value. */
export type EventDraft = Omit<EventEnvelope, 'lamport_clock'>;
export type LegacyCliEnvelope = v.InferOutput<typeof LegacyCliEnvelopeSchema>;
