export { SyncError, isSyncError } from './errors.js';
export type { SyncErrorCode } from './errors.js';
export { isLoopbackHost, normalizeServerUrl, sameServer } from './url.js';
export {
  DEFAULT_SERVER_URL,
  SYNC_FLAG_ENV,
  DEFAULT_MAX_QUEUE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_S,
  DEFAULT_RUN_DEADLINE_S,
  ENABLE_SYNC_HINT,
  parseFlag,
  configPath,
  loadSyncSettings,
  updateSyncConfig,
} from './settings.js';
export type { SyncSettings, SettingsInput } from './settings.js';
export { credentialsPath, readCredentials, writeCredentials, deleteCredentials, parseExpiry } from './credentials.js';
export type { Credentials, CredentialsState } from './credentials.js';
export { MAX_RESPONSE_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_MAX_RETRY_AFTER_MS, createHttpClient, postJson } from './http.js';
export type { HttpReply, HttpFailure, HttpResult, PostOptions, HttpClient, HttpClientOptions, PostRequest, BearerAuth } from './http.js';
export { excerpt, redact, redactDeep, rememberSecret, maskUrlCredentials } from './redact.js';
export {
  DEFAULT_ACCESS_LIFETIME_S,
  DEFAULT_REFRESH_LIFETIME_S,
  EXPIRY_LEEWAY_MS,
  authStatus,
  login,
  logout,
  createTokenProvider,
} from './auth.js';
export type { AuthOptions, AuthStatus, LoginResult, TokenProvider } from './auth.js';
export { FAILURE_CATEGORIES, CATEGORY_ACTIONS, categorizeFailure } from './categorize.js';
export type { FailureCategory } from './categorize.js';
export { RETRY_AFTER_CAP_MS, parseRetryAfter } from './retry-after.js';
export { classifyBatchAnswer, sendBatch } from './batch.js';
export type { BatchAnswer, PerEventResult } from './batch.js';
export { activeScope, openScopedQueue } from './context.js';
export { lastSyncPath, readLastSync, writeLastSync } from './last-sync.js';
export type { LastSyncRecord } from './last-sync.js';
export { syncNow, formatSummary, writeSyncReport } from './sync.js';
export { decide, initialPlan, DEFAULT_MAX_CONSECUTIVE_REFUSALS, DEFAULT_RATE_LIMIT_WAIT_MS } from './sync-plan.js';
export type { PlanState, Step, StopReason } from './sync-plan.js';
export type { SyncRunStatus, SyncFailure, SyncProgress, SyncRunResult, SyncNowOptions } from './sync.js';
export { checkConnection } from './probe.js';
export type { ConnectionCheck } from './probe.js';
export { syncStatus } from './status.js';
export { syncRunExitClass, syncStatusExitClass } from './outcome.js';
export type { SyncStatusReport } from './status.js';
export { createSyncEmitter } from './emitter.js';
export type { SyncEmitter, SyncEmitterOptions } from './emitter.js';
export { loginFlow, listDeadEvents, requeueDeadEvents } from './accounts.js';
export type { LoginFlowResult } from './accounts.js';
export {
  deliveryPidPath,
  deliveryLogPath,
  DEFAULT_DELIVERY_DEADLINE_MS,
  STALE_MARKER_MS,
  claimDeliveryMarker,
  releaseDeliveryMarker,
  scheduleDelivery,
  appendDeliveryLog,
  runBackgroundDelivery,
} from './delivery.js';
export type { DeliveryCommand, DeliveryDecision } from './delivery.js';
export { diagnoseQueue } from './diagnose.js';
export type { DiagnoseIssue, DiagnoseResult, DiagnoseReport } from './diagnose.js';
// The JSON key style of every command's output lives with the error document's shape (@kitty/errors).
export { snakeCase, snakeCaseKeys } from '@kitty/errors';
