export { KittyCommand, describeError } from './base-command.js';
export type { JsonErrorBody } from './base-command.js';
export { ExitCode, exitCodeFor, registerExitCodes } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { InputError, readTextInput } from './input.js';
export { commandContext, selfCommand } from './context.js';
export type { CommandContext } from './context.js';
export { promptLine, readStdin } from './prompt.js';
export { formatDuration, keyValues } from './format.js';
