import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import {
  createGitPort,
  HISTORICAL_MIGRATION_MARKER,
  migrateStatus,
  moveTask,
  reconcileStatus,
  statusDoctor,
  validateStatus,
} from '../src/index.js';
import { GIT_ENV, porcelain, read, sgit, subjects } from './helpers.js';
import { caught, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);
jest.setTimeout(180_000);

/** Git whose pre-commit hook refuses every commit: the failure after the files are written. */
function refusingGit() {
  const hooks = tempDir({}, 'kitty-status-hooks-');
  writeFileSync(path.join(hooks, 'pre-commit'), '#!/bin/sh\necho "refused by the test hook" >&2\nexit 1\n');
  chmodSync(path.join(hooks, 'pre-commit'), 0o755);
  return createGitPort({ env: { ...GIT_ENV, GIT_CONFIG_VALUE_2: hooks } });
}

const FEATURE = '001-checkout';

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid as number;
}

async function head(dir: string): Promise<string> {
  return (await sgit(dir).revparse(['HEAD'])).trim();
}

/** Sets a WP file's frontmatter lane by hand and commits it (what a user or an older tool would do). */
async function handEditLane(dir: string, fdir: string, file: string, lane: string, commit = true): Promise<void> {
  const p = path.join(fdir, 'tasks', file);
  writeFileSync(p, readFileSync(p, 'utf8').replace(/^lane: .*$/m, `lane: "${lane}"`));
  if (commit) {
    await sgit(dir).add([p]);
    await sgit(dir).commit(`hand edit ${file}`);
  }
}

