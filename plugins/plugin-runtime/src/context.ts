import os from 'node:os';
import type { RuntimeContext } from '@kitty/runtime-resolver';

/** The process facts the runtime library takes as parameters (it never reads them itself). */
export function processContext(): RuntimeContext {
  return { env: process.env, homeDir: os.homedir(), platform: process.platform, cwd: process.cwd() };
}
