export { SyncError, isSyncError } from './errors.js';
export type { SyncErrorCode } from './errors.js';
export { isLoopbackHost, normalizeServerUrl, sameServer } from './url.js';
export {
  DEFAULT_SERVER_URL,
  SYNC_FLAG_ENV,
  DEFAULT_MAX_QUEUE_SIZE,
  ENABLE_SYNC_HINT,
  parseFlag,
  configPath,
  loadSyncSettings,
  updateSyncConfig,
} from './settings.js';
export type { SyncSettings, SettingsInput } from './settings.js';
export { credentialsPath, readCredentials, writeCredentials, deleteCredentials, parseExpiry } from './credentials.js';
export type { Credentials, CredentialsState } from './credentials.js';
export { MAX_RESPONSE_BYTES, postJson, excerpt, redact } from './http.js';
export type { HttpReply, HttpFailure, HttpResult, PostOptions } from './http.js';
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
