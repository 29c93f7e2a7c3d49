import os from 'node:os';
import type { MachineIdentity, WorkflowEnv } from '@kitty/workflow';
import { eventsPort } from './events-port.js';

/** The process facts every workflow operation takes as parameters (the library never reads them itself). */
export async function workflowEnv(): Promise<WorkflowEnv> {
  const { createSimpleGitPort } = await import('@kitty/workflow');
  const events = await eventsPort();
  return {
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    git: createSimpleGitPort({ env: process.env }),
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
