export { EventsError, TransitionError, EventValidationError, isEventsError } from './errors.js';
export type { EventsErrorCode, ValidationIssue } from './errors.js';
export {
  LANES,
  TERMINAL_LANES,
  LANE_ALIASES,
  isLane,
  isTerminalLane,
  resolveLane,
  SYNC_LANES_4,
  LANE_COLLAPSE_7_TO_4,
  CANONICAL_TO_SYNC_V1,
  collapseLaneTo4,
  SYNC_LANE_MODELS,
  DEFAULT_SYNC_LANE_MODEL,
  parseSyncLaneModel,
  syncLaneFor,
} from './lanes.js';
export type { Lane, SyncLane4, SyncLaneModel } from './lanes.js';
export { TRANSITIONS, RULES, validateTransition, allowedTargets, transitionPath, describeLaneModel, sameActor } from './transitions.js';
export type {
  GuardName,
  RuleName,
  ReviewDuties,
  DependencyState,
  ReviewEvidence,
  TransitionRequest,
  TransitionDecision,
} from './transitions.js';
export { normalizeEventId, isEventId, isUlid, isUuid, createIdGenerator } from './ids.js';
export type { IdGenerator } from './ids.js';
export { MAX_LAMPORT, lamportTick, lamportReceive, LamportClock, memoryClockStore, deriveNodeId } from './clock.js';
export type { ClockStore } from './clock.js';
export {
  EVENT_ID_PATTERN,
  NonEmptyString,
  EventIdString,
  UuidString,
  IsoDateTime,
  LaneInput,
  LaneExact,
  SyncLane4Schema,
  WpId,
  FeatureSlug,
} from './schemas/primitives.js';
export {
  AGGREGATE_TYPES,
  KITTY_SCHEMA_VERSION,
  KITTY_DATA_TIER,
  MAX_ENVELOPE_BYTES,
  LibraryEventSchema,
  KittyEnvelopeSchema,
  LegacyCliEnvelopeSchema,
} from './schemas/envelope.js';
export type { AggregateType, LibraryEvent, EventEnvelope, EventDraft, LegacyCliEnvelope } from './schemas/envelope.js';
export {
  RepoEvidenceSchema,
  ReviewVerdictSchema,
  DoneEvidenceSchema,
  StatusTransitionPayloadSchema,
  WPStatusChangedPayloadSchema,
  LaneModelSchema,
  StatusEventSchema,
  LegacyWPStatusChangedPayloadSchema,
} from './schemas/status.js';
export type {
  RepoEvidence,
  ReviewVerdict,
  DoneEvidence,
  StatusTransitionPayload,
  WPStatusChangedPayload,
  StatusEvent,
  LegacyWPStatusChangedPayload,
} from './schemas/status.js';
export * from './schemas/kitty-payloads.js';
export * from './schemas/library-payloads.js';
export { EVENT_TYPES, EMITTED_EVENT_TYPES, isEventType } from './schemas/registry.js';
export type { EventType, EventTypeInfo } from './schemas/registry.js';
export { FLAVORS, checkEnvelope, checkPayload, checkEvent, parseEvent, parseStatusEvent, checkStatusEvent } from './validate.js';
export type { CheckResult, EnvelopeFlavor, PayloadContract } from './validate.js';
export { repairStatusLine } from './status-line.js';
export type { RepairedStatusLine } from './status-line.js';
export { createEventFactory } from './builders.js';
export type { EventContext, EventFactory, EventFactoryOptions, DraftOptions, WPStatusChangedInput } from './builders.js';
export { isConcurrent, compareEvents, findConcurrentGroups, topologicalSort } from './ordering.js';
export type { OrderedEvent } from './ordering.js';
export { orderStatusEvents, reduceStatusEvents, currentLane } from './reducer.js';
export type { StatusSnapshot, WorkPackageState } from './reducer.js';
export { buildJsonSchemas } from './json-schema.js';
export { checkEventText } from './text.js';
export type { RecordVerdict, TextVerdict } from './text.js';
export { CURSOR_TAIL_BYTES } from './status-cursor.js';
export type { StatusLogCursor } from './status-cursor.js';
