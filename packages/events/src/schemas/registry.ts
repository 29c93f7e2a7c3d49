import * as v from 'valibot';
import type { AggregateType } from './envelope.js';
import * as K from './kitty-payloads.js';
import * as L from './library-payloads.js';
import { StatusTransitionPayloadSchema, WPStatusChangedPayloadSchema } from './status.js';

/** What kitty knows about one event type. */
export interface EventTypeInfo {
  /** The payload schema kitty validates with. */
  readonly payload: v.GenericSchema;
  /** The `aggregate_type` kitty writes for it (library-only types use `Mission`). */
  readonly aggregateType: AggregateType;
  /** True for the types kitty itself emits. */
  readonly emitted: boolean;
}

const kitty = (payload: v.GenericSchema, aggregateType: AggregateType): EventTypeInfo => ({ payload, aggregateType, emitted: true });
const library = (payload: v.GenericSchema): EventTypeInfo => ({ payload, aggregateType: 'Mission', emitted: false });

/** Every event type kitty validates, with its payload schema. */
export const EVENT_TYPES = {
  // Emitted by kitty (spec-kitty 2.0 CLI event types).
  WPStatusChanged: kitty(WPStatusChangedPayloadSchema, 'WorkPackage'),
  WPCreated: kitty(K.WPCreatedPayloadSchema, 'WorkPackage'),
  WPAssigned: kitty(K.WPAssignedPayloadSchema, 'WorkPackage'),
  FeatureCreated: kitty(K.FeatureCreatedPayloadSchema, 'Feature'),
  FeatureCompleted: kitty(K.FeatureCompletedPayloadSchema, 'Feature'),
  HistoryAdded: kitty(K.HistoryAddedPayloadSchema, 'WorkPackage'),
  ErrorLogged: kitty(K.ErrorLoggedPayloadSchema, 'WorkPackage'),
  DependencyResolved: kitty(K.DependencyResolvedPayloadSchema, 'WorkPackage'),
  MissionDossierArtifactIndexed: kitty(K.MissionDossierArtifactIndexedPayloadSchema, 'MissionDossier'),
  MissionDossierArtifactMissing: kitty(K.MissionDossierArtifactMissingPayloadSchema, 'MissionDossier'),
  MissionDossierSnapshotComputed: kitty(K.MissionDossierSnapshotComputedPayloadSchema, 'MissionDossier'),
  MissionDossierParityDriftDetected: kitty(K.MissionDossierParityDriftDetectedPayloadSchema, 'MissionDossier'),
  // Defined by the events library; validated, not emitted.
  MissionStarted: library(L.MissionStartedPayloadSchema),
  MissionCompleted: library(v.union([L.MissionCompletedPayloadSchema, L.MissionRunCompletedPayloadSchema])),
  MissionCancelled: library(L.MissionCancelledPayloadSchema),
  PhaseEntered: library(L.PhaseEnteredPayloadSchema),
  ReviewRollback: library(L.ReviewRollbackPayloadSchema),
  GatePassed: library(L.GatePassedPayloadSchema),
  GateFailed: library(L.GateFailedPayloadSchema),
  ParticipantInvited: library(L.ParticipantInvitedPayloadSchema),
  ParticipantJoined: library(L.ParticipantJoinedPayloadSchema),
  ParticipantLeft: library(L.ParticipantLeftPayloadSchema),
  PresenceHeartbeat: library(L.PresenceHeartbeatPayloadSchema),
  DriveIntentSet: library(L.DriveIntentSetPayloadSchema),
  FocusChanged: library(L.FocusChangedPayloadSchema),
  PromptStepExecutionStarted: library(L.PromptStepExecutionStartedPayloadSchema),
  PromptStepExecutionCompleted: library(L.PromptStepExecutionCompletedPayloadSchema),
  ConcurrentDriverWarning: library(L.ConcurrentDriverWarningPayloadSchema),
  PotentialStepCollisionDetected: library(L.PotentialStepCollisionDetectedPayloadSchema),
  WarningAcknowledged: library(L.WarningAcknowledgedPayloadSchema),
  CommentPosted: library(L.CommentPostedPayloadSchema),
  DecisionCaptured: library(L.DecisionCapturedPayloadSchema),
  SessionLinked: library(L.SessionLinkedPayloadSchema),
  GlossaryScopeActivated: library(L.GlossaryScopeActivatedPayloadSchema),
  TermCandidateObserved: library(L.TermCandidateObservedPayloadSchema),
  SemanticCheckEvaluated: library(L.SemanticCheckEvaluatedPayloadSchema),
  GlossaryClarificationRequested: library(L.GlossaryClarificationRequestedPayloadSchema),
  GlossaryClarificationResolved: library(L.GlossaryClarificationResolvedPayloadSchema),
  GlossarySenseUpdated: library(L.GlossarySenseUpdatedPayloadSchema),
  GenerationBlockedBySemanticConflict: library(L.GenerationBlockedBySemanticConflictPayloadSchema),
  GlossaryStrictnessSet: library(L.GlossaryStrictnessSetPayloadSchema),
  MissionRunStarted: library(L.MissionRunStartedPayloadSchema),
  MissionRunCompleted: library(L.MissionRunCompletedPayloadSchema),
  NextStepIssued: library(L.NextStepIssuedPayloadSchema),
  NextStepAutoCompleted: library(L.NextStepAutoCompletedPayloadSchema),
  DecisionInputRequested: library(L.DecisionInputRequestedPayloadSchema),
  DecisionInputAnswered: library(L.DecisionInputAnsweredPayloadSchema),
} as const satisfies Record<string, EventTypeInfo>;

/** A known event type name. */
export type EventType = keyof typeof EVENT_TYPES;

/** The event types kitty emits. */
export const EMITTED_EVENT_TYPES = Object.freeze((Object.keys(EVENT_TYPES) as EventType[]).filter((t) => EVENT_TYPES[t].emitted));

/** True for a known event type name. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_TYPES, value);
}

/** The library's `StatusTransitionPayload`, used where the canonical (7-lane, library) contract is meant. */
export const CANONICAL_WP_STATUS_PAYLOAD = StatusTransitionPayloadSchema;
