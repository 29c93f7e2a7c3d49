import { KittyError, type ExitClassTable } from '@kitty/errors';

/** Every error code `@kitty/runtime-resolver` throws. `INVALID_*` codes exit 2 (bad input), the rest exit 1. */
export type RuntimeErrorCode =
  /** No tier holds the asset: the message names it, lists every tier searched (with paths) and the fix. */
  | 'ASSET_NOT_FOUND'
  /** An asset name is empty, absolute, has `..` segments or uses a reserved folder. */
  | 'INVALID_ASSET_NAME'
  /** A mission key is not kebab-case (`software-dev`). */
  | 'INVALID_MISSION_KEY'
  /** A `mission.yaml` is not valid YAML or misses required fields; `details.issues` lists each problem. */
  | 'INVALID_MISSION'
  /** A command template's frontmatter is not valid YAML. */
  | 'INVALID_COMMAND_TEMPLATE'
  /** `SPEC_KITTY_HOME` is set to a relative path. */
  | 'INVALID_SPEC_KITTY_HOME'
  /** No home directory was given and `SPEC_KITTY_HOME` is not set. */
  | 'HOME_NOT_FOUND'
  /** The package's own default assets are missing (broken install). */
  | 'PACKAGE_ASSETS_MISSING'
  /** Another `spec-kitty migrate` holds the lock for longer than we wait. */
  | 'MIGRATE_LOCKED'
  /** The migrate lock was lost (taken over as stale) while we were writing. */
  | 'MIGRATE_LOCK_LOST'
  /** Writing the global runtime failed (permissions, disk, a file where a directory should be). */
  | 'RUNTIME_WRITE_FAILED'
  /** Removing or moving a file in the project's `.kittify/` failed. */
  | 'PROJECT_WRITE_FAILED';

/** The base class of every `@kitty/runtime-resolver` error. */
export class RuntimeError extends KittyError<RuntimeErrorCode> {
  static override readonly exitClasses: ExitClassTable<RuntimeErrorCode> = {
    ASSET_NOT_FOUND: 'failure',
    INVALID_ASSET_NAME: 'usage',
    INVALID_MISSION_KEY: 'usage',
    INVALID_MISSION: 'usage',
    INVALID_COMMAND_TEMPLATE: 'usage',
    INVALID_SPEC_KITTY_HOME: 'usage',
    HOME_NOT_FOUND: 'failure',
    PACKAGE_ASSETS_MISSING: 'failure',
    MIGRATE_LOCKED: 'conflict',
    MIGRATE_LOCK_LOST: 'failure',
    RUNTIME_WRITE_FAILED: 'failure',
    PROJECT_WRITE_FAILED: 'failure',
  };
}

/** True when `value` is an error thrown by `@kitty/runtime-resolver`. */
export function isRuntimeError(value: unknown): value is RuntimeError {
  return value instanceof RuntimeError || (value instanceof Error && value.name === 'RuntimeError');
}
