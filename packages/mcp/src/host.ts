import type { MachineIdentity, TemplateSource, TestRunner, WorkflowEnv } from '@kitty/workflow';

/** The `error` member of a `--json` failure document (the CLI's shape: code, message, hint, suggestions, details). */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly hint: string | null;
  readonly suggestions: readonly string[];
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What the server needs from the process that runs it. The CLI fills it with the same helpers its commands use,
 * so a tool call and the command it mirrors get the same environment, templates, events port and JSON.
 */
export interface McpHost {
  /** The project root the server serves (found the way the CLI finds it); every call runs there. */
  readonly projectRoot: string;
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** The workflow environment of one call, with `cwd` at the project root; `events: false` for read-only calls. */
  workflowEnv(options: { readonly events: boolean }): Promise<WorkflowEnv>;
  /** The template source (project → global runtime → package defaults). */
  templates(): Promise<TemplateSource>;
  machine(): MachineIdentity;
  /** The shell pid to record: the explicit one, else the process that started the server. */
  shellPid(explicit: string | undefined): string;
  /** Runs an acceptance test command. */
  readonly runTest: TestRunner;
  /** The CLI's `--json` document of a result (everything but its notes) and the notes it prints on stderr. */
  resultJson(result: { readonly notes: readonly string[] }): { readonly json: object; readonly notes: readonly string[] };
  /** The CLI's `--json` error body of anything thrown. */
  describeError(err: unknown): ErrorBody;
}
