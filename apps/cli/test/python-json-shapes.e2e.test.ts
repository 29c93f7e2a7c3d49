import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { workflowSandbox } from './workflow-sandbox.js';
import { outputIndex, recordedJson, restoreStage, shapeDiff, type OutputRow, type Stage } from './python-stages.js';

// Issue 16 "done when": every `--json` output the Python spec-kitty 2.0.0 recorded is compared, key by key and
// type by type, with kitty's output for the same command on the same project state (restored from the
// fixture's bundles and working trees).
afterAll(cleanupTempDirs);

/** Project states: a stage as Python left it, or the state right before a command Python ran mid-stage. */
type StateKey = Stage | 'b-before-finalize' | 'c-approved' | 'c-done' | 'd-one-feature';

/** Where each recorded command ran (the incumbent ran stage-d's first commands before 002 existed, etc.). */
const STATE_OF: Readonly<Record<string, StateKey>> = {
  'finalize-tasks.json': 'b-before-finalize',
  'implement.json': 'b',
  'error-move-task-agent-mismatch.json': 'c',
  'error-move-task-done-dirty-planning-repo.json': 'c',
  'move-task--done.json': 'c-approved',
  'implement--WP02.json': 'c-done',
  'validate-workflow--WP02-doing.json': 'd-one-feature',
  'list-tasks--stage-d.json': 'd-one-feature',
  'tasks-status--stage-d.json': 'd-one-feature',
  'agent-status-validate--stage-d.json': 'd-one-feature',
  'error-move-task-illegal-done-to-in-progress.json': 'd-one-feature',
  'create-feature--second.json': 'd-one-feature',
};

/** Read-only commands share one copy of their state; every other command gets a fresh one. */
const READ_ONLY =
  /^(check-prerequisites|list-tasks|tasks-status|validate-workflow|agent-status-validate|accept\.json|error-check-prerequisites|error-setup-plan|error-move-task-unknown-wp|error-create-feature)/;

/**
 * Where kitty deliberately differs in meaning, the command is adapted so that the same outcome is compared:
 * kitty's separation of duties (DESIGN §5) needs a reviewer other than the implementer (claude) for `done`.
 */
const ARGS_OVERRIDE: Readonly<Record<string, (args: string[]) => string[]>> = {
  'move-task--done.json': (args) => args.map((a) => (a === 'claude' ? 'codex' : a)),
};

/**
 * Outputs whose state kitty answers differently on purpose or by another helper's pending work; each names
 * why. They are still run (kitty must answer with one JSON document) but their keys are not compared.
 */
const DIVERGES: Readonly<Record<string, string>> = {
  'error-move-task-illegal-for-review-to-planned.json':
    'kitty allows for_review → planned with review feedback (the events-library transition table); Python 2.0.0 refuses it',
  'error-move-task-agent-mismatch.json':
    'kitty reads --agent as who acts: another agent than the implementer moving a work package to done is the separation of duties it asks for, not a mismatch',
  'error-move-task-done-dirty-planning-repo.json':
    'kitty commits the status change it makes itself (atomic writing commands) and leaves the tasks.md edit Python left uncommitted out of that commit, so it does not block the move (docs/python-migration.md)',
};

function stageOf(row: OutputRow): StateKey {
  return STATE_OF[row.file] ?? (row.stage.replace('stage-', '') as Stage);
}

