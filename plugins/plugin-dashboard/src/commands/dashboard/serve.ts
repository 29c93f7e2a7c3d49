import { Flags } from '@oclif/core';
import { KittyCommand, commandContext } from '@kitty/cli-kit';

/** The dashboard server itself, in the foreground (started detached by `spec-kitty dashboard`). */
export default class DashboardServe extends KittyCommand {
  static override hidden = true;
  static override summary = 'Run the dashboard server in the foreground (started in the background by spec-kitty dashboard)';
  static override description = `Serves the project's dashboard on 127.0.0.1 until spec-kitty dashboard --kill, SIGTERM or SIGINT. The token
comes from SPEC_KITTY_DASHBOARD_TOKEN (a random one when unset). Writes .kittify/.dashboard while it runs.`;
  static override flags = { port: Flags.integer({ char: 'p', description: 'port to listen on (default: the first free port from 9237)' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(DashboardServe);
    const ctx = commandContext();
    const { randomBytes } = await import('node:crypto');
    const { createGitPort } = await import('@kitty/workflow');
    const { serveDashboard } = await import('@kitty/dashboard');
    const { TOKEN_ENV } = await import('../../processes.js');
    const given = ctx.env[TOKEN_ENV];
    const token = given !== undefined && /^[0-9a-f]{32}$/i.test(given) ? given : randomBytes(16).toString('hex');
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(s, onSignal);
    const result = await serveDashboard({
      cwd: ctx.cwd,
      env: ctx.env,
      git: createGitPort({ env: ctx.env }),
      now: ctx.now,
      homeDir: ctx.homeDir,
      token,
      port: flags.port,
      pid: process.pid,
      signal: stop.signal,
      onListening: ({ url, root }) => this.note(`dashboard for ${root} listening on ${url}`),
    });
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(s, onSignal);
    return { stopped: result.reason, port: result.port };
  }
}
