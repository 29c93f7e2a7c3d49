import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { legacySandbox, lines, snapshot, spawnCli } from './runtime-helpers.js';

afterAll(cleanupTempDirs);

// Needs the built CLI (turbo runs `build` before this package's tests).

const CUSTOM_PLAN = '# Our plan template\n\nTeam-specific sections.\n';
const CUSTOM_REVIEW = '---\ndescription: Our review\n---\n# Our review checklist\n';
const custom = {
  '.kittify/missions/software-dev/templates/plan-template.md': CUSTOM_PLAN,
  '.kittify/templates/command-templates/review.md': CUSTOM_REVIEW,
};

interface OriginJson {
  runtime: { state: string };
  assets: { kind: string; mission: string; name: string; tier: string; path: string; legacy: boolean }[];
  notes: string[];
}

const asset = (doc: OriginJson, mission: string, kind: string, name: string) =>
  doc.assets.find((a) => a.mission === mission && a.kind === kind && a.name === name);

describe('spec-kitty config --show-origin and migrate on a 1.x-style project', () => {
  it('before migrate: works from the project files with exactly one note on stderr; after: customisations apply and stderr is empty', async () => {
    const { user, project } = legacySandbox(custom);
    const before = await spawnCli(['config', '--show-origin', '--json'], { cwd: project, user });
    expect(before.code).toBe(0);
    const doc = JSON.parse(before.stdout) as OriginJson;
    expect(doc.runtime.state).toBe('not_installed');
    expect(asset(doc, 'software-dev', 'template', 'plan-template.md')).toMatchObject({ tier: 'project_mission' });
    expect(asset(doc, 'software-dev', 'template', 'tasks-template.md')).toMatchObject({ tier: 'project_mission' });
    expect(asset(doc, 'research', 'command-template', 'review.md')).toMatchObject({ tier: 'project', legacy: true });
    expect(lines(before.stderr)).toHaveLength(1);
    expect(before.stderr).toMatch(/^Note: .*spec-kitty migrate/);

    const human = await spawnCli(['config', '--show-origin'], { cwd: project, user });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/templates\/plan-template\.md\s+project_mission\s+\.kittify/);
    expect(lines(human.stderr)).toHaveLength(1);

    const migrated = await spawnCli(['migrate', '--json'], { cwd: project, user });
    expect(migrated.code).toBe(0);
    expect(migrated.stderr).toBe('');
    const report = JSON.parse(migrated.stdout) as {
      changed: boolean;
      project: { removed: unknown[]; moved: unknown[]; kept: { path: string; reason: string }[] };
    };
    expect(report.changed).toBe(true);
    expect(report.project.removed).toHaveLength(13);
    expect(report.project.moved).toEqual([
      { from: '.kittify/templates/command-templates/review.md', to: '.kittify/command-templates/review.md' },
    ]);
    expect(report.project.kept).toEqual([
      expect.objectContaining({ path: '.kittify/missions/software-dev/templates/plan-template.md', reason: 'customised' }),
    ]);

    const after = await spawnCli(['config', '--show-origin', '--json'], { cwd: project, user });
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('');
    const afterDoc = JSON.parse(after.stdout) as OriginJson;
    expect(afterDoc.runtime.state).toBe('current');
    expect(afterDoc.notes).toEqual([]);
    const plan = asset(afterDoc, 'software-dev', 'template', 'plan-template.md');
    expect(plan).toMatchObject({ tier: 'project_mission' });
    expect(readFileSync(plan!.path, 'utf8')).toBe(CUSTOM_PLAN);
    const review = asset(afterDoc, 'research', 'command-template', 'review.md');
    expect(review).toMatchObject({
      tier: 'project',
      legacy: false,
      path: path.join(project, '.kittify', 'command-templates', 'review.md'),
    });
    expect(asset(afterDoc, 'software-dev', 'template', 'tasks-template.md')).toMatchObject({ tier: 'package_default' });
    const quiet = await spawnCli(['config', '--show-origin'], { cwd: project, user });
    expect(quiet.stderr).toBe('');
  });

  it('--dry-run writes nothing; a second migrate changes nothing, byte for byte', async () => {
    const { user, project } = legacySandbox(custom);
    const userBefore = snapshot(user);
    const projectBefore = snapshot(project);
    const dry = await spawnCli(['migrate', '--dry-run'], { cwd: project, user });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would install version');
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    expect(snapshot(user)).toEqual(userBefore);
    expect(snapshot(project)).toEqual(projectBefore);

    expect((await spawnCli(['migrate'], { cwd: project, user })).code).toBe(0);
    const userMigrated = snapshot(user);
    const projectMigrated = snapshot(project);
    const second = await spawnCli(['migrate', '--json'], { cwd: project, user });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      changed: false,
      runtime: { state: 'current', changes: [] },
      project: { removed: [], moved: [] },
    });
    expect(snapshot(user)).toEqual(userMigrated);
    expect(snapshot(project)).toEqual(projectMigrated);
    const human = await spawnCli(['migrate'], { cwd: project, user });
    expect(human.stdout).toContain('Nothing to do.');
  });

  it('two migrate processes at once: both succeed, the work is done once, the state equals a single run', async () => {
    const a = legacySandbox(custom);
    const [r1, r2] = await Promise.all([
      spawnCli(['migrate', '--json'], { cwd: a.project, user: a.user }),
      spawnCli(['migrate', '--json'], { cwd: a.project, user: a.user }),
    ]);
    expect([r1.code, r2.code, r1.stderr, r2.stderr]).toEqual([0, 0, '', '']);
    const reports = [r1, r2].map((r) => JSON.parse(r.stdout) as { runtime: { changes: unknown[] }; project: { removed: unknown[] } });
    expect(reports.map((r) => r.runtime.changes.length > 0).sort()).toEqual([false, true]);
    expect(reports.map((r) => r.project.removed.length).sort((x, y) => x - y)).toEqual([0, 13]);

    const b = legacySandbox(custom);
    expect((await spawnCli(['migrate', '--json'], { cwd: b.project, user: b.user })).code).toBe(0);
    const notManifest = (rel: string): boolean => rel === '.kittify/cache/manifest.json';
    expect(snapshot(a.user, notManifest)).toEqual(snapshot(b.user, notManifest));
    expect(snapshot(a.project)).toEqual(snapshot(b.project));
    const manifest = (user: string): { files: unknown; version: string } =>
      JSON.parse(readFileSync(path.join(user, '.kittify', 'cache', 'manifest.json'), 'utf8'));
    expect(manifest(a.user).files).toEqual(manifest(b.user).files);
    const after = await spawnCli(['config', '--show-origin', '--json'], { cwd: a.project, user: a.user });
    expect(after.stderr).toBe('');
  });
});

