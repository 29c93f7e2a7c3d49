import { KittyError } from '@kitty/errors';

/** Every error code `@kitty/mcp` throws. Codes starting with INVALID_/UNKNOWN_ mean "bad input" (CLI exit 2). */
export type McpErrorCode =
  /** A tool call's arguments do not match the tool's input schema (missing, unknown or mistyped keys). */
  | 'INVALID_TOOL_INPUT'
  /** A tool that this server does not offer (or that was left out by `--tools`). */
  | 'UNKNOWN_TOOL'
  /** `--tools` named a group or tool that does not exist. */
  | 'INVALID_TOOLS_OPTION'
  /** A resource URI that does not name a feature list, a feature file or a work package of this project. */
  | 'UNKNOWN_RESOURCE'
  /** A path argument resolves outside the project the server serves. */
  | 'INVALID_PATH';

/** The base class of every `@kitty/mcp` error. */
export class McpServerError extends KittyError<McpErrorCode> {}

/** True when `value` is an error thrown by `@kitty/mcp`. */
export function isMcpServerError(value: unknown): value is McpServerError {
  return value instanceof McpServerError;
}
