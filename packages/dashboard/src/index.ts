export { DashboardError, isDashboardError } from './errors.js';
export type { DashboardErrorCode } from './errors.js';
export {
  DASHBOARD_FILE,
  dashboardLogPath,
  DEFAULT_PORT,
  PORT_ATTEMPTS,
  metadataPath,
  parseMetadata,
  readMetadata,
  renderMetadata,
  writeMetadata,
  removeMetadata,
} from './metadata.js';
export type { DashboardMetadata } from './metadata.js';
export { ensureDashboard, stopDashboard, runningDashboard, runningDashboardUrl, isHealthy, getJson } from './control.js';
export type { LaunchServer, ProcessPort, DashboardInfo, DashboardStopResult } from './control.js';
export { serveDashboard, assetsDir } from './server.js';
export type { ServeOptions, ServeResult } from './server.js';
export { LANE_INFO, renderMarkdown } from './data.js';
export type { DataEnv, KanbanDocument, FeaturePayload, SyncPayload, ApiError } from './data.js';
