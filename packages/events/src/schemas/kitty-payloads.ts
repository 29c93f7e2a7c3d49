import * as v from 'valibot';
import { FeatureSlug, IsoDateTime, JsonObject, NonEmptyString, Sha256Hex, WpId, opt } from './primitives.js';

// Payloads of the event types the spec-kitty CLI emits (besides WPStatusChanged, in status.ts).
// Field names and rules follow the spec-kitty 2.0 wire format so the SaaS reads both CLIs alike.

const NonNegativeInt = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be ≥ 0'));

/** A work package was created (one per WP by finalize-tasks, sharing a causation id). */
export const WPCreatedPayloadSchema = v.object({
  wp_id: WpId,
  title: NonEmptyString,
  feature_slug: NonEmptyString,
  dependencies: v.optional(v.array(WpId), []),
});

/** A work package was assigned to an agent for a phase. */
export const WPAssignedPayloadSchema = v.object({
  wp_id: WpId,
  agent_id: NonEmptyString,
  phase: v.picklist(['implementation', 'review'], 'must be implementation or review'),
  retry_count: v.optional(NonNegativeInt, 0),
});

/** A feature was created (create-feature). */
export const FeatureCreatedPayloadSchema = v.object({
  feature_slug: FeatureSlug,
  feature_number: v.pipe(v.string(), v.regex(/^\d{3}$/, 'must be three digits, e.g. 001')),
  target_branch: NonEmptyString,
  wp_count: NonNegativeInt,
  created_at: v.optional(IsoDateTime),
});

/** Every work package of a feature reached a terminal lane. */
export const FeatureCompletedPayloadSchema = v.object({
  feature_slug: NonEmptyString,
  total_wps: NonNegativeInt,
  completed_at: v.optional(IsoDateTime),
  total_duration: v.optional(v.string()),
});

/** A history entry was added to a work package. */
export const HistoryAddedPayloadSchema = v.object({
  wp_id: WpId,
  entry_type: v.picklist(['note', 'review', 'error', 'comment'], 'must be note, review, error or comment'),
  entry_content: NonEmptyString,
  author: v.optional(v.string(), 'user'),
});

/** A command failed in a way the team should see. */
export const ErrorLoggedPayloadSchema = v.object({
  error_type: v.picklist(['validation', 'runtime', 'network', 'auth', 'unknown'], 'must be validation, runtime, network, auth or unknown'),
  error_message: NonEmptyString,
  wp_id: v.optional(WpId),
  stack_trace: v.optional(v.string()),
  agent_id: v.optional(v.string()),
});

/** A dependency of a work package was resolved. */
export const DependencyResolvedPayloadSchema = v.object({
  wp_id: WpId,
  dependency_wp_id: WpId,
  resolution_type: v.picklist(['completed', 'skipped', 'merged'], 'must be completed, skipped or merged'),
});

const ArtifactClass = v.picklist(['input', 'workflow', 'output', 'evidence', 'policy', 'runtime', 'other']);

/** A mission artifact was indexed into the dossier. */
export const MissionDossierArtifactIndexedPayloadSchema = v.object({
  feature_slug: NonEmptyString,
  artifact_key: NonEmptyString,
  artifact_class: ArtifactClass,
  relative_path: NonEmptyString,
  content_hash_sha256: Sha256Hex,
  size_bytes: NonNegativeInt,
  required_status: v.picklist(['required', 'optional']),
  wp_id: opt(v.string()),
  step_id: opt(v.string()),
});

/** A required mission artifact is missing. */
export const MissionDossierArtifactMissingPayloadSchema = v.object({
  feature_slug: NonEmptyString,
  artifact_key: NonEmptyString,
  artifact_class: ArtifactClass,
  expected_path_pattern: NonEmptyString,
  reason_code: v.picklist(['not_found', 'unreadable', 'invalid_format', 'deleted_after_scan']),
  reason_detail: opt(v.string()),
  blocking: v.boolean(),
});

/** A dossier snapshot was computed. */
export const MissionDossierSnapshotComputedPayloadSchema = v.object({
  feature_slug: NonEmptyString,
  parity_hash_sha256: Sha256Hex,
  artifact_counts: JsonObject,
  completeness_status: v.picklist(['complete', 'incomplete', 'unknown']),
  snapshot_id: NonEmptyString,
});

/** The local dossier drifted from its baseline. */
export const MissionDossierParityDriftDetectedPayloadSchema = v.object({
  feature_slug: NonEmptyString,
  local_parity_hash: Sha256Hex,
  baseline_parity_hash: Sha256Hex,
  severity: v.picklist(['info', 'warning', 'error']),
  missing_in_local: v.optional(v.array(v.string())),
  missing_in_baseline: v.optional(v.array(v.string())),
});
