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
export { TRANSITIONS, validateTransition, allowedTargets, transitionPath, describeLaneModel } from './transitions.js';
export type { GuardName, ReviewEvidence, TransitionRequest, TransitionDecision } from './transitions.js';
export { normalizeEventId, isEventId, isUlid, isUuid, createIdGenerator } from './ids.js';
export type { IdGenerator } from './ids.js';
export { MAX_LAMPORT, lamportTick, lamportReceive, LamportClock, memoryClockStore, deriveNodeId } from './clock.js';
export type { ClockStore } from './clock.js';
