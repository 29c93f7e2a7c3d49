import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@kitty/io';

/** The metadata file of a running dashboard, relative to the project root (the incumbent's path and layout). */
export const DASHBOARD_FILE = '.kittify/.dashboard';
/**
 * Where the background server of the project at `root` writes what it has to say (start-up failures): in the
 * user's state directory (`~/.spec-kitty/logs/dashboard-<hash of the root>.log`), never in the repository.
 */
export function dashboardLogPath(homeDir: string, root: string): string {
  return path.join(homeDir, '.spec-kitty', 'logs', `dashboard-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.log`);
}
/** The first port tried when none is given (the incumbent's). */
export const DEFAULT_PORT = 9237;
/** How many ports from {@link DEFAULT_PORT} are tried. */
export const PORT_ATTEMPTS = 100;

/** What `.kittify/.dashboard` holds: four lines, URL, port, token (32 hex), pid. */
export interface DashboardMetadata {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly pid: number;
}

/** The metadata file of the project at `root`. */
export function metadataPath(root: string): string {
  return path.join(root, DASHBOARD_FILE);
}

/** Parses the four-line metadata file; null when it is missing or not in that shape. */
export function parseMetadata(text: string): DashboardMetadata | null {
  const [url, port, token, pid] = text.split(/\r?\n/).map((l) => l.trim());
  if (url === undefined || port === undefined || token === undefined || pid === undefined) return null;
  const p = Number(port);
  const id = Number(pid);
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(url) || !Number.isInteger(p) || p < 1 || p > 65535) return null;
  if (!/^[0-9a-f]{16,128}$/i.test(token) || !Number.isInteger(id) || id <= 0) return null;
  return { url, port: p, token, pid: id };
}

/** The metadata of the project's dashboard, or null (missing or malformed: `malformed` says which). */
export function readMetadata(root: string): { metadata: DashboardMetadata | null; malformed: boolean } {
  const file = metadataPath(root);
  if (!existsSync(file)) return { metadata: null, malformed: false };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { metadata: null, malformed: true };
  }
  const m = parseMetadata(text);
  return { metadata: m, malformed: m === null };
}

/** The text of a metadata file. */
export function renderMetadata(m: DashboardMetadata): string {
  return `${m.url}\n${m.port}\n${m.token}\n${m.pid}\n`;
}

/** Writes the metadata file atomically. */
export function writeMetadata(root: string, m: DashboardMetadata): void {
  writeFileAtomic(metadataPath(root), renderMetadata(m), { mode: 0o600 });
}

/** Removes the metadata file; with `onlyPid`, only when it still names that process. */
export function removeMetadata(root: string, onlyPid?: number): void {
  if (onlyPid !== undefined) {
    const { metadata } = readMetadata(root);
    if (metadata !== null && metadata.pid !== onlyPid) return;
  }
  rmSync(metadataPath(root), { force: true });
}