describe('agent status doctor', () => {
  it('is healthy on a feature whose views agree with its log; read-only', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'claimed', agent: 'claude' });
    const before = await head(t.dir);
    const r = await statusDoctor({ ...t.env() });
    expect(r).toMatchObject({
      healthy: true,
      feature_slug: null,
      features_checked: [FEATURE],
      findings: [],
      finding_count: 0,
      stale_claimed_days: 7,
    });
    expect(await head(t.dir)).toBe(before);
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('reports drift, a garbled line, a stale claim, an orphan worktree, a dead lock and journal, each with a fix', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'claimed', agent: 'claude' });
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    await handEditLane(t.dir, t.fdir, 'WP01-schema.md', 'for_review');
    // An orphan worktree: a work package that does not exist.
    await sgit(t.dir).raw(['worktree', 'add', '-q', '-b', `${FEATURE}-WP09`, path.join(t.dir, '.worktrees', `${FEATURE}-WP09`)]);
    // A lock and a journal of processes that are gone.
    const pid = deadPid();
    const lock = path.join(t.dir, '.kittify/locks', `feature-${FEATURE}.lock`);
    mkdirSync(path.join(lock, `owner.${pid}.${Buffer.from(hostname()).toString('hex')}.0`), { recursive: true });
    const jdir = path.join(t.dir, '.git/spec-kitty/tx');
    mkdirSync(jdir, { recursive: true });
    const journal = path.join(jdir, `${pid}-abc123.json`);
    const journalDoc = {
      version: 1,
      id: 'abc123',
      pid,
      host: hostname(),
      command: 'agent tasks move-task',
      started_at: '2026-03-01T00:00:00Z',
      repo_top: t.dir,
      common_dir: path.join(t.dir, '.git'),
      files: [],
      dirs: [],
      git_dir_created: null,
      worktrees: [],
      resets: [],
      index: null,
      head: null,
      commits: [],
    };
    writeFileSync(journal, JSON.stringify(journalDoc));

    const later = () => new Date('2026-03-20T12:00:00.000Z');
    const r = await statusDoctor({ ...t.env(), now: later, feature: FEATURE });
    const codes = r.findings.map((f) => `${f.code} ${f.wp_id ?? '-'}`).sort();
    expect(codes).toEqual([
      'FRONTMATTER_LANE_DRIFT WP01',
      'ORPHAN_WORKTREE WP09',
      'STALE_CLAIM WP01',
      'STALE_CLAIM WP04',
      'STALE_LOCK -',
      'STALE_TRANSACTION -',
    ]);
    expect(r.healthy).toBe(false);
    const byCode = new Map(r.findings.map((f) => [f.code, f]));
    expect(byCode.get('FRONTMATTER_LANE_DRIFT')).toMatchObject({ fix: `spec-kitty agent status reconcile --feature ${FEATURE} --apply` });
    expect(byCode.get('ORPHAN_WORKTREE')).toMatchObject({ fix: `git worktree remove .worktrees/${FEATURE}-WP09` });
    expect(byCode.get('STALE_CLAIM')?.message).toMatch(/claimed by claude with no activity for 19 days \(limit 7 days\)/);
    expect(byCode.get('STALE_LOCK')).toMatchObject({ fix: `spec-kitty agent status materialize --feature ${FEATURE}` });
    // A higher limit: no longer stale.
    expect((await statusDoctor({ ...t.env(), now: later, staleClaimedDays: 30 })).findings.some((f) => f.code === 'STALE_CLAIM')).toBe(
      false,
    );

    // A garbled line in the middle of the log: reported with its line, and the drift checks are skipped.
    const log = path.join(t.fdir, 'status.events.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n');
    writeFileSync(log, [lines[0], '{"not": json', ...lines.slice(1)].join('\n'));
    const g = await statusDoctor({ ...t.env() });
    expect(g.findings.find((f) => f.code === 'STATUS_LOG_UNREADABLE')).toMatchObject({
      feature_slug: FEATURE,
      message: expect.stringMatching(/status\.events\.jsonl:2:/),
      fix: `spec-kitty agent status materialize --feature ${FEATURE} --repair --force`,
    });
    expect(g.findings.some((f) => f.code === 'FRONTMATTER_LANE_DRIFT')).toBe(false);
    expect(existsSync(journal)).toBe(true); // read-only: the journal is reported, not recovered
    writeFileSync(log, lines.join('\n'));

    // The fixes it names work: reconcile, then a writing command recovers the journal and takes the lock over.
    await reconcileStatus({ ...t.env(), apply: true });
    expect(existsSync(journal)).toBe(false);
    const after = await statusDoctor({ ...t.env() });
    expect(after.findings.map((f) => f.code)).toEqual(['ORPHAN_WORKTREE']);
  });

  it('finds a missing log where the frontmatter records progress, and a missing worktree of an in-progress WP', async () => {
    const t = await withTasks();
    await handEditLane(t.dir, t.fdir, 'WP01-schema.md', 'doing');
    const r = await statusDoctor({ ...t.env() });
    expect(r.findings.map((f) => [f.code, f.wp_id, f.fix])).toEqual([
      ['STATUS_LOG_MISSING', null, `spec-kitty agent status migrate --feature ${FEATURE}`],
      ['WORKTREE_MISSING', 'WP01', `git worktree prune && spec-kitty implement WP01 --feature ${FEATURE} --agent <agent>`],
      [
        'STALE_CLAIM',
        'WP01',
        `spec-kitty agent status emit WP01 --to planned --actor <you> --force --reason "stale claim released" --feature ${FEATURE}`,
      ],
    ]);
    // No events: the Activity Log of the prompt file is its activity (2026-02-01, 28 days before the clock).
    expect(r.findings[2]?.message).toBe('WP01 is in_progress with no activity for 28 days (limit 7 days)');
    expect((await statusDoctor({ ...t.env(), staleClaimedDays: 30 })).findings.map((f) => f.code)).toEqual([
      'STATUS_LOG_MISSING',
      'WORKTREE_MISSING',
    ]);
  });

  it('refuses an unknown feature and a negative stale limit', async () => {
    const t = await withTasks();
    expect((await caught(statusDoctor({ ...t.env(), feature: '042-nope' }))).code).toBe('UNKNOWN_FEATURE');
    expect((await caught(statusDoctor({ ...t.env(), staleClaimedDays: -1 }))).code).toBe('INVALID_OPTION');
  });
});

