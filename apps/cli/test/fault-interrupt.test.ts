// Issue 14 "Done when" #2: every writing command is killed (SIGKILL to its process group, as a killed terminal job,
// and SIGINT to the CLI, as Ctrl-C) at random points of its run. Afterwards the repository holds the old state or
// the new committed state, never a half state: no journal after SIGINT; after SIGKILL the next command rolls the
// leftover back (saying so) and takes a dead command's lock at once (its note is checked, not a time). The status
// log, the frontmatter lanes, status.json and tasks.md agree after every step. Bounded: a few kills per command.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { bin, type CliResult } from './helpers.js';
import { workflowSandbox, writeTasks } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

/**
 * Kills per command: SIGINT first (checked at once), then SIGKILL (recovered by the next command): 5 of each by
 * default (100 kill points over the ten writing commands, at random delays); KITTY_FAULT_KILLS=n runs n of each
 * (up to 30: 600 kill points, for a long local run).
 */
const PER_SIGNAL = Math.max(1, Math.min(30, Number(process.env['KITTY_FAULT_KILLS'] ?? '5') || 5));
const SIGINTS = PER_SIGNAL;
const SIGKILLS = PER_SIGNAL;

interface Outcome extends CliResult {
  readonly signal: NodeJS.Signals | null;
  readonly killed: boolean;
}

/** Runs the CLI in its own process group and sends `sig` after `delayMs` (to the group for SIGKILL). */
function runAndKill(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  sig: 'SIGINT' | 'SIGKILL' | null,
  delayMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer =
      sig === null
        ? null
        : setTimeout(() => {
            killed = true;
            try {
              if (sig === 'SIGKILL') process.kill(-(child.pid as number), 'SIGKILL');
              else child.kill('SIGINT');
            } catch {
              // already finished
            }
          }, delayMs);
    const guard = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      clearTimeout(guard);
      resolve({ code: code ?? -1, signal, stdout, stderr, killed });
    });
  });
}

interface Step {
  readonly name: string;
  readonly args: string[];
  /** The subject of the commit that completes the command. */
  readonly done: RegExp;
  /** Work between steps (not killed). */
  readonly before?: () => Promise<void>;
  /** The locks the command takes (a dead holder's is taken over with a note). */
  readonly locks: readonly string[];
}

