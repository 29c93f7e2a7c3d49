import * as v from 'valibot';
import { LANE_COLLAPSE_7_TO_4, type Lane } from '../lanes.js';
import {
  ExecutionMode,
  FeatureSlug,
  IsoDateTime,
  JsonObject,
  LaneExact,
  LaneInput,
  NonEmptyString,
  SyncLane4Schema,
  WpId,
  filled,
  opt,
} from './primitives.js';

/** One repository touched by a finished work package. */
export const RepoEvidenceSchema = v.object({
  repo: NonEmptyString,
  branch: NonEmptyString,
  commit: NonEmptyString,
  files_touched: opt(v.array(v.string())),
});

/** The reviewer's verdict. */
export const ReviewVerdictSchema = v.object({
  reviewer: NonEmptyString,
  verdict: NonEmptyString,
  reference: opt(v.string()),
});

/** A verification step that was run. */
export const VerificationEntrySchema = v.object({
  command: NonEmptyString,
  result: NonEmptyString,
  summary: opt(v.string()),
});

/** Evidence required when a work package moves to `done` (events-library contract: repos and review). */
export const DoneEvidenceSchema = v.object({
  repos: v.pipe(v.array(RepoEvidenceSchema), v.minLength(1, 'needs at least one repository')),
  review: ReviewVerdictSchema,
  verification: v.optional(v.array(VerificationEntrySchema)),
});

/**
 * The events library's `StatusTransitionPayload` (spec-kitty-events 2.3.1): payload of `WPStatusChanged`
 * in the canonical contract. Rules: force needs a reason; `to_lane` done needs evidence.
 */
export const StatusTransitionPayloadSchema = v.pipe(
  v.object({
    feature_slug: NonEmptyString,
    wp_id: NonEmptyString,
    from_lane: opt(LaneInput),
    to_lane: LaneInput,
    actor: NonEmptyString,
    force: v.optional(v.boolean(), false),
    reason: opt(v.string()),
    execution_mode: ExecutionMode,
    review_ref: opt(v.string()),
    evidence: opt(DoneEvidenceSchema),
  }),
  v.forward(
    v.partialCheck(
      [['force'], ['reason']],
      (input) => input.force !== true || filled(input.reason),
      'force=true requires a non-empty reason',
    ),
    ['reason'],
  ),
  v.forward(
    v.partialCheck(
      [['to_lane'], ['evidence']],
      (input) => input.to_lane !== 'done' || (input.evidence !== null && input.evidence !== undefined),
      "to_lane 'done' requires evidence",
    ),
    ['evidence'],
  ),
);

/** How a `WPStatusChanged` payload writes lanes: collapsed to the 4-lane board, or all 7. */
export const LaneModelSchema = v.picklist(['4-lane', '7-lane'], 'must be 4-lane or 7-lane');

/**
 * kitty's `WPStatusChanged` payload: every `StatusTransitionPayload` field, with `from_lane`/`to_lane` in the
 * configured lane model (`lane_model`), plus the canonical lanes so no information is lost in 4-lane mode.
 */
export const WPStatusChangedPayloadSchema = v.pipe(
  v.object({
    feature_slug: FeatureSlug,
    wp_id: WpId,
    from_lane: v.nullable(v.union([LaneExact, SyncLane4Schema])),
    to_lane: v.union([LaneExact, SyncLane4Schema]),
    actor: NonEmptyString,
    force: v.boolean(),
    reason: v.nullable(v.string()),
    review_ref: v.nullable(v.string()),
    evidence: v.nullable(DoneEvidenceSchema),
    execution_mode: ExecutionMode,
    lane_model: LaneModelSchema,
    canonical_from_lane: v.nullable(LaneExact),
    canonical_to_lane: LaneExact,
    policy_metadata: opt(JsonObject),
  }),
  v.forward(
    v.partialCheck(
      [['force'], ['reason']],
      (input) => input.force !== true || filled(input.reason),
      'force=true requires a non-empty reason',
    ),
    ['reason'],
  ),
  v.forward(
    v.partialCheck(
      [['canonical_to_lane'], ['evidence']],
      (input) => input.canonical_to_lane !== 'done' || input.evidence !== null,
      "canonical_to_lane 'done' requires evidence (repos and review)",
    ),
    ['evidence'],
  ),
  v.forward(
    v.partialCheck(
      [['lane_model'], ['to_lane'], ['canonical_to_lane']],
      (input) => input.to_lane === laneIn(input.lane_model, input.canonical_to_lane),
      'to_lane must be canonical_to_lane written in lane_model (4-lane: the 7→4 collapse)',
    ),
    ['to_lane'],
  ),
  v.forward(
    v.partialCheck(
      [['lane_model'], ['from_lane'], ['canonical_from_lane']],
      (input) =>
        input.canonical_from_lane === null
          ? input.from_lane === null
          : input.from_lane === laneIn(input.lane_model, input.canonical_from_lane),
      'from_lane must be canonical_from_lane written in lane_model (4-lane: the 7→4 collapse)',
    ),
    ['from_lane'],
  ),
);

function laneIn(model: '4-lane' | '7-lane', lane: Lane): string {
  return model === '4-lane' ? LANE_COLLAPSE_7_TO_4[lane] : lane;
}

/** The spec-kitty 2.0 CLI's own `WPStatusChanged` payload (wire compatibility; 7 lanes, no execution mode). */
export const LegacyWPStatusChangedPayloadSchema = v.object({
  wp_id: WpId,
  from_lane: LaneExact,
  to_lane: LaneExact,
  actor: v.optional(v.string(), 'user'),
  feature_slug: opt(v.string()),
  policy_metadata: opt(JsonObject),
});

/**
 * One line of `kitty-specs/<feature>/status.events.jsonl`, the local status log (same format as the
 * spec-kitty 2.0 CLI: keys sorted, `at` as ISO UTC). Structure only: whether a move was legal (a forced move
 * may leave `review_ref` null or come from a terminal lane) is for `agent status validate` to judge, never for
 * the reader — a line one version writes must be readable by every other.
 */
export const StatusEventSchema = v.object({
  event_id: v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an upper-case 26-char ULID')),
  feature_slug: FeatureSlug,
  wp_id: WpId,
  from_lane: LaneExact,
  to_lane: LaneExact,
  at: IsoDateTime,
  actor: NonEmptyString,
  force: v.boolean(),
  reason: opt(v.string()),
  execution_mode: ExecutionMode,
  review_ref: opt(v.string()),
  evidence: opt(
    v.object({
      repos: v.optional(v.array(RepoEvidenceSchema)),
      review: ReviewVerdictSchema,
      verification: v.optional(v.array(VerificationEntrySchema)),
    }),
  ),
});

export type RepoEvidence = v.InferOutput<typeof RepoEvidenceSchema>;
export type ReviewVerdict = v.InferOutput<typeof ReviewVerdictSchema>;
export type DoneEvidence = v.InferOutput<typeof DoneEvidenceSchema>;
export type StatusTransitionPayload = v.InferOutput<typeof StatusTransitionPayloadSchema>;
export type WPStatusChangedPayload = v.InferOutput<typeof WPStatusChangedPayloadSchema>;
export type StatusEvent = v.InferOutput<typeof StatusEventSchema>;
export type LegacyWPStatusChangedPayload = v.InferOutput<typeof LegacyWPStatusChangedPayloadSchema>;
