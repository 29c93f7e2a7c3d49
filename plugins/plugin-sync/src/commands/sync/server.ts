import { Args, Flags } from '@oclif/core';
import { KittyCommand, commandContext } from '@kitty/cli-kit';

/** Shows or sets the sync server URL (kept in ~/.spec-kitty/config.toml). */
export default class SyncServer extends KittyCommand {
  static override summary = 'Show or set the sync server URL';
  static override description = `Without URL, shows the configured server and whether sync is enabled. With URL, stores it in
~/.spec-kitty/config.toml ([sync] server_url), which turns sync on. https is required, except for a server on
this machine (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT). After switching servers,
run \`spec-kitty auth login --force\`. --unset removes the server URL (sync off; queued events stay queued).`;
  static override examples = ['<%= config.bin %> sync server', '<%= config.bin %> sync server https://spec-kitty.example.com'];
  static override args = { url: Args.string({ description: 'the server URL to use', required: false }) };
  static override flags = { unset: Flags.boolean({ description: 'remove the server URL (turns sync off)', exclusive: ['url'] }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(SyncServer);
    const { loadSyncSettings, updateSyncConfig, snakeCaseKeys } = await import('@kitty/sync-client');
    const ctx = commandContext();
    if (flags.unset) updateSyncConfig(ctx.homeDir, { server_url: null });
    else if (args.url !== undefined) updateSyncConfig(ctx.homeDir, { server_url: args.url });
    const s = loadSyncSettings({ homeDir: ctx.homeDir, env: ctx.env });
    for (const w of s.warnings) this.note(w);
    if (!this.jsonEnabled()) {
      this.log(
        flags.unset
          ? 'Sync server removed.'
          : args.url !== undefined
            ? `Sync server set to ${s.serverUrl}.`
            : `Server URL: ${s.serverUrl ?? '(none)'}`,
      );
      this.log(`Sync: ${s.enabled ? 'enabled' : 'disabled'} (${s.reason})`);
      this.log(`Config file: ${s.configPath}`);
      if (args.url !== undefined) this.note('If you switched servers, run `spec-kitty auth login --force`.');
    }
    return snakeCaseKeys({
      serverUrl: s.serverUrl,
      enabled: s.enabled,
      reason: s.reason,
      configPath: s.configPath,
      requestTimeoutSeconds: s.requestTimeoutMs / 1000,
      runDeadlineSeconds: s.runDeadlineMs / 1000,
      changed: args.url !== undefined || flags.unset,
    });
  }
}