describe('writing commands killed at random points', () => {
  it(
    'end in the old or the new committed state; the next command recovers and takes the lock at once',
    async () => {
      const sb = workflowSandbox('kitty-fault-');
      const { project, env, git } = sb;
      const fdir = path.join(project, 'kitty-specs', '001-shop');
      const hasCommits = (): boolean => {
        try {
          git(['rev-parse', '--verify', '--quiet', 'HEAD']);
          return true;
        } catch {
          return false;
        }
      };
      // An init stopped before it wrote anything may leave an empty repository (`git init` done): init resumes from
      // it, so it counts as "no project yet", like no repository at all.
      const porcelain = (): string => {
        if (!existsSync(path.join(project, '.git'))) return '<no repo>';
        const st = git(['status', '--porcelain', '--untracked-files=all']);
        return st === '' && !hasCommits() ? '<no repo>' : st;
      };
      const subjects = (): string[] =>
        existsSync(path.join(project, '.git')) && hasCommits()
          ? git(['log', '--format=%s'])
              .split('\n')
              .filter((l) => l !== '')
          : [];
      const journals = (): string[] => {
        const d = path.join(project, '.git', 'spec-kitty', 'tx');
        return existsSync(d) ? readdirSync(d).filter((n) => n.includes('.json')) : [];
      };
      const leftLocks = (): string[] => {
        const d = path.join(project, '.kittify', 'locks');
        return existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.lock')) : [];
      };
      // How long a whole command takes here and now (kills are spread over it); measured on every uninterrupted run.
      let estimateMs = 3000;
      const kitty = async (args: string[]): Promise<CliResult> => {
        const t0 = performance.now();
        const r = await runAndKill(args, project, env, null, 0);
        estimateMs = Math.max(500, performance.now() - t0);
        return r;
      };

      /** The status log, status.json, the frontmatter lanes and tasks.md agree. */
      const agree = async (): Promise<void> => {
        if (!existsSync(path.join(fdir, 'status.events.jsonl'))) return;
        const v = await kitty(['agent', 'status', 'validate', '--json']);
        expect({ code: v.code, out: v.stdout.slice(0, 400) }).toMatchObject({ code: 0 });
        const snap = JSON.parse(readFileSync(path.join(fdir, 'status.json'), 'utf8')) as {
          work_packages: Record<string, { lane: string }>;
        };
        const tasks = readFileSync(path.join(fdir, 'tasks.md'), 'utf8');
        for (const [wp, s] of Object.entries(snap.work_packages)) {
          const file = readdirSync(path.join(fdir, 'tasks')).find((n) => n.startsWith(`${wp}-`)) as string;
          const lane = /^lane:\s*"?([a-z_]+)"?/m.exec(readFileSync(path.join(fdir, 'tasks', file), 'utf8'))?.[1];
          expect({ wp, lane }).toEqual({ wp, lane: s.lane });
          expect(tasks).toContain(wp);
        }
      };

      const steps: Step[] = [
        { name: 'init', args: ['init', '--here', '--ai', 'claude', '--json'], done: /^Initial commit from Specify template$/, locks: [] },
        {
          name: 'create-feature',
          args: ['agent', 'feature', 'create-feature', 'shop', '--json'],
          done: /^Add meta for feature 001-shop$/,
          locks: ['project.lock'],
        },
        {
          name: 'setup-plan',
          args: ['agent', 'feature', 'setup-plan', '--json'],
          done: /^Add plan for feature 001-shop$/,
          locks: ['feature-001-shop.lock'],
        },
        {
          name: 'finalize-tasks',
          args: ['agent', 'feature', 'finalize-tasks', '--json'],
          done: /^Add tasks for feature 001-shop$/,
          locks: ['feature-001-shop.lock'],
          before: async () => writeTasks(fdir, 2),
        },
        {
          name: 'implement',
          args: ['implement', 'WP01', '--agent', 'claude', '--json'],
          done: /^chore: WP01 claimed for implementation$/,
          locks: ['feature-001-shop.lock', 'worktrees.lock'],
        },
        {
          name: 'mark-status',
          args: ['agent', 'tasks', 'mark-status', 'T001', '--status', 'done', '--json'],
          done: /^chore: Mark T001 as done/,
          locks: ['feature-001-shop.lock'],
          before: async () => {
            const ws = path.join(project, '.worktrees', '001-shop-WP01');
            require_(
              (await kitty(['agent', 'tasks', 'add-history', 'WP01', '--note', 'started', '--agent', 'claude', '--json'])).code === 0,
              'add-history',
            );
            const { writeFileSync } = await import('node:fs');
            writeFileSync(path.join(ws, 'part1.txt'), 'part 1\n');
            git(['add', 'part1.txt'], ws);
            git(['commit', '-q', '-m', 'feat(WP01): part 1'], ws);
          },
        },
        {
          name: 'move-task',
          args: ['agent', 'tasks', 'move-task', 'WP01', '--to', 'for_review', '--agent', 'claude', '--json'],
          done: /^chore: Move WP01 to for_review/,
          locks: ['feature-001-shop.lock'],
        },
        {
          name: 'review',
          args: ['agent', 'workflow', 'review', 'WP01', '--agent', 'codex', '--json'],
          done: /^chore: Start WP01 review \[codex\]$/,
          locks: ['feature-001-shop.lock'],
        },
        {
          name: 'accept',
          args: ['accept', '--mode', 'local', '--json'],
          done: /^Accept 001-shop$/,
          locks: ['feature-001-shop.lock'],
          before: async () => {
            const moves = [
              [
                'agent',
                'tasks',
                'move-task',
                'WP01',
                '--to',
                'done',
                '--agent',
                'codex',
                '--force',
                '--reason',
                'reviewed in the fault test',
                '--json',
              ],
              ['agent', 'tasks', 'mark-status', 'T002', '--status', 'done', '--json'],
              ['agent', 'tasks', 'move-task', 'WP02', '--to', 'canceled', '--agent', 'claude', '--force', '--reason', 'descoped', '--json'],
            ];
            for (const m of moves) {
              const r = await kitty(m);
              require_(r.code === 0, `${m.join(' ')}: ${r.stdout}${r.stderr}`);
            }
            // The templates' open questions would block acceptance: answer them.
            const { writeFileSync } = await import('node:fs');
            for (const f of ['spec.md', 'plan.md'])
              writeFileSync(
                path.join(fdir, f),
                readFileSync(path.join(fdir, f), 'utf8').replace(/\[NEEDS CLARIFICATION[^\]]*\]/g, 'answered'),
              );
            git(['add', 'kitty-specs']);
            git(['commit', '-q', '-m', 'answer the open questions']);
          },
        },
        { name: 'merge', args: ['merge', '--json'], done: /^Merge WP01 from 001-shop$/, locks: ['feature-001-shop.lock'] },
      ];

      const report: string[] = [];
      for (const step of steps) {
        await step.before?.();
        const pre = porcelain();
        const isDone = (): boolean => step.done.test(subjects()[0] ?? '');
        // Spread over the command's run: from early start-up to just past its usual end.
        const delays = Array.from({ length: SIGINTS + SIGKILLS }, () => estimateMs * (0.15 + Math.random() * 1.0));
        let completed = false;
        let killedHard = false;
        for (let i = 0; i < delays.length && !completed; i++) {
          const sig = i < SIGINTS ? 'SIGINT' : 'SIGKILL';
          const r = await runAndKill(step.args, project, env, sig, delays[i] as number);
          report.push(`${step.name} ${sig}@${Math.round(delays[i] as number)}ms -> ${r.code}${r.signal ? ` ${r.signal}` : ''}`);
          completed = isDone();
          if (sig === 'SIGINT') {
            // Ctrl-C: rolled back at once (exit 130, a message saying so) or finished; never a journal, never a half state.
            if (r.code === 130) expect(r.stderr).toMatch(/interrupted/i);
            expect({ step: step.name, journals: journals() }).toEqual({ step: step.name, journals: [] });
            expect({ step: step.name, status: porcelain() }).toEqual({ step: step.name, status: completed ? '' : pre });
          } else killedHard = true;
        }
        if (killedHard) {
          // The next command (init is safe to re-run at any time) rolls a SIGKILLed command's leftover back first, or
          // keeps it when its commit had completed, and says so.
          const hadJournal = journals().length > 0;
          const r = await kitty(['init', '--here', '--ai', 'claude', '--json']);
          expect({ step: step.name, code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ step: step.name, code: 0, err: '' });
          if (hadJournal) expect(r.stderr).toMatch(/Rolled back an interrupted|commit is kept/);
          expect(journals()).toEqual([]);
          completed = isDone();
          expect({ step: step.name, status: porcelain() }).toEqual({ step: step.name, status: completed ? '' : pre });
        }
        if (!completed) {
          const dead = leftLocks().filter((l) => step.locks.includes(l));
          const r = await kitty(step.args);
          expect({ step: step.name, code: r.code, out: r.code === 0 ? '' : `${r.stdout}${r.stderr}` }).toEqual({
            step: step.name,
            code: 0,
            out: '',
          });
          // A lock left by a SIGKILLed run is taken over at once, with a note naming its dead owner (no wait).
          if (dead.length > 0) expect(r.stderr).toMatch(/Took over the lock/);
        }
        // Completed exactly once, nothing half-done left anywhere.
        expect(journals()).toEqual([]);
        expect({ step: step.name, status: porcelain() }).toEqual({ step: step.name, status: '' });
        expect(subjects().filter((x) => step.done.test(x))).toHaveLength(1);
        await agree();
      }
      expect(subjects().filter((s) => /^Add spec for feature 00\d-shop$/.test(s))).toEqual(['Add spec for feature 001-shop']);
      expect(readdirSync(path.join(project, 'kitty-specs'))).toEqual(['001-shop']);
      expect(report.length).toBeGreaterThanOrEqual(steps.length);
      process.stderr.write(`fault-interrupt kills:\n${report.join('\n')}\n`);
    },
    Math.max(900_000, PER_SIGNAL * 150_000),
  );
});

function require_(ok: boolean, what: string): void {
  if (!ok) throw new Error(`setup step failed: ${what}`);
}
