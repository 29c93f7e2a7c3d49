import { KittyCommand, withExitClass, commandContext, formatDuration, keyValues } from '@kitty/cli-kit';

/** Shows who is logged in, where, and how long the tokens stay valid (no network). */
export default class AuthStatus extends KittyCommand {
  static override summary = 'Show the login state (no network)';
  static override description = `Reads ~/.spec-kitty/credentials and tells whether you are logged in to the configured server and
how long the access and refresh tokens stay valid. Tokens are never printed. Exits 0 when a usable session
exists, 3 when you need to log in.`;
  static override examples = ['<%= config.bin %> auth status', '<%= config.bin %> auth status --json'];

  async run(): Promise<unknown> {
    await this.parse(AuthStatus);
    const { authStatus, loadSyncSettings, snakeCaseKeys } = await import('@kitty/sync-client');
    const ctx = commandContext();
    const settings = loadSyncSettings({ homeDir: ctx.homeDir, env: ctx.env });
    if (settings.serverUrl === null) {
      if (!this.jsonEnabled())
        this.log('Not authenticated: sync is disabled (no server URL). Run `spec-kitty sync server URL`, then `spec-kitty auth login`.');
      return withExitClass(snakeCaseKeys({ state: 'logged_out', enabled: false, serverUrl: null }), 'auth');
    }
    const s = authStatus({ homeDir: ctx.homeDir, serverUrl: settings.serverUrl, now: ctx.now });
    for (const w of [...settings.warnings, ...s.warnings]) this.note(w);
    const ok = s.state === 'active' || s.state === 'refreshable';
    if (!this.jsonEnabled()) {
      const left = (iso: string | null) =>
        iso === null
          ? 'unknown expiry'
          : Date.parse(iso) > ctx.now().getTime()
            ? `valid (${formatDuration(Date.parse(iso) - ctx.now().getTime())} left)`
            : 'expired';
      this.log(ok ? 'Authenticated' : `Not authenticated${s.problem ? `: ${s.problem}` : ' (run `spec-kitty auth login`)'}`);
      if (s.username) {
        this.log(
          keyValues([
            ['User', `${s.username}${s.teamSlug ? ` (team ${s.teamSlug})` : ''}`],
            ['Server', s.serverUrl ?? '(unknown)'],
            ['Access token', s.state === 'refreshable' ? 'expired (refreshed automatically on next use)' : left(s.accessExpiresAt)],
            ['Refresh token', left(s.refreshExpiresAt)],
            ['Credentials', s.credentialsPath],
          ]),
        );
      }
    }
    return withExitClass(snakeCaseKeys({ ...s, enabled: settings.enabled, configuredServerUrl: settings.serverUrl }), ok ? null : 'auth');
  }
}
