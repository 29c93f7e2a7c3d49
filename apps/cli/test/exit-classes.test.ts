import { describe, expect, it } from '@jest/globals';
import { EXIT_CODE_BY_CLASS, ExitCode, InputError, exitCodeForError } from '@kitty/cli-kit';
import { ContractError } from '@kitty/contract';
import { DashboardError } from '@kitty/dashboard';
import { COMMON_EXIT_CLASSES, EXIT_CLASSES, KittyError } from '@kitty/errors';
import { EventsError } from '@kitty/events';
import { IoError } from '@kitty/io';
import { McpServerError } from '@kitty/mcp';
import { QueueError } from '@kitty/queue';
import { RuntimeError } from '@kitty/runtime-resolver';
import { SyncError } from '@kitty/sync-client';
import { WorkflowError } from '@kitty/workflow';

/** Every error class a command can meet, with the package that owns it. */
const CLASSES: ReadonlyArray<readonly [string, typeof KittyError]> = [
  ['@kitty/errors (common)', KittyError],
  ['@kitty/cli-kit', InputError as unknown as typeof KittyError],
  ['@kitty/contract', ContractError as unknown as typeof KittyError],
  ['@kitty/dashboard', DashboardError as unknown as typeof KittyError],
  ['@kitty/events', EventsError as unknown as typeof KittyError],
  ['@kitty/io', IoError as unknown as typeof KittyError],
  ['@kitty/mcp', McpServerError as unknown as typeof KittyError],
  ['@kitty/queue', QueueError as unknown as typeof KittyError],
  ['@kitty/runtime-resolver', RuntimeError as unknown as typeof KittyError],
  ['@kitty/sync-client', SyncError as unknown as typeof KittyError],
  ['@kitty/workflow', WorkflowError as unknown as typeof KittyError],
];

describe('exit classes: one meaning per error code, one exit code per class', () => {
  it('maps every exit class to exactly one exit code, and 0 to none', () => {
    expect(Object.keys(EXIT_CODE_BY_CLASS).sort()).toEqual([...EXIT_CLASSES].sort());
    const codes = Object.values(EXIT_CODE_BY_CLASS);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(ExitCode.OK);
  });

  it('declares every error code in one package only (common codes in @kitty/errors, unchanged elsewhere)', () => {
    const owner = new Map<string, string>();
    for (const [pkg, cls] of CLASSES) {
      for (const [code, exitClass] of Object.entries(cls.exitClasses)) {
        expect(EXIT_CLASSES).toContain(exitClass);
        if (code in COMMON_EXIT_CLASSES) {
          // a package may include a common code, but never give it another meaning
          expect({ code, exitClass }).toEqual({ code, exitClass: COMMON_EXIT_CLASSES[code as keyof typeof COMMON_EXIT_CLASSES] });
          continue;
        }
        const first = owner.get(code);
        expect(first === undefined ? `${code}: ${pkg}` : `${code}: ${first} and ${pkg}`).toBe(`${code}: ${pkg}`);
        owner.set(code, pkg);
      }
    }
    expect(owner.size).toBeGreaterThan(100);
  });

  it('turns each error into the exit code of its class (per-error overrides win)', () => {
    for (const [, cls] of CLASSES) {
      for (const [code, exitClass] of Object.entries(cls.exitClasses)) {
        const err = new cls(code, 'x');
        expect(err.exitClass).toBe(exitClass);
        expect(exitCodeForError(err)).toBe(EXIT_CODE_BY_CLASS[exitClass]);
      }
    }
    expect(exitCodeForError(new SyncError('SERVER_UNAVAILABLE', 'x', { exitClass: 'auth' }))).toBe(ExitCode.AUTH);
    expect(exitCodeForError(new Error('plain'))).toBe(ExitCode.FAILURE);
    expect(exitCodeForError(new WorkflowError('INVALID_WP_ID', 'x'))).toBe(ExitCode.USAGE);
    expect(exitCodeForError(new QueueError('QUEUE_LOCKED', 'x'))).toBe(ExitCode.CONFLICT);
  });
});
