// The part of @kitty/cli-kit that never loads oclif: what the lean entry (ADR 0024) and the commands' shared
// actions may import without paying for oclif's start-up. Everything here is also exported by the main entry.
export { withExitClass } from '@kitty/errors';
export type { ExitClass } from '@kitty/errors';
export { describeError } from './describe-error.js';
export type { JsonErrorBody } from './describe-error.js';
export { ExitCode, EXIT_CODE_BY_CLASS, exitCodeOfClass, exitCodeForError } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { commandContext, selfCommand } from './context.js';
export type { CommandContext } from './context.js';
export { commandSignal, installInterruptHandlers, wasInterrupted } from './interrupt.js';
export { runLeanAction, jsonDocument, INTERRUPTED_AFTER_COMMIT_NOTE } from './lean.js';
export type { LeanAction, LeanInput, LeanIo, LeanOutcome } from './lean.js';
