import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { openQueue, queuePath } from '../src/index.js';
import { draft } from './helpers.js';

afterAll(cleanupTempDirs);

const isRoot = process.getuid?.() === 0;

/** Mounts a tmpfs at `dir` when this process may (root), else returns false. */
function mountTmpfs(dir: string, options: string): boolean {
  if (!isRoot) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore', timeout: 10_000 });
}

describe('file-system faults get their own error code, the path and what to do', () => {
  it('a directory where the queue file should be: QUEUE_PATH_IS_DIRECTORY', async () => {
    const home = tempDir({}, 'kitty-queue-dir-');
    mkdirSync(queuePath(home, null), { recursive: true });
    const err = await openQueue({ homeDir: home, now: () => new Date() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUEUE_PATH_IS_DIRECTORY' });
    expect((err as Error).message).toContain(queuePath(home, null));
    expect((err as { suggestions: string[] }).suggestions.join(' ')).toMatch(/mv /);
  });

  it('a read-only home: QUEUE_READ_ONLY naming the directory (a read-only tmpfs as root, else chmod 0500)', async () => {
    const home = tempDir({}, 'kitty-queue-ro-');
    const dir = path.join(home, '.spec-kitty');
    mkdirSync(dir);
    const mounted = mountTmpfs(dir, 'ro,size=64k');
    if (!mounted) chmodSync(dir, 0o500);
    try {
      const err = await openQueue({ homeDir: home, now: () => new Date() }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'QUEUE_READ_ONLY' });
      expect((err as Error).message).toContain(dir);
      expect((err as Error).message).not.toMatch(/report it/i);
    } finally {
      if (mounted) unmount(dir);
      else chmodSync(dir, 0o700);
    }
    // Once writable again, the queue works.
    const q = await openQueue({ homeDir: home, now: () => new Date() });
    await q.enqueue(draft(1));
    await q.close();
  });

  it('a full disk: QUEUE_DISK_FULL that says the disk is full (a small tmpfs as root, else the size cap)', async () => {
    const home = tempDir({}, 'kitty-queue-full-');
    const dir = path.join(home, '.spec-kitty');
    mkdirSync(dir);
    const mounted = mountTmpfs(dir, 'size=512k');
    try {
      const q = await openQueue({ homeDir: home, now: () => new Date(), ...(mounted ? {} : { maxDatabaseBytes: 256 * 1024 }) });
      if (mounted) writeFileSync(path.join(dir, 'filler'), Buffer.alloc(200 * 1024));
      let err: unknown = null;
      for (let i = 0; i < 200 && err === null; i++) {
        await q
          .enqueueMany(Array.from({ length: 20 }, (_, j) => draft(i * 20 + j + 1, 'WPStatusChanged', { pad: 'x'.repeat(2000) })))
          .catch((e: unknown) => {
            err = e;
          });
      }
      expect(err).toMatchObject({ code: 'QUEUE_DISK_FULL' });
      expect((err as Error).message).toContain(q.path);
      expect((err as Error).message).toMatch(mounted ? /No space left on the disk/ : /size limit/);
      await q.close();
    } finally {
      if (mounted) unmount(dir);
    }
  });
});