describe('agent status reconcile', () => {
  it('lists drift in a dry run without writing, fixes it with --apply in one commit, and then finds none', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    await handEditLane(t.dir, t.fdir, 'WP01-schema.md', 'done');
    writeFileSync(path.join(t.fdir, 'status.json'), '{"broken": true}\n');
    await sgit(t.dir).add(['.']);
    await sgit(t.dir).commit('break the views');
    const before = await head(t.dir);
    const wpBefore = read(t.fdir, 'tasks/WP01-schema.md');

    const dry = await reconcileStatus({ ...t.env() });
    expect(dry).toMatchObject({ feature_slug: FEATURE, dry_run: true, in_sync: false, applied: false, commit_hash: null, drift_count: 2 });
    expect(dry.drift.map((d) => [d.kind, d.wp_id, d.current, d.expected])).toEqual([
      ['status_json', null, 'different', 'the snapshot of the log'],
      ['frontmatter_lane', 'WP01', 'done', 'claimed'],
    ]);
    expect(await reconcileStatus({ ...t.env(), dryRun: true })).toMatchObject({ drift_count: 2, applied: false });
    expect(await head(t.dir)).toBe(before);
    expect(await porcelain(t.sg)).toEqual([]);
    expect(read(t.fdir, 'tasks/WP01-schema.md')).toBe(wpBefore);

    const applied = await reconcileStatus({ ...t.env(), apply: true });
    expect(applied).toMatchObject({ dry_run: false, applied: true, commit_created: true, drift_count: 2 });
    expect([...applied.files_committed].sort()).toEqual([
      `kitty-specs/${FEATURE}/status.json`,
      `kitty-specs/${FEATURE}/tasks/WP01-schema.md`,
    ]);
    expect(await porcelain(t.sg)).toEqual([]);
    expect(read(t.fdir, 'tasks/WP01-schema.md')).toMatch(/^lane: "?claimed"?/m);
    expect((await validateStatus({ ...t.env() })).passed).toBe(true);

    const again = await reconcileStatus({ ...t.env(), apply: true });
    expect(again).toMatchObject({ in_sync: true, drift: [], applied: false, commit_created: false, commit_hash: null });
    expect(await head(t.dir)).toBe(applied.commit_hash);
  });

  it('refuses --dry-run with --apply, an unknown feature and a garbled log, writing nothing', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    const both = await caught(reconcileStatus({ ...t.env(), dryRun: true, apply: true }));
    expect(both.code).toBe('INVALID_OPTION');
    expect(both.suggestions).toEqual([
      'spec-kitty agent status reconcile --dry-run --json',
      'spec-kitty agent status reconcile --apply --json',
    ]);
    expect((await caught(reconcileStatus({ ...t.env(), feature: '042-nope', apply: true }))).code).toBe('UNKNOWN_FEATURE');
    const log = path.join(t.fdir, 'status.events.jsonl');
    const text = readFileSync(log, 'utf8');
    writeFileSync(log, `garbage line\n${text}`);
    const before = await head(t.dir);
    const bad = await caught(reconcileStatus({ ...t.env(), apply: true }));
    expect(bad.code).toBe('INVALID_STATUS_LOG');
    expect(bad.suggestions).toContain(`spec-kitty agent status materialize --feature ${FEATURE} --force --repair`);
    expect(await head(t.dir)).toBe(before);
    expect(readFileSync(log, 'utf8')).toBe(`garbage line\n${text}`);
  });
});

/** A feature as an older spec-kitty left it: lanes and history in the frontmatter, no status log. */
async function pythonEraFeature() {
  const t = await withTasks();
  const set = (file: string, lane: string, history: string): void => {
    const p = path.join(t.fdir, 'tasks', file);
    writeFileSync(
      p,
      readFileSync(p, 'utf8')
        .replace(/^lane: .*$/m, `lane: "${lane}"`)
        .replace(/^history:\n(?:\s+.*\n)+?(?=---)/m, `history:\n${history}`),
    );
  };
  const entry = (ts: string, lane: string, agent: string, action: string) =>
    `  - timestamp: "${ts}"\n    lane: "${lane}"\n    agent: "${agent}"\n    shell_pid: ""\n    action: "${action}"\n`;
  set(
    'WP01-schema.md',
    'done',
    entry('2026-02-01T00:00:00Z', 'planned', 'system', 'Prompt generated') +
      entry('2026-02-02T00:00:00Z', 'doing', 'claude', 'Started implementation') +
      entry('2026-02-03T00:00:00Z', 'for_review', 'claude', 'Ready for review'),
  );
  set('WP02-api.md', 'doing', entry('2026-02-01T00:00:00Z', 'planned', 'system', 'Prompt generated'));
  await sgit(t.dir).add(['.']);
  await sgit(t.dir).commit('older spec-kitty state');
  return t;
}

