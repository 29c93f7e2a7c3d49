import { Flags } from '@oclif/core';
import { KittyCommand, commandContext } from '@kitty/cli-kit';

/** `spec-kitty dashboard`: starts (or reuses) the project's live kanban in the background; `--kill` stops it. */
export default class Dashboard extends KittyCommand {
  static override summary = "Open the project's live kanban in your browser (a local server, started in the background)";
  static override description = `Starts a local web dashboard for this project on 127.0.0.1 (the first free port from 9237 unless --port
is given) in the background, or reuses the one already running, and prints its URL. The page shows every
feature with its artifacts and progress and a kanban of its work packages; lane changes made in a terminal
appear within a second (no reload). One dashboard per project: its URL, port, token and pid are kept in
.kittify/.dashboard. --kill stops it. JSON keys: url, port, pid, project_path, reused (with --kill: stopped,
port, pid, message).`;
  static override examples = [
    '<%= config.bin %> dashboard',
    '<%= config.bin %> dashboard --open',
    '<%= config.bin %> dashboard --port 9300 --json',
    '<%= config.bin %> dashboard --kill',
  ];
  static override flags = {
    port: Flags.integer({ char: 'p', description: 'port to listen on (default: the first free port from 9237)' }),
    open: Flags.boolean({ description: 'open the dashboard in your browser' }),
    kill: Flags.boolean({ description: "stop this project's dashboard", exclusive: ['port', 'open'] }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Dashboard);
    const ctx = commandContext();
    const { createGitPort } = await import('@kitty/workflow');
    const { processes, launchServer, openBrowser } = await import('../../processes.js');
    const base = { cwd: ctx.cwd, homeDir: ctx.homeDir, env: ctx.env, git: createGitPort({ env: ctx.env }), processes };
    const { ensureDashboard, stopDashboard } = await import('@kitty/dashboard');
    if (flags.kill) {
      const { notes, ...result } = await stopDashboard(base);
      for (const n of notes) this.note(n);
      if (!this.jsonEnabled()) this.log(result.message);
      return result;
    }
    const { notes, ...info } = await ensureDashboard({ ...base, port: flags.port, launch: launchServer });
    for (const n of notes) this.note(n);
    if (!this.jsonEnabled()) {
      this.log(`Spec Kitty Dashboard ${info.reused ? 'Ready' : 'Started'}: ${info.url}`);
      this.log(`  project ${info.project_path}, port ${info.port}, pid ${info.pid}`);
      this.log('  Stop it with: spec-kitty dashboard --kill');
    }
    if (flags.open && !openBrowser(info.url)) this.note(`Could not open a browser; open ${info.url} yourself.`);
    return info;
  }
}
