import { ExitCode, registerExitCodes } from '@kitty/cli-kit';

// Workflow error codes that mean "the input was wrong" without an INVALID_/UNKNOWN_ prefix.
registerExitCodes({ MISSING_AGENTS: ExitCode.USAGE, DIRECTORY_NOT_EMPTY: ExitCode.USAGE });

/** Imported by the workflow commands for the side effect above. */
export const WORKFLOW_EXIT_CODES_REGISTERED = true;
