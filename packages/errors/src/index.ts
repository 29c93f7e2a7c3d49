export { KittyError, isKittyError } from './kitty-error.js';
export type { KittyErrorOptions, KittyErrorJson } from './kitty-error.js';
export { describeValue, typeName } from './describe.js';
