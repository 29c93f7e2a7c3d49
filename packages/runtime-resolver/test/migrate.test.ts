import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, fixedClock, tempDir, writeTree } from '@kitty/test-utils';
import { installGlobalRuntime, migrate, openRuntime, packageVersion, readManifest, runtimeStatus } from '../src/index.js';
import { copyOfDefaults, defaultText, legacyProjectTree, sandbox, snapshot } from './helpers.js';

afterAll(cleanupTempDirs);

const clock = fixedClock('2026-03-01T10:00:00.000Z');

/** Resolves every asset of every mission and returns all notes given out. */
function sweep(ctx: Parameters<typeof openRuntime>[0]): string[] {
  const r = openRuntime(ctx);
  for (const m of r.listMissions()) {
    r.loadMission(m);
    for (const n of r.listTemplates(m)) r.resolveTemplate(m, n);
    for (const n of r.listCommandTemplates(m)) r.resolveCommandTemplate(m, n);
  }
  return r.takeNotes().map((n) => n.message);
}

describe('migrate on a 1.x-style project', () => {
  it('installs the runtime, removes stock copies, moves old command templates, keeps customisations where they still apply', async () => {
    const tree = legacyProjectTree();
    tree['.kittify/missions/software-dev/templates/plan-template.md'] = '# Our plan template\n\nWith our own sections.\n';
    tree['.kittify/templates/spec-template.md'] = '# Our spec template\n';
    tree['.kittify/templates/command-templates/review.md'] = '---\ndescription: our review\n---\n# Our review steps\n';
    tree['.kittify/scripts/bash/create-new-feature.sh'] = '#!/bin/sh\n';
    tree['.kittify/memory/constitution.md'] = '# Constitution\n';
    const { home, project, ctx } = sandbox(tree);

    const before = openRuntime(ctx);
    expect(before.resolveTemplate('software-dev', 'plan-template.md').content).toContain('Our plan template');
    expect(before.takeNotes()).toHaveLength(1);

    const report = await migrate({ ...ctx, now: clock.now });
    expect(report.changed).toBe(true);
    expect(report.runtime).toMatchObject({ state: 'not_installed', previous_version: null, stamp_written: true, backup_dir: null });
    expect(report.runtime.changes.every((c) => c.action === 'install')).toBe(true);
    expect(readFileSync(path.join(home, 'cache', 'version.lock'), 'utf8')).toBe(report.runtime.version);
    expect(readManifest(home)).toMatchObject({ version: report.runtime.version, updated_at: '2026-03-01T10:00:00.000Z' });

    const p = report.project!;
    expect(p.removed.map((r) => r.path)).toEqual([
      '.kittify/missions/research/command-templates/implement.md',
      '.kittify/missions/research/templates/findings-template.md',
      '.kittify/missions/software-dev/mission.yaml',
      '.kittify/missions/software-dev/templates/spec-template.md',
      '.kittify/templates/command-templates/implement.md',
      '.kittify/templates/command-templates/plan.md',
      '.kittify/templates/command-templates/specify.md',
      '.kittify/templates/plan-template.md',
      '.kittify/templates/task-prompt-template.md',
      '.kittify/templates/tasks-template.md',
    ]);
    expect(p.moved).toEqual([{ from: '.kittify/templates/command-templates/review.md', to: '.kittify/command-templates/review.md' }]);
    expect(p.kept.filter((k) => k.reason === 'customised').map((k) => k.path)).toEqual([
      '.kittify/missions/software-dev/templates/plan-template.md',
      '.kittify/templates/spec-template.md',
    ]);
    expect(p.kept.filter((k) => k.reason === 'not_used').map((k) => k.path)).toEqual(['.kittify/scripts/bash/create-new-feature.sh']);
    // Removing the stock mission copy of spec-template.md lets the project's customised shared one apply.
    const specRemoval = p.removed.find((r) => r.path === '.kittify/missions/software-dev/templates/spec-template.md');
    expect(specRemoval?.now_resolves_from).toEqual([
      { mission: 'software-dev', tier: 'project', path: path.join(project, '.kittify', 'templates', 'spec-template.md') },
    ]);

    // The customisations still apply, from tiers the chain reads.
    const after = openRuntime(ctx);
    expect(after.resolveTemplate('software-dev', 'plan-template.md')).toMatchObject({
      tier: 'project_mission',
      content: '# Our plan template\n\nWith our own sections.\n',
    });
    expect(after.resolveTemplate('research', 'spec-template.md')).toMatchObject({ tier: 'project', content: '# Our spec template\n' });
    expect(after.resolveCommandTemplate('software-dev', 'review.md')).toMatchObject({
      tier: 'project',
      legacy: false,
      content: expect.stringContaining('Our review steps'),
    });
    expect(after.resolveTemplate('software-dev', 'tasks-template.md').tier).toBe('package_default');
    // Project-specific files are untouched; emptied folders are gone.
    expect(readFileSync(path.join(project, '.kittify', 'memory', 'constitution.md'), 'utf8')).toBe('# Constitution\n');
    expect(existsSync(path.join(project, '.kittify', 'templates', 'command-templates'))).toBe(false);
    expect(existsSync(path.join(project, '.kittify', 'missions', 'research'))).toBe(false);
    expect(existsSync(path.join(project, '.kittify', 'migrate.lock'))).toBe(false);
  });

  it('leaves zero notes or warnings after migration (every asset of every mission resolved)', async () => {
    const tree = legacyProjectTree();
    tree['.kittify/templates/spec-template.md'] = '# customised\n';
    const { ctx } = sandbox(tree);
    expect(sweep(ctx)).toHaveLength(1);
    await migrate({ ...ctx, now: clock.now });
    expect(sweep(ctx)).toEqual([]);
  });

  it('is idempotent: the second run has nothing to do and leaves home and project identical byte for byte', async () => {
    const tree = legacyProjectTree();
    tree['.kittify/templates/command-templates/review.md'] = '# custom review\n';
    const { home, project, ctx } = sandbox(tree);
    await migrate({ ...ctx, now: clock.now });
    const homeBefore = snapshot(home);
    const projectBefore = snapshot(project);
    clock.advance(60_000);
    const second = await migrate({ ...ctx, now: clock.now });
    expect(second.changed).toBe(false);
    expect(second.runtime).toMatchObject({ state: 'current', changes: [], stamp_written: false });
    expect(second.project).toMatchObject({ removed: [], moved: [] });
    expect(snapshot(home)).toEqual(homeBefore);
    expect(snapshot(project)).toEqual(projectBefore);
  });

  it('--dry-run reports the same plan and writes nothing', async () => {
    const { user, project, ctx } = sandbox(legacyProjectTree());
    const userBefore = snapshot(user);
    const projectBefore = snapshot(project);
    const dry = await migrate({ ...ctx, dryRun: true, now: clock.now });
    expect(dry).toMatchObject({ dry_run: true, changed: true });
    expect(snapshot(user)).toEqual(userBefore);
    expect(snapshot(project)).toEqual(projectBefore);
    const real = await migrate({ ...ctx, now: clock.now });
    expect(real.project?.removed).toEqual(dry.project?.removed);
    expect(real.runtime.changes).toEqual(dry.runtime.changes);
  });

  it('keeps a pre-2.x command template that conflicts with a different one in the new folder', async () => {
    const { project, ctx } = sandbox({
      '.kittify/templates/command-templates/specify.md': '# old custom\n',
      '.kittify/command-templates/specify.md': '# new custom\n',
      '.kittify/templates/command-templates/plan.md': '# same custom\n',
      '.kittify/command-templates/plan.md': '# same custom\n',
    });
    const report = await migrate({ ...ctx, now: clock.now });
    expect(report.project?.kept.filter((k) => k.reason === 'conflict')).toEqual([
      expect.objectContaining({ path: '.kittify/templates/command-templates/specify.md' }),
    ]);
    expect(report.project?.removed).toEqual([
      expect.objectContaining({ path: '.kittify/templates/command-templates/plan.md', matched: '.kittify/command-templates/plan.md' }),
    ]);
    expect(openRuntime(ctx).resolveCommandTemplate('software-dev', 'specify.md').content).toBe('# new custom\n');
    expect(readFileSync(path.join(project, '.kittify', 'templates', 'command-templates', 'specify.md'), 'utf8')).toBe('# old custom\n');
    expect(sweep(ctx)).toEqual([]);
  });

  it('recognises copies with Windows line endings and copies of older defaults listed in superseded.json', async () => {
    const assets = copyOfDefaults();
    const old = '# An older spec template\n';
    writeFileSync(
      path.join(assets, 'superseded.json'),
      JSON.stringify({ 'missions/software-dev/templates/spec-template.md': [`sha256:${createHash('sha256').update(old).digest('hex')}`] }),
    );
    const { ctx } = sandbox({
      '.kittify/missions/software-dev/templates/spec-template.md': old.replace(/\n/g, '\r\n'),
      '.kittify/templates/plan-template.md': defaultText('missions/software-dev/templates/plan-template.md').replace(/\n/g, '\r\n'),
    });
    const report = await migrate({ ...ctx, packageRoot: assets, now: clock.now });
    expect(report.project?.removed.map((r) => r.matched)).toEqual([
      'missions/software-dev/templates/spec-template.md',
      'missions/software-dev/templates/plan-template.md',
    ]);
  });

  it('outside a project only handles the global runtime and says so', async () => {
    const { user } = sandbox();
    const report = await migrate({ env: {}, homeDir: user, platform: process.platform, cwd: user, now: clock.now });
    expect(report.project).toBeNull();
    expect(report.notes[0]).toContain('only the global runtime');
    expect(report.runtime.state).toBe('not_installed');
  });
});