describe('agent status migrate', () => {
  it('dry run says what it would build and writes nothing; the run builds the log in one commit; a second run does nothing', async () => {
    const t = await pythonEraFeature();
    const before = await head(t.dir);
    const dry = await migrateStatus({ ...t.env(), dryRun: true });
    expect(dry).toMatchObject({ dry_run: true, actor: 'migration', migrated_count: 1, skipped_count: 0, event_count: 4 });
    expect(dry.features[0]).toMatchObject({ feature_slug: FEATURE, status: 'would_migrate', commit_hash: null });
    expect(dry.features[0]?.work_packages).toEqual([
      { wp_id: 'WP01', events: 3, lanes: ['in_progress', 'for_review', 'done'], final_lane: 'done' },
      { wp_id: 'WP02', events: 1, lanes: ['in_progress'], final_lane: 'in_progress' },
    ]);
    expect(await head(t.dir)).toBe(before);
    expect(await porcelain(t.sg)).toEqual([]);
    expect(existsSync(path.join(t.fdir, 'status.events.jsonl'))).toBe(false);

    const run = await migrateStatus({ ...t.env(), feature: FEATURE });
    expect(run.features[0]).toMatchObject({ status: 'migrated', event_count: 4 });
    expect(await subjects(t.sg, 1)).toEqual([`chore: Migrate frontmatter history of ${FEATURE} to the status log [migration]`]);
    expect(await porcelain(t.sg)).toEqual([]);
    const events = logEvents(t.dir, FEATURE);
    expect(events.map((e) => [e.wp_id, e.from_lane, e.to_lane, e.force, e.actor])).toEqual([
      ['WP02', 'planned', 'in_progress', true, 'migration'],
      ['WP01', 'planned', 'in_progress', true, 'migration'],
      ['WP01', 'in_progress', 'for_review', true, 'migration'],
      ['WP01', 'for_review', 'done', true, 'migration'],
    ]);
    expect(events.filter((e) => e.wp_id === 'WP01')[0]?.reason).toBe(HISTORICAL_MIGRATION_MARKER);
    expect(events.filter((e) => e.wp_id === 'WP02')[0]?.reason).toBe(HISTORICAL_MIGRATION_MARKER);
    expect(events.filter((e) => e.wp_id === 'WP01')[1]?.at).toBe('2026-02-03T00:00:00.000+00:00');
    // Views written from the new log: `doing` in today's name, status.json, the tasks.md block.
    expect(read(t.fdir, 'tasks/WP02-api.md')).toMatch(/^lane: "?in_progress"?/m);
    expect(JSON.parse(read(t.fdir, 'status.json')).work_packages.WP01.lane).toBe('done');
    expect(read(t.fdir, 'tasks.md')).toContain('- WP01: done');
    expect((await reconcileStatus({ ...t.env() })).in_sync).toBe(true);

    const headAfter = await head(t.dir);
    const again = await migrateStatus({ ...t.env(), all: true });
    expect(again).toMatchObject({ migrated_count: 0, skipped_count: 1, event_count: 0 });
    expect(again.features[0]).toMatchObject({ status: 'already_migrated', commit_hash: null });
    expect(await head(t.dir)).toBe(headAfter);
  });

  it('leaves a feature with live events alone, and one with nothing recorded', async () => {
    const t = await withTasks();
    expect((await migrateStatus({ ...t.env() })).features[0]).toMatchObject({ status: 'nothing_to_migrate', event_count: 0 });
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    const before = await head(t.dir);
    const r = await migrateStatus({ ...t.env(), all: true });
    expect(r.features[0]).toMatchObject({ status: 'has_live_events' });
    expect(r.notes.join('\n')).toMatch(/left alone/);
    expect(await head(t.dir)).toBe(before);
  });

  it('refuses --feature with --all, a bad actor and an unknown feature; a garbled log is left alone', async () => {
    const t = await withTasks();
    expect((await caught(migrateStatus({ ...t.env(), all: true, feature: FEATURE }))).code).toBe('INVALID_OPTION');
    expect((await caught(migrateStatus({ ...t.env(), actor: 'a b' }))).code).toBe('INVALID_OPTION');
    expect((await caught(migrateStatus({ ...t.env(), feature: '042-nope' }))).code).toBe('UNKNOWN_FEATURE');
    appendFileSync(path.join(t.fdir, 'status.events.jsonl'), 'not json\n');
    const r = await migrateStatus({ ...t.env() });
    expect(r.features[0]).toMatchObject({ status: 'log_unreadable' });
    expect(readFileSync(path.join(t.fdir, 'status.events.jsonl'), 'utf8')).toBe('not json\n');
  });
});

