import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LaunchServer, ProcessPort } from '@kitty/dashboard';
import { selfCommand } from '@kitty/cli-kit';

/** The real process table. */
export const processes: ProcessPort = {
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  },
  commandLine(pid) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return null;
    }
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Environment variable that hands the token to the background server (kept off its command line). */
export const TOKEN_ENV = 'SPEC_KITTY_DASHBOARD_TOKEN';

/** Starts `spec-kitty dashboard serve` detached (it outlives this command), output to the log file. */
export const launchServer: LaunchServer = ({ root, port, token, logFile }) => {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'w');
  try {
    const self = selfCommand(['dashboard', 'serve', ...(port === null ? [] : ['--port', String(port)])]);
    const child = spawn(self.execPath, [...self.args], {
      cwd: root,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, [TOKEN_ENV]: token, NO_COLOR: '1' },
    });
    child.unref();
    if (child.pid === undefined) throw new Error('spawn returned no pid');
    return { pid: child.pid };
  } finally {
    closeSync(fd);
  }
};

/** Opens a URL in the desktop's browser (best effort, detached); false when no opener could be started. */
export function openBrowser(url: string): boolean {
  const [cmd, args]: [string, string[]] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
