import { COMMON_EXIT_CLASSES, KittyError, type CommonErrorCode, type ExitClassTable } from '@kitty/errors';

/** Every error code `@kitty/mcp` throws. Codes starting with INVALID_/UNKNOWN_ mean "bad input" (CLI exit 2). */
export type McpErrorCode =
  | CommonErrorCode
  /** A tool call's arguments do not match the tool's input schema (missing, unknown or mistyped keys). */
  | 'INVALID_TOOL_INPUT'
  /** A tool that this server does not offer (or that was left out by `--tools`). */
  | 'UNKNOWN_TOOL'
  /** `--tools` named a group or tool that does not exist. */
  | 'INVALID_TOOLS_OPTION'
  /** A resource URI that does not name a feature list, a feature file or a work package of this project. */
  | 'UNKNOWN_RESOURCE'
  /** A path argument resolves outside the project the server serves. */
  | 'PATH_OUTSIDE_PROJECT';

/** The base class of every `@kitty/mcp` error. */
export class McpServerError extends KittyError<McpErrorCode> {
  static override readonly exitClasses: ExitClassTable<McpErrorCode> = {
    ...COMMON_EXIT_CLASSES,
    INVALID_TOOL_INPUT: 'usage',
    UNKNOWN_TOOL: 'usage',
    INVALID_TOOLS_OPTION: 'usage',
    UNKNOWN_RESOURCE: 'usage',
    PATH_OUTSIDE_PROJECT: 'usage',
  };
}

/** True when `value` is an error thrown by `@kitty/mcp`. */
export function isMcpServerError(value: unknown): value is McpServerError {
  return value instanceof McpServerError;
}
