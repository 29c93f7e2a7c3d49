// The transaction behind every writing command (ADR 0014), on real repositories: rollback on failure and on an
// interrupt, and recovery of a journal left by a killed process (rolled back, or kept when its commit completed).
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { commitFiles } from '../src/git/commit.js';
import { journalDir, recoverTransactions, runTransaction, Transaction, type TransactionContext } from '../src/git/transaction.js';
import { caught } from './exec-helpers.js';
import { clock, git, newProject, porcelain, subjects } from './helpers.js';

afterAll(cleanupTempDirs);

/** The pid of a process that has exited (a command killed with SIGKILL). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

async function setup() {
  const p = await newProject();
  const scratch = path.join(p.dir, '.git', 'spec-kitty');
  const ctx = (extra: Partial<TransactionContext> = {}): TransactionContext => ({
    git,
    repoTop: p.dir,
    scratch,
    command: 'test',
    now: clock.now,
    ...extra,
  });
  const cfg = path.join(p.dir, '.kittify', 'config.yaml');
  return { ...p, scratch, ctx, cfg, before: readFileSync(cfg, 'utf8'), head: (await subjects(p.sg, 1))[0] };
}

describe('runTransaction', () => {
  it('an exception after writing and staging puts files, directories and the index back', async () => {
    const s = await setup();
    const newFile = path.join(s.dir, 'kitty-specs', '009-x', 'spec.md');
    const err = await caught(
      runTransaction(s.ctx(), async (tx) => {
        tx.track([s.cfg, newFile]);
        writeFileSync(s.cfg, 'changed: true\n');
        mkdirSync(path.dirname(newFile), { recursive: true });
        writeFileSync(newFile, '# spec\n');
        await s.sg.add([s.cfg, newFile]);
        await tx.commit('boom', async () => {
          throw new Error('the commit failed');
        });
        return null;
      }),
    );
    expect(err.message).toBe('the commit failed');
    expect(readFileSync(s.cfg, 'utf8')).toBe(s.before);
    expect(existsSync(path.join(s.dir, 'kitty-specs'))).toBe(false);
    expect(await porcelain(s.sg)).toEqual([]);
    expect(readdirSync(journalDir(s.scratch))).toEqual([]);
  });

  it('an interrupt seen before the commit rolls back and reports INTERRUPTED with the state', async () => {
    const s = await setup();
    const ac = new AbortController();
    const err = await caught(
      runTransaction(s.ctx({ signal: ac.signal }), async (tx) => {
        tx.track([s.cfg]);
        writeFileSync(s.cfg, 'half\n');
        ac.abort('SIGINT');
        return tx.commit('never', () => commitFiles(git, s.dir, s.dir, [s.cfg], 'never'));
      }),
    );
    expect(err.code).toBe('INTERRUPTED');
    expect(err.message).toContain('SIGINT');
    expect(err.message).toContain('as it was before');
    expect(readFileSync(s.cfg, 'utf8')).toBe(s.before);
    expect(await subjects(s.sg, 1)).toEqual([s.head]);
  });

  it('a commit already running when the interrupt comes finishes, and the command completes', async () => {
    const s = await setup();
    const ac = new AbortController();
    const r = await runTransaction(s.ctx({ signal: ac.signal }), async (tx) => {
      tx.track([s.cfg]);
      writeFileSync(s.cfg, `${s.before}# more\n`);
      return tx.commit('kept', async () => {
        ac.abort('SIGTERM');
        return commitFiles(git, s.dir, s.dir, [s.cfg], 'kept');
      });
    });
    expect(r.commit_created).toBe(true);
    expect(await subjects(s.sg, 1)).toEqual(['kept']);
    expect(await porcelain(s.sg)).toEqual([]);
  });

  it('a later failure undoes an earlier commit of the same transaction (the branch goes back)', async () => {
    const s = await setup();
    await caught(
      runTransaction(s.ctx(), async (tx) => {
        tx.track([s.cfg]);
        writeFileSync(s.cfg, `${s.before}# one\n`);
        await tx.commit('first', () => commitFiles(git, s.dir, s.dir, [s.cfg], 'first'), { final: false });
        throw new Error('second step failed');
      }),
    );
    expect(await subjects(s.sg, 1)).toEqual([s.head]);
    expect(readFileSync(s.cfg, 'utf8')).toBe(s.before);
    expect(await porcelain(s.sg)).toEqual([]);
  });
});

describe('recoverTransactions (a command killed with SIGKILL)', () => {
  it('rolls back the journal of a dead process, with a note; a live one is left alone', async () => {
    const s = await setup();
    const dead = await deadPid();
    const tx = new Transaction(s.ctx({ pid: dead, command: 'agent tasks move-task' }));
    tx.track([s.cfg]);
    writeFileSync(s.cfg, 'half written\n');
    await s.sg.add([s.cfg]);
    // A live process's journal (this one) is not touched.
    const live = new Transaction(s.ctx());
    live.track([path.join(s.dir, 'other.md')]);
    const notes = await recoverTransactions({ git, scratch: s.scratch, pid: dead + 100000 });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`Rolled back an interrupted agent tasks move-task (process ${dead}`);
    expect(readFileSync(s.cfg, 'utf8')).toBe(s.before);
    expect(readdirSync(journalDir(s.scratch)).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    await live.rollback();
    expect(readdirSync(journalDir(s.scratch))).toEqual([]);
  });

  it('a journal with missing fields (another version, or damaged) is left alone with a note, and the others still recover', async () => {
    const s = await setup();
    const dead = await deadPid();
    const tx = new Transaction(s.ctx({ pid: dead, command: 'agent tasks move-task' }));
    tx.track([s.cfg]);
    writeFileSync(s.cfg, 'half written\n');
    const odd = path.join(journalDir(s.scratch), '1-abc.json');
    writeFileSync(odd, JSON.stringify({ version: 1, pid: dead, host: hostname() })); // this machine, a dead owner, no id
    const notes = await recoverTransactions({ git, scratch: s.scratch, pid: dead + 100000 });
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`Left ${odd} alone`),
        expect.stringContaining('Rolled back an interrupted agent tasks move-task'),
      ]),
    );
    expect(readFileSync(s.cfg, 'utf8')).toBe(s.before);
    expect(existsSync(odd)).toBe(true);
  });

  it('undoes the commits of a dead transaction that had not finished, and keeps one whose final commit completed', async () => {
    const s = await setup();
    const dead = await deadPid();
    const a = new Transaction(s.ctx({ pid: dead }));
    a.track([s.cfg]);
    writeFileSync(s.cfg, `${s.before}# a\n`);
    await a.commit('step one', () => commitFiles(git, s.dir, s.dir, [s.cfg], 'step one'), { final: false });
    expect(await recoverTransactions({ git, scratch: s.scratch })).toEqual([expect.stringContaining('its commits undone')]);
    expect(await subjects(s.sg, 1)).toEqual([s.head]);
    expect(readFileSync(s.cfg, 'utf8')).toBe(s.before);
    expect(await porcelain(s.sg)).toEqual([]);

    const b = new Transaction(s.ctx({ pid: dead }));
    b.track([s.cfg]);
    writeFileSync(s.cfg, `${s.before}# b\n`);
    await b.commit('final step', () => commitFiles(git, s.dir, s.dir, [s.cfg], 'final step'));
    expect(await recoverTransactions({ git, scratch: s.scratch })).toEqual([expect.stringContaining('its commit is kept')]);
    expect(await subjects(s.sg, 1)).toEqual(['final step']);
    expect(await porcelain(s.sg)).toEqual([]);
    expect(readdirSync(journalDir(s.scratch))).toEqual([]);
  });
});
