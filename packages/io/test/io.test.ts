import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import {
  acquireLock,
  isAtomicTempName,
  isProcessAlive,
  lockOwnerName,
  parseToml,
  readLockOwner,
  removeAtomicTemps,
  tomlMultilineBody,
  tomlString,
  withFileLock,
  writeFileAtomic,
} from '../src/index.js';

afterAll(cleanupTempDirs);

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

/** Starts a node process that takes `lockPath` with the built package, says "held", and waits to be killed. */
function holder(lockPath: string): Promise<{ pid: number; kill: (sig: NodeJS.Signals) => Promise<void> }> {
  const code = `const { acquireLock } = await import(${JSON.stringify(dist)}); await acquireLock(${JSON.stringify(lockPath)}, { what: 'test' }); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('held'))
        resolve({
          pid: child.pid as number,
          kill: async (sig) => {
            child.kill(sig);
            await exited;
          },
        });
    });
    child.on('error', reject);
  });
}

describe('writeFileAtomic', () => {
  it('writes, creates parents, keeps the mode of an existing file and leaves no temp file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a', 'b', 'f.txt');
    writeFileAtomic(file, 'one\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('one\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileAtomic(file, Buffer.from('two\n'));
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['f.txt']);
  });

  it('reports a write into a file path that is a directory as IO_WRITE_FAILED', () => {
    const dir = tempDir({ 'd/x': 'x' });
    expect(() => writeFileAtomic(path.join(dir, 'd'), 'x')).toThrow(expect.objectContaining({ code: 'IO_WRITE_FAILED' }));
  });

  it('removes temp files a killed writer left, and only those', () => {
    const dir = tempDir({ 'f.md': 'x', 'f.md.123456': 'half', 'f.md.bak': 'mine', 'g.md.99': 'other' });
    expect(removeAtomicTemps(path.join(dir, 'f.md')).map((p) => path.basename(p))).toEqual(['f.md.123456']);
    expect(readdirSync(dir).sort()).toEqual(['f.md', 'f.md.bak', 'g.md.99']);
    expect(isAtomicTempName('f.md.77', ['f.md'])).toBe(true);
    expect(isAtomicTempName('g.md.99', ['f.md'])).toBe(false);
  });
});

describe('isProcessAlive', () => {
  it('is true for this process and false for nonsense and finished processes', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-5)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('exit', resolve));
    expect(isProcessAlive(child.pid as number)).toBe(false);
  });
});

describe('locks', () => {
  it('records the owner while held and removes the record on release', async () => {
    const lockPath = path.join(tempDir(), 'locks', 'x.lock');
    const lock = await acquireLock(lockPath, { what: 'x', host: 'h1', now: () => new Date('2026-01-01T00:00:00Z') });
    expect(readLockOwner(lockPath)).toEqual({ pid: process.pid, host: 'h1', since: '2026-01-01T00:00:00.000Z' });
    // The record is an empty directory (git never lists one), not a file.
    expect(readdirSync(lockPath)).toEqual([lockOwnerName({ pid: process.pid, host: 'h1', since: '2026-01-01T00:00:00.000Z' })]);
    expect(lock.notes).toEqual([]);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('takes over at once the lock of a process killed with SIGKILL, with a note naming it', async () => {
    const lockPath = path.join(tempDir(), 'k.lock');
    const h = await holder(lockPath);
    await h.kill('SIGKILL');
    expect(existsSync(lockPath)).toBe(true);
    // waitMs 0: any wait for a live holder would fail; the dead one is taken over without waiting.
    const lock = await acquireLock(lockPath, { waitMs: 0 });
    expect(lock.tookOverFrom?.pid).toBe(h.pid);
    expect(lock.notes.join('\n')).toContain(`process ${h.pid}`);
    expect(lock.notes.join('\n')).toContain('no longer running');
    expect(readLockOwner(lockPath)?.pid).toBe(process.pid);
    await lock.release();
  });

  it('waits for a live holder and then reports it by pid (IO_LOCK_BUSY)', async () => {
    const lockPath = path.join(tempDir(), 'l.lock');
    const h = await holder(lockPath);
    try {
      await expect(acquireLock(lockPath, { waitMs: 200 })).rejects.toMatchObject({
        code: 'IO_LOCK_BUSY',
        message: expect.stringContaining(`process ${h.pid}`),
      });
    } finally {
      await h.kill('SIGTERM');
    }
  });

  it('takes over a lock left without an owner record (holder killed while taking it) after a short wait, not a live one', async () => {
    const lockPath = path.join(tempDir(), 'o.lock');
    mkdirSync(lockPath); // what a holder killed between taking the lock and writing its record leaves
    const held = await acquireLock(lockPath, { waitMs: 10_000 });
    try {
      expect(held.notes.join('\n')).toMatch(/no owner record/);
      expect(readLockOwner(lockPath)?.pid).toBe(process.pid);
    } finally {
      await held.release();
    }
    // A live holder with its record is never taken over this way.
    const h = await holder(lockPath);
    try {
      await expect(acquireLock(lockPath, { waitMs: 3_000 })).rejects.toMatchObject({ code: 'IO_LOCK_BUSY' });
    } finally {
      await h.kill('SIGTERM');
    }
  });

  it('does not take over a lock whose owner runs on another host before it is stale', async () => {
    const lockPath = path.join(tempDir(), 'm.lock');
    const h = await holder(lockPath);
    await h.kill('SIGKILL');
    const owner = readLockOwner(lockPath);
    expect(owner?.pid).toBe(h.pid);
    if (owner === null) return;
    renameSync(path.join(lockPath, lockOwnerName(owner)), path.join(lockPath, lockOwnerName({ ...owner, host: 'elsewhere' })));
    await expect(acquireLock(lockPath, { waitMs: 100 })).rejects.toMatchObject({ code: 'IO_LOCK_BUSY' });
  });

  it('stops waiting when the signal fires (IO_LOCK_ABORTED)', async () => {
    const lockPath = path.join(tempDir(), 'n.lock');
    const first = await acquireLock(lockPath, { pid: process.pid });
    const ac = new AbortController();
    const waiting = acquireLock(lockPath, { pid: process.pid + 1, waitMs: 60_000, signal: ac.signal, sleep: async () => ac.abort() });
    await expect(waiting).rejects.toMatchObject({ code: 'IO_LOCK_ABORTED' });
    await first.release();
  });

  it('takes over a stale lock of another host once it is older than staleMs', async () => {
    const lockPath = path.join(tempDir(), 'p.lock');
    const h = await holder(lockPath);
    await h.kill('SIGKILL');
    const owner = readLockOwner(lockPath);
    if (owner === null) throw new Error('no owner record');
    renameSync(path.join(lockPath, lockOwnerName(owner)), path.join(lockPath, lockOwnerName({ ...owner, host: 'elsewhere' })));
    const { utimesSync } = await import('node:fs');
    utimesSync(lockPath, 1, 1); // last refreshed long ago
    const lock = await acquireLock(lockPath, { waitMs: 0, staleMs: 5_000 });
    expect(readLockOwner(lockPath)?.pid).toBe(process.pid);
    await lock.release();
  });

  it('withFileLock releases after an exception and passes the notes on', async () => {
    const lockPath = path.join(tempDir(), 'o.lock');
    await expect(
      withFileLock(lockPath, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(lockPath)).toBe(false);
    const notes: string[] = [];
    expect(await withFileLock(lockPath, async () => 7, { onNote: (n) => notes.push(n) })).toBe(7);
    expect(notes).toEqual([]);
  });
});

describe('TOML', () => {
  const nasty = [
    'plain',
    'quote " and """ triple',
    'ends with quote"',
    'back\\slash \\n',
    'tab\tnew\nline',
    'ctrl \u0001 \u007f',
    'unicode é 🐱',
    '""""""',
  ];
  it('tomlString and tomlMultilineBody read back to the same text with smol-toml', () => {
    for (const t of nasty) {
      expect((parse(`a = ${tomlString(t)}\n`) as { a: string }).a).toBe(t);
      expect((parse(`a = """\n${tomlMultilineBody(t)}"""\n`) as { a: string }).a).toBe(t);
    }
  });
  it('parseToml names the line of a syntax error', () => {
    expect(parseToml('a = 1\n')).toEqual({ a: 1 });
    expect(() => parseToml('a = 1\nb = \n', 'x.toml')).toThrow(
      expect.objectContaining({ code: 'IO_TOML_INVALID', message: expect.stringContaining('line 2') }),
    );
  });
});
