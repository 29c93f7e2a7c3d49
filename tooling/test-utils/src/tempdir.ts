import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A directory tree to create: file path → content (string) or null for an empty directory. */
export type Tree = Readonly<Record<string, string | null>>;

const cleanups: Array<() => void> = [];

/** Removes every temp dir created by this module; call from `afterAll` (jest runs it per test file). */
export function cleanupTempDirs(): void {
  while (cleanups.length > 0) cleanups.pop()?.();
}

/** Writes a tree of files under `root`, creating parent directories. */
export function writeTree(root: string, tree: Tree): void {
  for (const [rel, content] of Object.entries(tree)) {
    const target = path.join(root, rel);
    if (content === null) {
      mkdirSync(target, { recursive: true });
    } else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
}

/**
 * Creates a fresh directory under the OS temp dir, optionally filled with `tree`. It is removed by
 * `cleanupTempDirs()` (or by the process's own cleanup if a test crashes).
 */
export function tempDir(tree: Tree = {}, prefix = 'kitty-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  writeTree(dir, tree);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