describe('errors', () => {
  it('a relative SPEC_KITTY_HOME exits 2 with INVALID_SPEC_KITTY_HOME in one JSON document', async () => {
    const { user, project } = legacySandbox();
    const r = await spawnCli(['migrate', '--json'], { cwd: project, user, env: { SPEC_KITTY_HOME: 'relative/home' } });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'INVALID_SPEC_KITTY_HOME', hint: expect.stringContaining('absolute') } });
    const human = await spawnCli(['config'], { cwd: project, user, env: { SPEC_KITTY_HOME: 'relative/home' } });
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('SPEC_KITTY_HOME must be an absolute path');
  });

  it('an unwritable runtime location exits 1 with RUNTIME_WRITE_FAILED and leaves the project untouched', async () => {
    const { user, project } = legacySandbox();
    const blocker = path.join(tempDir(), 'not-a-dir');
    writeFileSync(blocker, 'x');
    const before = snapshot(project);
    const r = await spawnCli(['migrate', '--json'], { cwd: project, user, env: { SPEC_KITTY_HOME: blocker } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'RUNTIME_WRITE_FAILED' } });
    expect(snapshot(project)).toEqual(before);
  });

  it('config without flags summarises the runtime; outside a project it says so', async () => {
    const user = tempDir();
    const r = await spawnCli(['config'], { cwd: user, user });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Global runtime: ${path.join(user, '.kittify')} (not installed`);
    expect(r.stdout).toContain('Project: none');
    expect(r.stdout).toContain('Missions: documentation, research, software-dev');
  });
});