describe('refreshing the global runtime', () => {
  it('updates unedited copies to a new default, keeps edited ones and files you added, removes retired defaults', async () => {
    const assets = copyOfDefaults();
    const { home, ctx } = sandbox();
    writeFileSync(path.join(assets, 'missions', 'software-dev', 'templates', 'retired-template.md'), '# retired\n');
    await migrate({ ...ctx, packageRoot: assets, version: '1.0.0', now: clock.now });
    const mine = path.join(home, 'missions', 'software-dev', 'templates', 'plan-template.md');
    writeFileSync(mine, '# my global plan template\n');
    writeTree(home, { 'missions/software-dev/templates/notes.md': '# my notes\n', 'templates/x.md': 'user tier\n' });
    // The next release changes a default and retires another.
    writeFileSync(path.join(assets, 'missions', 'software-dev', 'templates', 'spec-template.md'), '# spec template v2\n');
    writeFileSync(path.join(assets, 'missions', 'software-dev', 'templates', 'plan-template.md'), '# plan template v2\n');
    rmSync(path.join(assets, 'missions', 'software-dev', 'templates', 'retired-template.md'));
    const report = await migrate({ ...ctx, packageRoot: assets, version: '1.1.0', now: clock.now });
    expect(report.runtime).toMatchObject({ state: 'stale', previous_version: '1.0.0', version: '1.1.0' });
    expect(report.runtime.changes).toEqual([
      { action: 'update', path: 'missions/software-dev/templates/spec-template.md' },
      { action: 'remove', path: 'missions/software-dev/templates/retired-template.md' },
    ]);
    expect(report.runtime.kept).toEqual([
      { path: 'missions/software-dev/templates/plan-template.md', reason: 'customised' },
      { path: 'missions/software-dev/templates/notes.md', reason: 'not_a_default' },
    ]);
    expect(readFileSync(mine, 'utf8')).toBe('# my global plan template\n');
    expect(readFileSync(path.join(home, 'templates', 'x.md'), 'utf8')).toBe('user tier\n');
    const r = openRuntime({ ...ctx, packageRoot: assets, version: '1.1.0' });
    expect(r.resolveTemplate('software-dev', 'plan-template.md')).toMatchObject({
      tier: 'global_mission',
      content: '# my global plan template\n',
    });
    expect(r.resolveTemplate('software-dev', 'spec-template.md')).toMatchObject({
      tier: 'package_default',
      content: '# spec template v2\n',
    });
    expect(r.takeNotes()).toEqual([]);
    const again = await migrate({ ...ctx, packageRoot: assets, version: '1.1.0', now: clock.now });
    expect(again.changed).toBe(false);
  });

  it('replaces files of unknown origin (no manifest, e.g. written by the Python CLI) after backing them up', async () => {
    const { home, ctx } = sandbox();
    writeTree(home, {
      'cache/version.lock': '2.0.0',
      'missions/software-dev/templates/spec-template.md': '# python spec template\n',
      'missions/plan/mission.yaml': 'name: Planning Kitty\n',
    });
    const report = await migrate({ ...ctx, now: clock.now });
    expect(report.runtime.state).toBe('not_installed'); // kitty never installed it: the Python CLI did
    const replaced = report.runtime.changes.filter((c) => c.action === 'replace');
    expect(replaced).toEqual([
      {
        action: 'replace',
        path: 'missions/software-dev/templates/spec-template.md',
        backup: `${report.runtime.backup_dir}/missions/software-dev/templates/spec-template.md`,
      },
    ]);
    expect(readFileSync(path.join(home, ...replaced[0]!.backup!.split('/')), 'utf8')).toBe('# python spec template\n');
    expect(readFileSync(path.join(home, 'missions', 'software-dev', 'templates', 'spec-template.md'), 'utf8')).toBe(
      defaultText('missions/software-dev/templates/spec-template.md'),
    );
    expect(readFileSync(path.join(home, 'missions', 'plan', 'mission.yaml'), 'utf8')).toBe('name: Planning Kitty\n');
    // Python's stamp stays, so Python does not reinstall over kitty on its next command; kitty's manifest says what it did.
    expect(readFileSync(path.join(home, 'cache', 'version.lock'), 'utf8')).toBe('2.0.0');
    expect((await migrate({ ...ctx, now: clock.now })).changed).toBe(false);
    expect(runtimeStatus(home, packageVersion())).toMatchObject({ state: 'current', installed_by: 'python', installed_version: '2.0.0' });
  });

  it('a runtime only the Python CLI installed is read as it is: no note, state other_cli', () => {
    const { home, ctx } = sandbox();
    writeTree(home, { 'cache/version.lock': '2.0.0', 'missions/software-dev/templates/spec-template.md': '# python spec template\n' });
    expect(runtimeStatus(home, packageVersion())).toMatchObject({ state: 'other_cli', installed_by: 'python', kitty_version: null });
    const r = openRuntime(ctx);
    expect(r.resolveTemplate('software-dev', 'spec-template.md')).toMatchObject({
      tier: 'global_mission',
      content: '# python spec template\n',
    });
    expect(r.takeNotes()).toEqual([]);
  });

  it('does not trust its manifest once another tool restamped the runtime (the Python CLI rewrote the copies)', async () => {
    const { home, ctx } = sandbox();
    await migrate({ ...ctx, now: clock.now });
    writeFileSync(path.join(home, 'cache', 'version.lock'), '2.0.11');
    const copy = path.join(home, 'missions', 'research', 'templates', 'spec-template.md');
    writeFileSync(copy, '# python research spec\n');
    const report = await migrate({ ...ctx, now: clock.now });
    expect(report.runtime.state).toBe('incomplete'); // kitty's install (its manifest) is current; a copy changed
    expect(readFileSync(path.join(home, 'cache', 'version.lock'), 'utf8')).toBe('2.0.11');
    expect(report.runtime.changes).toEqual([
      expect.objectContaining({ action: 'replace', path: 'missions/research/templates/spec-template.md' }),
    ]);
    expect(readFileSync(copy, 'utf8')).toBe(defaultText('missions/research/templates/spec-template.md'));
    expect(readFileSync(path.join(home, ...report.runtime.changes[0]!.backup!.split('/')), 'utf8')).toBe('# python research spec\n');
  });

  it('repairs a corrupt manifest and restores deleted managed files', async () => {
    const { home, ctx } = sandbox();
    await migrate({ ...ctx, now: clock.now });
    writeFileSync(path.join(home, 'cache', 'manifest.json'), '{ not json');
    const gone = path.join(home, 'missions', 'research', 'templates', 'findings-template.md');
    rmSync(gone);
    const report = await migrate({ ...ctx, now: clock.now });
    expect(report.runtime.state).toBe('incomplete');
    expect(report.runtime.changes).toEqual([{ action: 'install', path: 'missions/research/templates/findings-template.md' }]);
    expect(readManifest(home)).not.toBeNull();
    expect((await migrate({ ...ctx, now: clock.now })).changed).toBe(false);
  });

  it('finishes the work of a migrate that crashed between the two renames of a mission swap', async () => {
    const { home, ctx } = sandbox();
    await migrate({ ...ctx, version: '1.0.0', now: clock.now });
    const edited = path.join(home, 'missions', 'research', 'templates', 'findings-template.md');
    writeFileSync(edited, '# my findings layout\n');
    // Simulate the crash: research moved aside, the staged copy never moved in, leftovers in cache/.
    mkdirSync(path.join(home, 'cache', '.old-deadbeef'), { recursive: true });
    renameSync(path.join(home, 'missions', 'research'), path.join(home, 'cache', '.old-deadbeef', 'research'));
    writeTree(home, { 'cache/.staging-deadbeef/research/half.md': 'half-written' });
    const report = await migrate({ ...ctx, version: '1.0.1', now: clock.now });
    expect(report.runtime.state).toBe('stale');
    expect(readFileSync(edited, 'utf8')).toBe('# my findings layout\n');
    expect(existsSync(path.join(home, 'cache', '.old-deadbeef'))).toBe(false);
    expect(existsSync(path.join(home, 'cache', '.staging-deadbeef'))).toBe(false);
    expect((await migrate({ ...ctx, version: '1.0.1', now: clock.now })).changed).toBe(false);
  });
});

