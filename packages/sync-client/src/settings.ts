import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { describeValue } from '@kitty/errors';
import { DEFAULT_SYNC_LANE_MODEL, parseSyncLaneModel, type SyncLaneModel } from '@kitty/events';
import { SyncError } from './errors.js';
import { ensurePrivateDir, kittyStateDir, writeFileAtomic } from './_fs.js';
import { normalizeServerUrl } from './url.js';

/** The server the spec-kitty 2.0 CLI uses when the feature flag is on and no URL is configured. */
export const DEFAULT_SERVER_URL = 'https://spec-kitty-dev.fly.dev';

/** The environment variable that turns sync on (`1`, `true`, `yes`, `on`) or explicitly off (`0`, `false`, `no`, `off`). */
export const SYNC_FLAG_ENV = 'SPEC_KITTY_ENABLE_SAAS_SYNC';

/** The default cap on pending events. */
export const DEFAULT_MAX_QUEUE_SIZE = 100_000;

/** Default `[sync] request_timeout_seconds`: one request, connect to last byte. */
export const DEFAULT_REQUEST_TIMEOUT_S = 10;
/** Default `[sync] run_deadline_seconds`: one `sync now` run, all requests, retries and waits included. */
export const DEFAULT_RUN_DEADLINE_S = 30;

/** The sync settings in effect, with where they came from. */
export interface SyncSettings {
  /** `~/.spec-kitty/config.toml`. */
  readonly configPath: string;
  readonly enabled: boolean;
  /** Why sync is on or off, in words (shown by `sync status`). */
  readonly reason: string;
  readonly serverUrl: string | null;
  readonly serverUrlSource: 'config' | 'default' | null;
  readonly maxQueueSize: number;
  readonly laneModel: SyncLaneModel;
  /** Start background delivery after commands that queue events (issue: automatic delivery). */
  readonly autoDeliver: boolean;
  /** One request may take this long, from connecting to the last byte of the answer (`request_timeout_seconds`). */
  readonly requestTimeoutMs: number;
  /** One sync run ends by then, whatever the server does (`run_deadline_seconds`). */
  readonly runDeadlineMs: number;
  /** Problems found while reading the config (the file is never rewritten by a read). */
  readonly warnings: readonly string[];
}

/** What the settings are read from. */
export interface SettingsInput {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const TRUTHY = new Set(['1', 'true', 'yes', 'on']);
const FALSY = new Set(['0', 'false', 'no', 'off']);

/** `true`/`false` for an explicit flag value, `null` when unset or unrecognised. */
export function parseFlag(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  if (TRUTHY.has(v)) return true;
  if (FALSY.has(v)) return false;
  return null;
}

/** The path of `~/.spec-kitty/config.toml`. */
export function configPath(homeDir: string): string {
  return path.join(kittyStateDir(homeDir), 'config.toml');
}

type Table = Record<string, unknown>;

function readConfigFile(file: string): { data: Table; error: string | null } {
  if (!existsSync(file)) return { data: {}, error: null };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { data: {}, error: `${file}: cannot be read (${(e as Error).message})` };
  }
  try {
    return { data: parse(text.replace(/^\uFEFF/, '')), error: null };
  } catch (e) {
    const where = e instanceof TomlError ? `:${e.line}:${e.column}` : '';
    const msg = (e as Error).message.split('\n')[0] ?? 'invalid TOML';
    return { data: {}, error: `${file}${where}: invalid TOML (${msg})` };
  }
}

/**
 * Reads the sync settings: `[sync]` in `~/.spec-kitty/config.toml` (`server_url`, `max_queue_size`,
 * `lane_model`, `auto_deliver`, `request_timeout_seconds`, `run_deadline_seconds`) and the `SPEC_KITTY_ENABLE_SAAS_SYNC` / `SPEC_KITTY_AUTO_DELIVER` variables.
 * Sync is enabled when a server URL is configured or the flag is truthy; an explicitly falsy flag turns it off.
 * An unreadable or invalid file gives defaults plus a warning; it is never rewritten here.
 */
