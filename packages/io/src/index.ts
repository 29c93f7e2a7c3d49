export { IoError, isIoError, type IoErrorCode } from './errors.js';
export { writeFileAtomic, isAtomicTempOf, isAtomicTempName, removeAtomicTemps, type AtomicWriteOptions } from './atomic.js';
export {
  acquireLock,
  withFileLock,
  readLockOwner,
  lockOwnerName,
  isOwnerGone,
  type FileLockOptions,
  type HeldFileLock,
  type LockOwner,
} from './lock.js';
export { isProcessAlive } from './pid.js';
export { parseToml, stringifyToml, tomlString, tomlMultilineBody, type TomlTable } from './toml.js';