describe('concurrency and faults', () => {
  it('two migrates at once: one installs, the other finds nothing to do, and the result equals a single run', async () => {
    const a = sandbox(legacyProjectTree());
    const [r1, r2] = await Promise.all([migrate({ ...a.ctx, now: clock.now }), migrate({ ...a.ctx, now: clock.now })]);
    const installs = [r1, r2].filter((r) => r.runtime.changes.length > 0);
    expect(installs).toHaveLength(1);
    expect([r1, r2].map((r) => r.project?.removed.length ?? 0).sort()).toEqual([0, 12]);
    const b = sandbox(legacyProjectTree());
    await migrate({ ...b.ctx, now: clock.now });
    expect(snapshot(a.home)).toEqual(snapshot(b.home));
    expect(snapshot(a.project)).toEqual(snapshot(b.project));
    expect(sweep(a.ctx)).toEqual([]);
  });

  it('fails with MIGRATE_LOCKED when another process holds the lock longer than we wait', async () => {
    const { home, ctx } = sandbox();
    const lockfile = (await import('proper-lockfile')).default;
    mkdirSync(path.join(home, 'cache'), { recursive: true });
    const release = await lockfile.lock(path.join(home, 'cache', 'kitty-update'), {
      realpath: false,
      lockfilePath: path.join(home, 'cache', 'kitty-update.lock'),
    });
    try {
      await expect(migrate({ ...ctx, now: clock.now, lock: { retries: 1 } })).rejects.toMatchObject({
        code: 'MIGRATE_LOCKED',
        details: { lock: path.join(home, 'cache', 'kitty-update.lock') },
      });
      expect(existsSync(path.join(home, 'cache', 'version.lock'))).toBe(false);
    } finally {
      await release();
    }
    expect((await migrate({ ...ctx, now: clock.now })).runtime.state).toBe('not_installed');
  });

  it('fails with RUNTIME_WRITE_FAILED and leaves the project alone when the home cannot be written', async () => {
    const user = tempDir({ '.kittify': null });
    const blocker = path.join(user, 'blocked');
    writeFileSync(blocker, 'a file where the runtime directory should be');
    const { project } = sandbox(legacyProjectTree());
    const before = snapshot(project);
    await expect(
      migrate({ env: { SPEC_KITTY_HOME: blocker }, homeDir: user, platform: process.platform, cwd: project, now: clock.now }),
    ).rejects.toMatchObject({
      code: 'RUNTIME_WRITE_FAILED',
      suggestions: expect.arrayContaining([expect.stringContaining('SPEC_KITTY_HOME')]),
    });
    expect(snapshot(project)).toEqual(before);
  });

  it('fails with PROJECT_WRITE_FAILED when a project file cannot be moved, and a rerun after the fix finishes the job', async () => {
    const { project, ctx } = sandbox({
      '.kittify/templates/command-templates/review.md': '# our review\n',
      '.kittify/templates/spec-template.md': defaultText('missions/software-dev/templates/spec-template.md'),
      '.kittify/command-templates': 'a file where the folder should be',
    });
    await expect(migrate({ ...ctx, now: clock.now })).rejects.toMatchObject({
      code: 'PROJECT_WRITE_FAILED',
      message: expect.stringContaining(path.join(project, '.kittify')),
    });
    expect(existsSync(path.join(project, '.kittify', 'migrate.lock'))).toBe(false);
    rmSync(path.join(project, '.kittify', 'command-templates'));
    const rerun = await migrate({ ...ctx, now: clock.now });
    expect(rerun.project?.moved).toEqual([
      { from: '.kittify/templates/command-templates/review.md', to: '.kittify/command-templates/review.md' },
    ]);
    expect(sweep(ctx)).toEqual([]);
  });

  it('installGlobalRuntime installs only the runtime', async () => {
    const { home, project, ctx } = sandbox(legacyProjectTree());
    const before = snapshot(project);
    const result = await installGlobalRuntime({ ...ctx, now: clock.now });
    expect(result.state).toBe('not_installed');
    expect(existsSync(path.join(home, 'cache', 'version.lock'))).toBe(true);
    expect(snapshot(project)).toEqual(before);
  });
});