export function loadSyncSettings(input: SettingsInput): SyncSettings {
  const file = configPath(input.homeDir);
  const { data, error } = readConfigFile(file);
  const warnings: string[] = error ? [`${error}; using defaults. Fix or remove the file.`] : [];
  const sync = (typeof data['sync'] === 'object' && data['sync'] !== null ? data['sync'] : {}) as Table;

  let configured: string | null = null;
  if (sync['server_url'] !== undefined) {
    try {
      configured = normalizeServerUrl(sync['server_url']);
    } catch (e) {
      warnings.push(`${file}: [sync] server_url ignored: ${(e as Error).message}`);
    }
  }
  let maxQueueSize = DEFAULT_MAX_QUEUE_SIZE;
  if (sync['max_queue_size'] !== undefined) {
    const n = sync['max_queue_size'];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) maxQueueSize = n;
    else if (typeof n === 'bigint' && n > 0n && n <= BigInt(Number.MAX_SAFE_INTEGER)) maxQueueSize = Number(n);
    else
      warnings.push(`${file}: [sync] max_queue_size must be a positive integer; got ${describeValue(n)}; using ${DEFAULT_MAX_QUEUE_SIZE}.`);
  }
  let laneModel: SyncLaneModel = DEFAULT_SYNC_LANE_MODEL;
  if (sync['lane_model'] !== undefined) {
    try {
      laneModel = parseSyncLaneModel(sync['lane_model']);
    } catch {
      warnings.push(
        `${file}: [sync] lane_model must be "4-lane" or "7-lane"; got ${describeValue(sync['lane_model'])}; using ${DEFAULT_SYNC_LANE_MODEL}.`,
      );
    }
  }
  let autoDeliver = true;
  if (sync['auto_deliver'] !== undefined) {
    if (typeof sync['auto_deliver'] === 'boolean') autoDeliver = sync['auto_deliver'];
    else warnings.push(`${file}: [sync] auto_deliver must be true or false; got ${describeValue(sync['auto_deliver'])}.`);
  }
  if (parseFlag(input.env['SPEC_KITTY_AUTO_DELIVER']) === false) autoDeliver = false;
  const seconds = (key: string, fallback: number, maxS: number): number => {
    const v = sync[key];
    if (v === undefined) return fallback * 1000;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n) && n > 0 && n <= maxS) return Math.round(n * 1000);
    warnings.push(`${file}: [sync] ${key} must be a number of seconds between 0 and ${maxS}; got ${describeValue(v)}; using ${fallback}.`);
    return fallback * 1000;
  };
  const requestTimeoutMs = seconds('request_timeout_seconds', DEFAULT_REQUEST_TIMEOUT_S, 600);
  const runDeadlineMs = seconds('run_deadline_seconds', DEFAULT_RUN_DEADLINE_S, 3600);

  if (input.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') {
    warnings.push(
      'NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not verified, so your tokens could be sent to an impostor. Unset it and use NODE_EXTRA_CA_CERTS for a private CA.',
    );
  }
  const flag = parseFlag(input.env[SYNC_FLAG_ENV]);
  let enabled: boolean;
  let reason: string;
  if (flag === false) {
    enabled = false;
    reason = `turned off by ${SYNC_FLAG_ENV}=${input.env[SYNC_FLAG_ENV] ?? ''}`;
  } else if (configured !== null) {
    enabled = true;
    reason = `server URL configured in ${file}`;
  } else if (flag === true) {
    enabled = true;
    reason = `${SYNC_FLAG_ENV} is set`;
  } else {
    enabled = false;
    reason = 'no server URL configured';
  }
  const serverUrl = configured ?? (flag === true ? DEFAULT_SERVER_URL : null);
  return {
    configPath: file,
    enabled,
    reason,
    serverUrl,
    serverUrlSource: configured !== null ? 'config' : serverUrl !== null ? 'default' : null,
    maxQueueSize,
    laneModel,
    autoDeliver,
    requestTimeoutMs,
    runDeadlineMs,
    warnings,
  };
}

/** How to turn sync on, for messages when it is off. */
export const ENABLE_SYNC_HINT = `Run \`spec-kitty sync server https://YOUR-SERVER\` (or set ${SYNC_FLAG_ENV}=1) to enable sync.`;

/**
 * Sets keys of the `[sync]` table in `~/.spec-kitty/config.toml`, keeping every other key. Refuses to touch a
 * file it cannot parse (so nothing is lost). Values are validated first.
 */
export function updateSyncConfig(
  homeDir: string,
  changes: {
    readonly server_url?: string | null;
    readonly lane_model?: SyncLaneModel;
    readonly auto_deliver?: boolean;
    readonly max_queue_size?: number;
  },
): string {
  const file = configPath(homeDir);
  const { data, error } = readConfigFile(file);
  if (error) {
    throw new SyncError('CONFIG_UNREADABLE', `Cannot update ${file}: ${error}.`, {
      suggestions: [`Fix the file by hand or move it aside (mv ${file} ${file}.bak), then run the command again.`],
    });
  }
  const sync = { ...((typeof data['sync'] === 'object' && data['sync'] !== null ? data['sync'] : {}) as Table) };
  // null removes the server (sync off), like the Python CLI's config without [sync] server_url.
  if (changes.server_url === null) delete sync['server_url'];
  else if (changes.server_url !== undefined) sync['server_url'] = normalizeServerUrl(changes.server_url);
  if (changes.lane_model !== undefined) sync['lane_model'] = parseSyncLaneModel(changes.lane_model);
  if (changes.auto_deliver !== undefined) sync['auto_deliver'] = changes.auto_deliver;
  if (changes.max_queue_size !== undefined) {
    if (!Number.isInteger(changes.max_queue_size) || changes.max_queue_size <= 0) {
      throw new SyncError('INVALID_SETTING', `max_queue_size must be a positive integer; got ${describeValue(changes.max_queue_size)}.`);
    }
    sync['max_queue_size'] = changes.max_queue_size;
  }
  try {
    ensurePrivateDir(kittyStateDir(homeDir));
    writeFileAtomic(file, stringify({ ...data, sync }), 0o600);
  } catch (e) {
    throw new SyncError('CONFIG_WRITE_FAILED', `Cannot write ${file}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: [`Check that ${kittyStateDir(homeDir)} is writable.`],
    });
  }
  return file;
}