describe("a status commit never takes the user's own uncommitted edits", () => {
  it('commits only the status change of tasks.md and a prompt file the user had modified; the edits stay on disk, uncommitted', async () => {
    const t = await withTasks();
    const tasksPath = path.join(t.fdir, 'tasks.md');
    const wpPath = path.join(t.fdir, 'tasks', 'WP04-docs.md');
    writeFileSync(tasksPath, `${readFileSync(tasksPath, 'utf8')}\nMy own note, not ready to commit.\n`);
    writeFileSync(wpPath, readFileSync(wpPath, 'utf8').replace('## Activity Log', 'Draft idea of mine.\n\n## Activity Log'));
    const r = await moveTask({ ...t.env(), wpId: 'WP04', to: 'claimed', agent: 'claude' });
    expect(r.notes.join('\n')).toMatch(/tasks\.md had uncommitted edits of yours: they stay in the file, uncommitted/);
    const committed = (file: string) => t.sg.show([`HEAD:kitty-specs/${FEATURE}/${file}`]);
    // The commit: the status change only.
    expect(await committed('tasks.md')).toContain('- WP04: claimed');
    expect(await committed('tasks.md')).not.toContain('My own note');
    expect(await committed('tasks/WP04-docs.md')).toMatch(/^lane: "?claimed"?/m);
    expect(await committed('tasks/WP04-docs.md')).not.toContain('Draft idea of mine.');
    // The files on disk: both.
    expect(read(t.fdir, 'tasks.md')).toContain('- WP04: claimed');
    expect(read(t.fdir, 'tasks.md')).toContain('My own note, not ready to commit.');
    expect(read(t.fdir, 'tasks/WP04-docs.md')).toMatch(/^lane: "?claimed"?/m);
    expect(read(t.fdir, 'tasks/WP04-docs.md')).toContain('Draft idea of mine.');
    expect(await porcelain(t.sg)).toEqual([` M kitty-specs/${FEATURE}/tasks.md`, ` M kitty-specs/${FEATURE}/tasks/WP04-docs.md`]);
    // What is left uncommitted is exactly the user's edits.
    const diff = await t.sg.raw(['diff', '--unified=0']);
    expect(diff.split('\n').filter((l) => /^[+-][^+-]/.test(l))).toEqual(['+My own note, not ready to commit.', '+Draft idea of mine.']);
    // The next status change still works on top, and still leaves them out.
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'in_progress', agent: 'claude', force: true, reason: 'no worktree in this test' });
    expect(await committed('tasks.md')).toContain('- WP04: in_progress');
    expect(await committed('tasks.md')).not.toContain('My own note');
    expect(read(t.fdir, 'tasks.md')).toContain('My own note, not ready to commit.');
  });
});

describe('faults: a refused commit leaves everything as it was', () => {
  it('migrate, reconcile --apply and a status change on files with user edits roll back completely', async () => {
    const t = await pythonEraFeature();
    const refusing = refusingGit();
    const before = await head(t.dir);
    const wp1 = read(t.fdir, 'tasks/WP01-schema.md');
    const tasks = read(t.fdir, 'tasks.md');
    const m = await caught(migrateStatus({ ...t.env(), git: refusing }));
    expect(m.code).toBe('GIT_HOOK_REJECTED');
    expect(existsSync(path.join(t.fdir, 'status.events.jsonl'))).toBe(false);
    expect(existsSync(path.join(t.fdir, 'status.json'))).toBe(false);
    expect(read(t.fdir, 'tasks/WP01-schema.md')).toBe(wp1);
    expect(read(t.fdir, 'tasks.md')).toBe(tasks);
    expect(await head(t.dir)).toBe(before);
    expect(await porcelain(t.sg)).toEqual([]);
    // The re-run with a working git does it once.
    expect((await migrateStatus({ ...t.env() })).features[0]?.status).toBe('migrated');

    await handEditLane(t.dir, t.fdir, 'WP02-api.md', 'planned');
    const drifted = await head(t.dir);
    const r = await caught(reconcileStatus({ ...t.env(), git: refusing, apply: true }));
    expect(r.code).toBe('GIT_HOOK_REJECTED');
    expect(read(t.fdir, 'tasks/WP02-api.md')).toMatch(/^lane: "planned"/m);
    expect(await head(t.dir)).toBe(drifted);
    expect(await porcelain(t.sg)).toEqual([]);

    // The user's uncommitted edit survives a failed status change unchanged.
    const tasksPath = path.join(t.fdir, 'tasks.md');
    const edited = `${readFileSync(tasksPath, 'utf8')}\nMine, uncommitted.\n`;
    writeFileSync(tasksPath, edited);
    const e = await caught(moveTask({ ...t.env(), git: refusing, wpId: 'WP03', to: 'blocked', agent: 'claude' }));
    expect(e.code).toBe('GIT_HOOK_REJECTED');
    expect(readFileSync(tasksPath, 'utf8')).toBe(edited);
    expect(await head(t.dir)).toBe(drifted);
    expect(await porcelain(t.sg)).toEqual([` M kitty-specs/${FEATURE}/tasks.md`]);
  });
});
