import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic as writeAtomic } from '@kitty/io';

/** `~/.spec-kitty` for a home directory. */
export function kittyStateDir(homeDir: string): string {
  return path.join(homeDir, '.spec-kitty');
}

/** Creates `dir` (and parents) with mode 0700 when missing. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a file atomically with `mode` (default 0600: credentials and settings are private). A crash leaves the
 * old or the new content, never a mix. The one implementation is @kitty/io's.
 */
export function writeFileAtomic(target: string, data: string, mode = 0o600): void {
  writeAtomic(target, data, { mode });
}
