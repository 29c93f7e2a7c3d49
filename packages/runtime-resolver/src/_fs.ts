// Small file helpers shared by the resolver and migrate (internal: not exported from index.ts).
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';

function stat(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR (a file where a folder was expected), EACCES: treat as absent
  }
}

/** True when `p` is a regular file (symlinks followed). */
export const isFile = (p: string): boolean => stat(p)?.isFile() === true;

/** True when `p` is a directory (symlinks followed). */
export const isDir = (p: string): boolean => stat(p)?.isDirectory() === true;

/** The file's bytes, or null when it does not exist or is not a file. */
export function readBytes(p: string): Buffer | null {
  if (!isFile(p)) return null;
  return readFileSync(p);
}

/** Every file under `root`, as sorted POSIX paths relative to `root` (empty when `root` is missing). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      const abs = path.join(dir, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && isDir(abs))) walk(abs, childRel);
      else if (e.isFile() || (e.isSymbolicLink() && isFile(abs))) out.push(childRel);
    }
  };
  walk(root, '');
  return out.sort();
}

/** The names of the sub-directories of `dir`, sorted (empty when `dir` is missing). */
export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDir(path.join(dir, e.name))))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** `sha256:<hex>` of some bytes. */
export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The bytes with CRLF line endings turned into LF (a checkout on Windows must not look "customised"). */
export function normalizeEol(data: Buffer): Buffer {
  return data.includes(13) ? Buffer.from(data.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : data;
}

/** True when two files have the same text, ignoring CRLF versus LF. */
export function sameText(a: Buffer, b: Buffer): boolean {
  return a.equals(b) || normalizeEol(a).equals(normalizeEol(b));
}

/** A short random suffix for temp, staging and backup names. */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** Copies every file under `from` into `to` (created as needed). */
export function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const rel of listFiles(from)) {
    const target = joinRel(to, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(joinRel(from, rel), target);
  }
}

/** Writes a file atomically (old or new content, never a mix): the one implementation in @kitty/io. */
export { writeFileAtomic } from '@kitty/io';

/** Removes `dir` and its parents while they are empty, stopping at (and keeping) `stopAt`. */
export function removeEmptyDirs(dir: string, stopAt: string): void {
  let current = path.resolve(dir);
  const stop = path.resolve(stopAt);
  while (current !== stop && current.startsWith(stop + path.sep)) {
    try {
      if (readdirSync(current).length > 0) return;
      rmdirSync(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}

/** Joins a POSIX relative path onto a native base path. */
export function joinRel(base: string, rel: string): string {
  return path.join(base, ...rel.split('/'));
}
