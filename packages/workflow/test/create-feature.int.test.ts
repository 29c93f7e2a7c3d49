import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { checkEvent } from '@kitty/events';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { createFeature, WorkflowError } from '../src/index.js';
import type { GitPort } from '../src/index.js';
import {
  filesOf,
  git,
  machine,
  memoryEvents,
  memoryTemplates,
  newProject,
  porcelain,
  read,
  SPEC_TEMPLATE,
  subjects,
  wenv,
  write,
} from './helpers.js';

afterAll(cleanupTempDirs);

describe('agent feature create-feature', () => {
  it('creates kitty-specs/001-slug with the mission spec template and meta.json, commits both, leaves the repo clean', async () => {
    const { dir, sg } = await newProject();
    const r = await createFeature({ ...wenv(dir), slug: 'user-auth', templates: memoryTemplates() });
    const fdir = path.join(dir, 'kitty-specs/001-user-auth');
    expect(r).toMatchObject({
      result: 'success',
      feature: '001-user-auth',
      feature_dir: fdir,
      feature_number: '001',
      mission: 'software-dev',
      target_branch: 'main',
      events_queued: 0,
    });
    expect(read(fdir, 'spec.md')).toBe(SPEC_TEMPLATE);
    expect(JSON.parse(read(fdir, 'meta.json'))).toEqual({
      feature_number: '001',
      slug: '001-user-auth',
      feature_slug: '001-user-auth',
      friendly_name: 'user auth',
      mission: 'software-dev',
      target_branch: 'main',
      created_at: '2026-03-01T12:00:00.000Z',
    });
    expect(await subjects(sg, 2)).toEqual(['Add meta for feature 001-user-auth', 'Add spec for feature 001-user-auth']);
    expect(await filesOf(sg, 'HEAD~1')).toEqual([
      'kitty-specs/001-user-auth/spec.md',
      'kitty-specs/001-user-auth/tasks/.gitkeep',
      'kitty-specs/001-user-auth/tasks/README.md',
    ]);
    expect(await filesOf(sg)).toEqual(['kitty-specs/001-user-auth/meta.json']);
    expect(r.commits).toHaveLength(2);
    for (const sub of ['checklists', 'research', 'tasks']) expect(existsSync(path.join(fdir, sub))).toBe(true);
    expect(await porcelain(sg)).toEqual([]);
  });

  it("makes its two commits with one git status, one git add and the two commits (origin asked once), the user's staged file left alone", async () => {
    const { dir, sg } = await newProject();
    write(dir, { 'notes.txt': 'mine\n' });
    await sg.add('notes.txt');
    const calls: string[] = [];
    const counted: GitPort = {
      ...git,
      status: async (d, paths) => (calls.push('status'), git.status(d, paths)),
      add: async (d, paths, o) => (calls.push(`add ${paths.length}`), git.add(d, paths, o)),
      commit: async (d, m, paths) => (calls.push(`commit ${paths.length}`), git.commit(d, m, paths)),
      remoteUrl: async (d, r) => (calls.push('remote'), git.remoteUrl(d, r)),
    };
    const events = memoryEvents();
    await createFeature({ ...wenv(dir, { events }), git: counted, slug: 'counted', templates: memoryTemplates(), machine });
    expect(calls.filter((c) => c !== 'remote')).toEqual(['status', 'add 4', 'commit 3', 'commit 1']);
    expect(calls.filter((c) => c === 'remote')).toHaveLength(1); // asked once, while the first commit runs
    expect(await subjects(sg, 2)).toEqual(['Add meta for feature 001-counted', 'Add spec for feature 001-counted']);
    expect(await filesOf(sg, 'HEAD~1')).toEqual([
      'kitty-specs/001-counted/spec.md',
      'kitty-specs/001-counted/tasks/.gitkeep',
      'kitty-specs/001-counted/tasks/README.md',
    ]);
    expect(await filesOf(sg)).toEqual(['kitty-specs/001-counted/meta.json']);
    expect(await porcelain(sg)).toEqual(['A  notes.txt']);
    expect(events.drafts.map((d) => d.event_type)).toEqual(['FeatureCreated']);
  });

  it('numbers features after the highest of kitty-specs/ and .worktrees/, and records the current branch as target', async () => {
    const { dir, sg } = await newProject();
    mkdirSync(path.join(dir, 'kitty-specs/004-old'), { recursive: true });
    mkdirSync(path.join(dir, '.worktrees/007-gone-WP01'), { recursive: true });
    await sg.checkoutLocalBranch('2.x');
    const r = await createFeature({ ...wenv(dir), slug: 'next-thing', mission: 'research', templates: memoryTemplates() });
    expect(r.feature).toBe('008-next-thing');
    expect(r.target_branch).toBe('2.x');
    expect(read(r.feature_dir, 'spec.md')).toBe('# Research spec\n');
    expect(JSON.parse(read(r.feature_dir, 'meta.json')).mission).toBe('research');
  });

  it('rejects bad slugs (traversal, absolute, too long, reserved, look-alikes, NUL, case) before touching the disk', async () => {
    const sandbox = tempDir({}, 'kitty-sandbox-');
    const { dir, sg } = await newProject('claude', sandbox);
    const before = readdirSync(sandbox);
    for (const slug of [
      '../escape',
      '..\\escape',
      '/etc/passwd',
      'a/../../b',
      '%2e%2e',
      'x'.repeat(300),
      'CON',
      'nul',
      'Uѕer',
      'foo\0bar',
      'My_Feature',
      'trailing.',
    ]) {
      await expect(createFeature({ ...wenv(dir), slug, templates: memoryTemplates() })).rejects.toMatchObject({
        code: 'INVALID_FEATURE_SLUG',
      });
    }
    expect(existsSync(path.join(dir, 'kitty-specs'))).toBe(false);
    expect(readdirSync(sandbox)).toEqual(before);
    expect(existsSync(path.join(path.dirname(dir), 'escape'))).toBe(false);
    expect(await porcelain(sg)).toEqual([]);
  });

  it('refuses from inside a worktree, on a detached HEAD, outside a project, and for unknown missions', async () => {
    const { dir, sg } = await newProject();
    await sg.raw(['worktree', 'add', '-b', 'wt', path.join(dir, '.worktrees/001-x-WP01')]);
    await expect(
      createFeature({ ...wenv(path.join(dir, '.worktrees/001-x-WP01')), slug: 'x', templates: memoryTemplates() }),
    ).rejects.toMatchObject({ code: 'INSIDE_WORKTREE' });
    await expect(createFeature({ ...wenv(dir), slug: 'x', mission: 'nope', templates: memoryTemplates() })).rejects.toMatchObject({
      code: 'UNKNOWN_MISSION',
    });
    await sg.raw(['checkout', '--detach']);
    await expect(createFeature({ ...wenv(dir), slug: 'x', templates: memoryTemplates() })).rejects.toMatchObject({ code: 'DETACHED_HEAD' });
    await expect(createFeature({ ...wenv(tempDir()), slug: 'x', templates: memoryTemplates() })).rejects.toMatchObject({
      code: 'NOT_A_PROJECT',
    });
    const noTemplate = { ...memoryTemplates(), template: async () => null };
    await sg.checkout('main');
    await expect(createFeature({ ...wenv(dir), slug: 'x', templates: noTemplate })).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
    expect(existsSync(path.join(dir, 'kitty-specs'))).toBe(false);
  });

  it("works from a subdirectory and never commits or disturbs the user's other changes and stashes", async () => {
    const { dir, sg } = await newProject();
    write(dir, { 'src/app.ts': 'export {}\n', 'README.md': '# x\n' });
    await sg.add(['src/app.ts', 'README.md']);
    await sg.commit('app');
    write(dir, { 'src/app.ts': 'export const a = 1;\n' });
    await sg.stash(['push', '-m', 'mine']);
    write(dir, { 'README.md': '# edited\n', 'staged.txt': 'staged\n', 'untracked.txt': 'u\n' });
    await sg.add('staged.txt');
    const stash = await sg.raw(['stash', 'list']);
    const r = await createFeature({ ...wenv(path.join(dir, 'src')), slug: 'safe', templates: memoryTemplates() });
    expect(r.feature).toBe('001-safe');
    expect(await porcelain(sg)).toEqual([' M README.md', '?? untracked.txt', 'A  staged.txt']);
    expect(await sg.raw(['stash', 'list'])).toBe(stash);
    expect(await filesOf(sg)).toEqual(['kitty-specs/001-safe/meta.json']);
  });

  it('gives two concurrent creators different numbers (project lock)', async () => {
    const { dir, sg } = await newProject();
    const [a, b] = await Promise.all([
      createFeature({ ...wenv(dir), slug: 'alpha', templates: memoryTemplates() }),
      createFeature({ ...wenv(dir), slug: 'beta', templates: memoryTemplates() }),
    ]);
    expect([a.feature_number, b.feature_number].sort()).toEqual(['001', '002']);
    expect(await porcelain(sg)).toEqual([]);
  });

  it('refuses a kitty-specs/ that is a symlink leading out of the repository', async () => {
    const { dir } = await newProject();
    const outside = tempDir({}, 'kitty-outside-');
    symlinkSync(outside, path.join(dir, 'kitty-specs'));
    await expect(createFeature({ ...wenv(dir), slug: 'evil', templates: memoryTemplates() })).rejects.toMatchObject({
      code: 'INVALID_PATH',
    });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('emits FeatureCreated after the commit, valid against the event schema', async () => {
    const { dir, sg } = await newProject();
    const events = memoryEvents();
    const r = await createFeature({ ...wenv(dir, { events }), slug: 'synced', templates: memoryTemplates(), machine });
    expect(r.events_queued).toBe(1);
    expect(events.prepared).toBe(1); // told once, when the first commit started
    const [draft] = events.drafts;
    expect(draft).toMatchObject({
      event_type: 'FeatureCreated',
      aggregate_id: '001-synced',
      aggregate_type: 'Feature',
      project_uuid: '11111111-2222-4333-8444-555555555555',
      project_slug: path.basename(dir).toLowerCase(),
      git_branch: 'main',
      head_commit_sha: (await sg.revparse(['HEAD'])).trim(),
      payload: { feature_slug: '001-synced', feature_number: '001', target_branch: 'main', wp_count: 0 },
    });
    expect(checkEvent({ ...draft, lamport_clock: 1 }).ok).toBe(true);
  });

  it('adds a missing project identity (projects set up by the Python CLI) and commits it with meta.json', async () => {
    const { dir, sg } = await newProject();
    writeFileSync(path.join(dir, '.kittify/config.yaml'), 'vcs:\n  type: git\nagents:\n  available:\n  - claude\n');
    await sg.add('.kittify/config.yaml');
    await sg.commit('python cli config');
    const events = memoryEvents();
    await createFeature({
      ...wenv(dir, { events }),
      slug: 'legacy',
      templates: memoryTemplates(),
      machine,
      newUuid: () => '99999999-2222-4333-8444-555555555555',
    });
    expect(await filesOf(sg)).toEqual(['.kittify/config.yaml', 'kitty-specs/001-legacy/meta.json']);
    expect(
      read(dir, '.kittify/config.yaml').startsWith('vcs:\n  type: git\nagents:\n  available:\n  - claude\nproject:\n  uuid: 99999999-'),
    ).toBe(true);
    expect(parse(read(dir, '.kittify/config.yaml')).project.uuid).toBe('99999999-2222-4333-8444-555555555555');
    expect(events.drafts[0]?.project_uuid).toBe('99999999-2222-4333-8444-555555555555');
    expect(await porcelain(sg)).toEqual([]);
  });

  it('never fails the command when the events port fails: the failure becomes a note', async () => {
    const { dir, sg } = await newProject();
    const r = await createFeature({
      ...wenv(dir, { events: memoryEvents({ fail: 'queue.db is locked' }) }),
      slug: 'offline',
      templates: memoryTemplates(),
      machine,
    });
    expect(r.result).toBe('success');
    expect(r.events_queued).toBe(0);
    expect(r.notes.join('\n')).toContain('queue.db is locked');
    expect(await porcelain(sg)).toEqual([]);
  });

  it('passes template-source notes through', async () => {
    const { dir } = await newProject();
    const templates = memoryTemplates();
    templates.notes.push('Note: run spec-kitty migrate');
    const r = await createFeature({ ...wenv(dir), slug: 'noted', templates });
    expect(r.notes).toContain('Note: run spec-kitty migrate');
  });

  it('rejects a missing slug with a typed error', async () => {
    await expect(createFeature({ ...wenv(tempDir()), slug: '', templates: memoryTemplates() })).rejects.toBeInstanceOf(WorkflowError);
  });
});
