export { RuntimeError, isRuntimeError } from './errors.js';
export type { RuntimeErrorCode } from './errors.js';
export { resolveHome, findProjectRoot } from './home.js';
export type { HomeLocation, HomeOptions, ProjectRootOptions, RuntimeEnv } from './home.js';
export { TIERS, checkAssetName, checkMissionKey } from './tiers.js';
export type { AssetKind, AssetLocation, Tier } from './tiers.js';
export { PackageDefaults, defaultPackageRoot, packageVersion } from './package-assets.js';
export type { PackageAssetFile } from './package-assets.js';
export { MANIFEST_FILE, VERSION_LOCK_FILE, readManifest, readVersionStamp, runtimeStatus } from './runtime-state.js';
export type { RuntimeManifest, RuntimeState, RuntimeStatus } from './runtime-state.js';
export { RuntimeResolver } from './resolver.js';
export type {
  OriginEntry,
  OriginReport,
  ResolvedAsset,
  ResolverInternals,
  RuntimeNote,
  RuntimeNoteCode,
  RuntimeResolverOptions,
} from './resolver.js';
export { MISSION_DOMAINS, parseMission } from './mission.js';
export type { Mission, MissionDomain, MissionIssue } from './mission.js';
export { parseCommandTemplate } from './command-template.js';
export type { CommandTemplate } from './command-template.js';
export { extractSpecKittyCommands } from './extract-commands.js';
export type { CommandMention } from './extract-commands.js';
export { installRuntime, previewRuntime } from './runtime-install.js';
export type { RuntimeFileAction, RuntimeFileChange, RuntimeFileKept, RuntimeMigration } from './runtime-install.js';
export { migrateProject } from './project-migrate.js';
export type { ProjectKept, ProjectMigration, ProjectMove, ProjectRemoval, ResolvesFrom } from './project-migrate.js';
export { installGlobalRuntime, migrate, openRuntime, showOrigin } from './runtime.js';
export type { MigrateOptions, MigrateReport, RuntimeContext } from './runtime.js';
export type { LockSettings } from './_lock.js';
export { formatMigrateReport, formatOriginReport } from './format.js';
