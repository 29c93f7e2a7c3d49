import { KittyCommand, commandContext } from '@kitty/cli-kit';

/** Deletes the stored credentials (also expired ones). */
export default class AuthLogout extends KittyCommand {
  static override summary = 'Log out: delete the stored credentials';
  static override description = 'Removes ~/.spec-kitty/credentials, also when its tokens have expired. Queued events are kept.';
  static override examples = ['<%= config.bin %> auth logout'];

  async run(): Promise<unknown> {
    await this.parse(AuthLogout);
    const { logout, snakeCaseKeys } = await import('@kitty/sync-client');
    const r = logout(commandContext().homeDir);
    if (!this.jsonEnabled())
      this.log(
        r.hadSession ? `Logged out${r.username ? ` (${r.username})` : ''}; credentials removed.` : 'No active session: already logged out.',
      );
    return snakeCaseKeys(r);
  }
}
