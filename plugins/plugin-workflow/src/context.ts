import os from 'node:os';
import type { MachineIdentity, WorkflowEnv } from '@kitty/workflow';
import { eventsPort } from './events-port.js';

/**
 * The process facts every workflow operation takes as parameters (the library never reads them itself).
 * Read-only commands pass `{ events: false }` and skip loading the sync client.
 */
export async function workflowEnv(options: { readonly events?: boolean } = {}): Promise<WorkflowEnv> {
  const { createGitPort } = await import('@kitty/workflow/read');
  const { commandSignal } = await import('@kitty/cli-kit/core');
  const events = options.events === false ? undefined : await eventsPort();
  return {
    signal: commandSignal(),
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    git: createGitPort({ env: process.env }),
    argv: process.argv.slice(2),
    ...(events === undefined ? {} : { events }),
  };
}

/** This machine and user, for the project's node id. */
export function machine(): MachineIdentity {
  let username = process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  try {
    username = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's answer
  }
  return { hostname: os.hostname(), username };
}

/** The shell process that started this command (recorded as `shell_pid`), unless given explicitly. */
export function shellPid(explicit: string | undefined): string {
  return explicit !== undefined && explicit.trim() !== '' ? explicit.trim() : String(process.ppid);
}

/** Runs an acceptance `--test` command through the shell in `cwd` (output kept, bounded to 10 minutes). */
export async function runTestCommand(command: string, cwd: string): Promise<{ exitCode: number; output: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(command, { cwd, shell: true, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, output: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 1, output });
    });
  });
}
