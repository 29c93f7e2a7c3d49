import { Flags } from '@oclif/core';
import { KittyCommand, commandContext, readCredentials } from '@kitty/cli-kit';

/** Logs in to the configured sync server and stores tokens in ~/.spec-kitty/credentials (0600). */
export default class AuthLogin extends KittyCommand {
  static override summary = 'Log in to the spec-kitty sync server';
  static override description = `Exchanges your username and password for tokens at the configured server
(\`spec-kitty sync server\`) and stores them in ~/.spec-kitty/credentials (mode 600). Events you recorded
while logged out move into your account's queue. The password is never printed; prefer --password-stdin
in scripts. Tokens are only ever sent to the server that issued them.`;
  static override examples = [
    '<%= config.bin %> auth login -u ada',
    'printf %s "$PASSWORD" | <%= config.bin %> auth login -u ada --password-stdin --json',
  ];
  static override flags = {
    username: Flags.string({ char: 'u', description: 'your username (prompted when omitted on a terminal)' }),
    password: Flags.string({
      char: 'p',
      description: 'your password (visible in the process list: prefer --password-stdin)',
      exclusive: ['password-stdin'],
    }),
    'password-stdin': Flags.boolean({ description: 'read the password from standard input' }),
    force: Flags.boolean({ char: 'f', description: 'log in again even when already authenticated' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AuthLogin);
    const { username, password } = await readCredentials(flags, process.stdin.isTTY === true && !this.jsonEnabled());
    const { loginFlow, snakeCaseKeys } = await import('@kitty/sync-client');
    const ctx = commandContext();
    const r = await loginFlow({
      homeDir: ctx.homeDir,
      env: ctx.env,
      now: ctx.now,
      username,
      password,
      force: flags.force,
    });
    for (const n of r.notes) this.note(n);
    if (!this.jsonEnabled() && !r.alreadyAuthenticated)
      this.log(`Logged in to ${r.serverUrl} as ${r.username}${r.teamSlug ? ` (team ${r.teamSlug})` : ''}.`);
    const { accessExpiresAt, refreshExpiresAt, ...rest } = r;
    // teamSlug and serverUrl stay as camelCase aliases for one release (read by scripts written against 0.1).
    return snakeCaseKeys({ ...rest, accessExpiresAt: accessExpiresAt || null, refreshExpiresAt: refreshExpiresAt || null }, [
      'teamSlug',
      'serverUrl',
    ]);
  }
}
