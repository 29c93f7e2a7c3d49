export * from './core.js';
export { KittyCommand } from './base-command.js';
export { InputError, readTextInput } from './input.js';
export type { InputErrorCode } from './input.js';
export { promptLine, readStdin, readCredentials } from './prompt.js';
export type { CredentialFlags } from './prompt.js';
export { formatDuration, keyValues } from './format.js';
export { runCli, unknownCommandError } from './run-cli.js';
