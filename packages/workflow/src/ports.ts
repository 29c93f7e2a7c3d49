import type { EventContext, EventDraft, EventFactory } from '@kitty/events';
import type { GitPort } from './git/git-port.js';

/** A template found by a {@link TemplateSource}. */
export interface TemplateAsset {
  /** The file name, e.g. `spec-template.md` or `specify.md`. */
  readonly name: string;
  /** The file's text. */
  readonly text: string;
  /** Where it came from, for messages (e.g. `package_default: /…/spec-template.md`). */
  readonly origin: string;
}

/**
 * Where templates, command templates and missions come from. The CLI implements it with
 * `@kitty/runtime-resolver` (project → global runtime → package defaults); tests use a small in-memory one.
 */
export interface TemplateSource {
  /** Mission keys that resolve (e.g. `software-dev`, `research`, `documentation`). */
  missions(): Promise<readonly string[]>;
  /** A document template of a mission (`spec-template.md`, `plan-template.md`, …), or null when none resolves. */
  template(mission: string, name: string): Promise<TemplateAsset | null>;
  /** Every agent command template of a mission (what `init` installs), sorted by name. */
  commandTemplates(mission: string): Promise<readonly TemplateAsset[]>;
  /** One-time notes from the source (e.g. "run spec-kitty migrate"), printed on stderr by the CLI. */
  takeNotes?(): readonly string[];
}

/** The event context of a project: everything of `EventContext` but the team, which the sync side knows. */
export type ProjectEventContext = Omit<EventContext, 'teamSlug'>;

/**
 * Where sync events go. The workflow library builds drafts with the factory and hands them over after its
 * local write and commit; it never knows about the queue or HTTP. Any error thrown here becomes a note and
 * never fails the command.
 */
export interface EventsPort {
  createFactory(ctx: ProjectEventContext): EventFactory;
  /**
   * Optional: called when a command starts its git commit, so the port can load what `enqueue` will need
   * (the queue, its database driver) while git works instead of after it. Must return at once; errors are
   * ignored (the sync client's emitter `prepare()` fits).
   */
  prepare?(): void;
  enqueue(drafts: readonly EventDraft[]): Promise<{ readonly queued: number; readonly notes: readonly string[] }>;
}

/** A clock: the library never reads the wall clock itself. */
export type Clock = () => Date;

/** What every workflow operation needs from its caller (the CLI fills it from the process). */
export interface WorkflowEnv {
  /** The directory the command runs in. */
  readonly cwd: string;
  /** Environment variables the library may consult (`SPECIFY_FEATURE`, `SPECIFY_REPO_ROOT`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: Clock;
  readonly git: GitPort;
  /** Sync events; absent when sync is not wired or disabled. */
  readonly events?: EventsPort | undefined;
  /**
   * Aborted when the user interrupts the command (SIGINT/SIGTERM, installed by the CLI): writing commands then
   * roll back and throw INTERRUPTED; a commit in flight finishes first.
   */
  readonly signal?: AbortSignal | undefined;
  /** Pause used between retries of a locked git index (default: a real timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The command line's arguments after `spec-kitty`, for errors that show the exact command to retry. */
  readonly argv?: readonly string[] | undefined;
}
