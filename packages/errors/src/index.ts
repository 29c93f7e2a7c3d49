export { KittyError, isKittyError } from './kitty-error.js';
export type { KittyErrorOptions, KittyErrorJson } from './kitty-error.js';
export { describeValue, typeName } from './describe.js';
export { EXIT_CLASSES, COMMON_EXIT_CLASSES, isExitClass, withExitClass, exitClassOf } from './exit-class.js';
export type { ExitClass, ExitClassTable, CommonErrorCode } from './exit-class.js';
export { snakeCase, snakeCaseKeys } from './json-keys.js';
