import { homedir, hostname, userInfo } from 'node:os';

/** What a command hands to libraries: the process's home, environment, clock, cwd and identity. */
export interface CommandContext {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now: () => Date;
  readonly hostname: string;
  readonly username: string;
}

/** Reads the process state once, in the CLI layer (libraries never do). */
export function commandContext(): CommandContext {
  let username = process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  try {
    username = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep the environment's value.
  }
  return {
    homeDir: process.env['HOME'] && process.env['HOME'] !== '' ? process.env['HOME'] : homedir(),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    hostname: hostname(),
    username,
  };
}

/** The command line that runs this same CLI with other arguments (for background work it spawns). */
export function selfCommand(args: readonly string[]): { readonly execPath: string; readonly args: readonly string[] } {
  return { execPath: process.execPath, args: [...process.execArgv, process.argv[1] ?? '', ...args] };
}
