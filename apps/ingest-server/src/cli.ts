import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isKittyError } from '@kitty/errors';
import type { IngestUser } from './options.js';
import { startIngestServer, type IngestServer } from './server.js';

/** Usage text of `kitty-ingest-server`. */
export const USAGE = `kitty-ingest-server: the reference batch-ingest server for kitty sync (development and contract tests)

Usage:
  node apps/ingest-server/bin/run.js --user ada:secret [options]

Options:
  --port N                 TCP port (default 8787; 0 picks a free one)
  --host HOST              interface (default 127.0.0.1; the CLI speaks plain http only to loopback)
  --db FILE                SQLite file to keep events in (default :memory:, gone when the server stops)
  --lane-model MODEL       4-lane (default) or 7-lane WPStatusChanged payloads
  --user NAME:PASSWORD     an account (repeatable); the password is everything after the first colon
  --users-file FILE        accounts, one NAME:PASSWORD per line (# comments allowed)
  --team SLUG              team slug returned at login (stamped into events by the CLI)
  --allow-any-user         development: any non-empty username and password log in
  --public-read            development: the page at / and GET /api/v1/events/ need no credentials
  --access-lifetime S      access-token lifetime in seconds (default 900)
  --refresh-lifetime S     refresh-token lifetime in seconds (default 604800)
  --no-rotate              keep the refresh token on refresh (default: rotate it)
  --max-body-bytes N       largest request body on the wire (default 5242880)
  --quiet                  no request log on stderr
  -h, --help               this text

Endpoints: POST /api/v1/token/, POST /api/v1/token/refresh/, POST /api/v1/events/batch/,
GET /api/v1/events/?limit=&after=&event_type=, GET / (page), GET /healthz.
Contract: docs/contracts/batch-ingest.md. Stop with Ctrl-C.
`;

/** Where the command writes. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Called once the server listens (tests and the bin use it to wait for shutdown signals). */
  readonly onStarted?: (server: IngestServer) => void;
}

class UsageError extends Error {}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--${flag} needs a whole number; got ${JSON.stringify(text)}.`);
  return n;
}

function user(spec: string, where: string): IngestUser {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1)
    throw new UsageError(`${where}: expected NAME:PASSWORD; got ${JSON.stringify(spec.replace(/:.*/, ':…'))}.`);
  return { username: spec.slice(0, colon), password: spec.slice(colon + 1) };
}

/**
 * Runs `kitty-ingest-server ARGS`: starts the server and resolves with `null` while it runs, or with an exit
 * code (0 after `--help`, 2 for bad flags, 1 when it cannot start).
 */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
): Promise<IngestServer | number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        'lane-model': { type: 'string' },
        user: { type: 'string', multiple: true },
        'users-file': { type: 'string' },
        team: { type: 'string' },
        'allow-any-user': { type: 'boolean' },
        'public-read': { type: 'boolean' },
        'access-lifetime': { type: 'string' },
        'refresh-lifetime': { type: 'string' },
        'no-rotate': { type: 'boolean' },
        'max-body-bytes': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    io.stderr(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  let server: IngestServer;
  try {
    const users = (values.user ?? []).map((u) => user(u, '--user'));
    if (values['users-file'] !== undefined) {
      let text: string;
      try {
        text = readFileSync(values['users-file'], 'utf8');
      } catch (e) {
        throw new UsageError(`--users-file: cannot read ${values['users-file']}: ${(e as Error).message}.`);
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const t = line.trim();
        if (t !== '' && !t.startsWith('#')) users.push(user(t, `${values['users-file']}:${i + 1}`));
      });
    }
    const laneModel = values['lane-model'];
    if (laneModel !== undefined && laneModel !== '4-lane' && laneModel !== '7-lane')
      throw new UsageError(`--lane-model must be 4-lane or 7-lane; got ${JSON.stringify(laneModel)}.`);
    const port = number('port', values.port);
    const access = number('access-lifetime', values['access-lifetime']);
    const refresh = number('refresh-lifetime', values['refresh-lifetime']);
    const maxBody = number('max-body-bytes', values['max-body-bytes']);
    server = await startIngestServer({
      users: users.map((u) => (values.team ? { ...u, teamSlug: values.team } : u)),
      allowAnyUser: values['allow-any-user'] === true,
      publicRead: values['public-read'] === true,
      rotateRefreshTokens: values['no-rotate'] !== true,
      ...(port === undefined ? {} : { port }),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values.db === undefined ? {} : { dbPath: values.db }),
      ...(laneModel === undefined ? {} : { laneModel }),
      ...(values.team === undefined ? {} : { defaultTeamSlug: values.team }),
      ...(access === undefined ? {} : { accessLifetimeS: access }),
      ...(refresh === undefined ? {} : { refreshLifetimeS: refresh }),
      ...(maxBody === undefined ? {} : { maxBodyBytes: maxBody }),
      ...(values.quiet ? {} : { log: (line: string) => io.stderr(`${new Date().toISOString()} ${line}\n`) }),
    });
    const names = users.map((u) => u.username);
    io.stdout(
      `kitty ingest server listening on ${server.url}\n` +
        `  lane model ${server.laneModel} · storage ${server.dbPath} · users: ${names.length > 0 ? names.join(', ') : '(none)'}${values['allow-any-user'] ? ' + any user (development mode)' : ''}\n` +
        `  page ${server.url}/ · events GET ${server.url}/api/v1/events/ · contract docs/contracts/batch-ingest.md\n` +
        `  try: spec-kitty sync server ${server.url} && spec-kitty auth login -u ${names[0] ?? 'NAME'} --password-stdin\n`,
    );
    if (!/^(127\.|localhost$|\[?::1\]?$)/.test(server.host)) {
      io.stderr(
        `warning: listening on ${server.host} over plain http: tokens and passwords travel unencrypted; put a TLS proxy in front for anything but local tests.\n`,
      );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\nRun with --help for the options.\n`);
      return 2;
    }
    if (isKittyError(e)) {
      io.stderr(`${e.message}\n${e.suggestions.map((s) => `  ${s}\n`).join('')}`);
      return e.code === 'INVALID_OPTION' ? 2 : 1;
    }
    throw e;
  }
  io.onStarted?.(server);
  return server;
}
