// Looks at a queue file's bytes before SQLite does, to catch what SQLite would not report on open: a garbage
// header, a truncated file, or a `-wal` left by another database (SQLite would silently replay its pages).
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync, type Stats } from 'node:fs';

const MAGIC = 'SQLite format 3\0';

/** What the raw bytes of a database file say. */
export interface FileInspection {
  readonly kind: 'missing' | 'empty' | 'sqlite' | 'not-sqlite' | 'truncated';
  readonly size: number;
  readonly ino: number;
  readonly dev: number;
  readonly pageSize: number | null;
  readonly applicationId: number | null;
  readonly userVersion: number | null;
  /** Size of the `-wal` next to it (0 when absent). */
  readonly walBytes: number;
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** Size of a file in bytes, or 0 when it does not exist. */
export function fileBytes(file: string): number {
  return Number(statOrNull(file)?.size ?? 0);
}

/** Reads the 100-byte header of `file` (and the size of its `-wal`) without opening it with SQLite. */
export function inspectFile(file: string): FileInspection {
  const st = statOrNull(file);
  const walBytes = Number(statOrNull(`${file}-wal`)?.size ?? 0);
  const base = { ino: Number(st?.ino ?? 0), dev: Number(st?.dev ?? 0), pageSize: null, applicationId: null, userVersion: null, walBytes };
  if (st === null) return { kind: 'missing', size: 0, ...base };
  const size = Number(st.size);
  if (size === 0) return { kind: 'empty', size, ...base };
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 100 || header.toString('latin1', 0, 16) !== MAGIC) return { kind: 'not-sqlite', size, ...base };
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return { kind: 'not-sqlite', size, ...base };
  const changeCounter = header.readUInt32BE(24);
  const pageCount = header.readUInt32BE(28);
  const validFor = header.readUInt32BE(92);
  const info = { ...base, pageSize, applicationId: header.readUInt32BE(68), userVersion: header.readUInt32BE(60) };
  // The in-header page count is trustworthy only when "version-valid-for" matches the change counter.
  if (validFor === changeCounter && pageCount > 0 && size < pageCount * pageSize) return { kind: 'truncated', size, ...info };
  if (size % pageSize !== 0) return { kind: 'truncated', size, ...info };
  return { kind: 'sqlite', size, ...info };
}

/**
 * Patches a private copy of a damaged file so SQLite will read what is left: restores the 16-byte magic
 * string when the page size is still valid, and lowers the in-header page count to the pages really present
 * (SQLite refuses a file shorter than its header says). Returns what it changed.
 */
export function patchHeaderForSalvage(copy: string): { magic: boolean; pageCount: boolean } {
  const changed = { magic: false, pageCount: false };
  let fd: number | undefined;
  try {
    fd = openSync(copy, 'r+');
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100) return changed;
    const raw = header.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return changed;
    if (header.toString('latin1', 0, 16) !== MAGIC) {
      writeSync(fd, SQLITE_MAGIC, 0, SQLITE_MAGIC.length, 0);
      changed.magic = true;
    }
    const pagesPresent = Math.floor(fstatSync(fd).size / pageSize);
    if (header.readUInt32BE(28) > pagesPresent) {
      const count = Buffer.alloc(4);
      count.writeUInt32BE(pagesPresent);
      writeSync(fd, count, 0, 4, 28);
      ftruncateSync(fd, pagesPresent * pageSize);
      changed.pageCount = true;
    }
  } catch {
    // A copy we cannot patch is salvaged as it is.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return changed;
}

/** The 16-byte magic string every SQLite file starts with. */
const SQLITE_MAGIC = Buffer.from(MAGIC, 'latin1');