function argsOf(row: OutputRow, scratch: string): string[] {
  const raw = row.command
    .replace(/^spec-kitty /, '')
    .replace('{{WORK}}/scratch/review-feedback-WP01.md', path.join(scratch, 'review-feedback-WP01.md'));
  const args = (raw.match(/'[^']*'|\S+/g) ?? []).map((a) => a.replace(/^'|'$/g, ''));
  return ARGS_OVERRIDE[row.file]?.(args) ?? args;
}

describe('kitty prints every key of the Python spec-kitty 2.0.0 JSON outputs, with the same type, on the same state', () => {
  it('compares all recorded --json outputs', async () => {
    const sb = workflowSandbox('kitty-pyjson-');
    const scratch = path.join(sb.root, 'scratch');
    mkdirSync(scratch);
    writeFileSync(path.join(scratch, 'review-feedback-WP01.md'), '# Review\n\nPlease quote fields containing commas.\n');
    const gitIn = (project: string, args: string[]) =>
      execFileSync('git', args, {
        cwd: project,
        env: {
          ...process.env,
          ...sb.env,
          GIT_AUTHOR_NAME: 'Py Tester',
          GIT_AUTHOR_EMAIL: 'py@example.com',
          GIT_COMMITTER_NAME: 'Py Tester',
          GIT_COMMITTER_EMAIL: 'py@example.com',
        },
        encoding: 'utf8',
      });

    let n = 0;
    const build = async (key: StateKey): Promise<string> => {
      const dir = path.join(sb.root, `state-${n++}`);
      const stage: Stage = key.startsWith('b') ? 'b' : key.startsWith('c') ? 'c' : key.startsWith('d') ? 'd' : (key as Stage);
      const project = restoreStage(stage, dir, sb.home);
      if (key === 'b-before-finalize') gitIn(project, ['reset', '-q', '--mixed', 'HEAD~1']); // the agent's task files, not yet finalized
      if (key === 'c-approved' || key === 'c-done') {
        // Step 19 of the recorded sequence: the user commits the status files the incumbent left uncommitted.
        gitIn(project, [
          'add',
          'kitty-specs/001-export-to-csv/tasks.md',
          'kitty-specs/001-export-to-csv/status.events.jsonl',
          'kitty-specs/001-export-to-csv/status.json',
        ]);
        gitIn(project, ['commit', '-qm', 'chore(001-export-to-csv): commit status files left uncommitted by spec-kitty']);
      }
      if (key === 'c-approved' || key === 'c-done') {
        // Separation of duties: the reviewer (codex, not the implementer claude) claims WP01's review before approving.
        const review = await sb.kitty(
          ['agent', 'workflow', 'review', 'WP01', '--agent', 'codex', '--feature', '001-export-to-csv', '--json'],
          {
            cwd: project,
          },
        );
        expect({ code: review.code, stderr: review.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      }
      if (key === 'c-done') {
        const done = await sb.kitty(
          [
            'agent',
            'tasks',
            'move-task',
            'WP01',
            '--to',
            'done',
            '--agent',
            'codex',
            '--note',
            'Approved: quoting covered by tests',
            '--json',
          ],
          { cwd: project },
        );
        expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      }
      if (key === 'd-one-feature') {
        // Before step 24: the second feature does not exist yet (its two commits and files are undone).
        rmSync(path.join(project, 'kitty-specs/002-offline-sync'), { recursive: true, force: true });
        gitIn(project, ['reset', '-q', '--mixed', 'HEAD~2']);
      }
      return project;
    };
    const shared = new Map<StateKey, string>();

    const problems: string[] = [];
    let compared = 0;
    for (const row of outputIndex()) {
      if (!row.stdoutIs.includes('json')) continue;
      const key = stageOf(row);
      let project: string;
      if (!READ_ONLY.test(row.file)) project = await build(key);
      else {
        if (!shared.has(key)) shared.set(key, await build(key));
        project = shared.get(key) as string;
      }
      const r = await sb.kitty(argsOf(row, scratch), { cwd: path.join(project, row.cwd) });
      let doc: unknown;
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        problems.push(
          `${row.file}: kitty's stdout is not one JSON document (exit ${r.code}): ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 300)}`,
        );
        continue;
      }
      if (row.stdoutIs === 'not-json') {
        // Rich wrapped the incumbent's message; kitty prints a structured error with a message.
        if (typeof (doc as { error?: { message?: unknown } }).error?.message !== 'string')
          problems.push(`${row.file}: expected a structured error`);
        compared += 1;
        continue;
      }
      if (DIVERGES[row.file] !== undefined) continue;
      if ((row.rc === 0) !== (r.code === 0))
        problems.push(`${row.file}: the incumbent exited ${row.rc}, kitty ${r.code}: ${r.stdout.slice(0, 300)}`);
      const recorded = recordedJson(row.file)[0];
      const diffs = shapeDiff(recorded, doc);
      problems.push(...diffs.map((d) => `${row.file}: ${d}`));
      compared += 1;
    }
    expect(problems).toEqual([]);
    expect(compared).toBe(outputIndex().filter((r) => r.stdoutIs.includes('json')).length - Object.keys(DIVERGES).length);
  }, 600_000);
});
