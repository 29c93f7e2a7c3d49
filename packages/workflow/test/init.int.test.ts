import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { cleanupTempDirs, gitRepo, tempDir } from '@kitty/test-utils';
import { deriveNodeId } from '@kitty/events';
import { initProject, createGitPort, WorkflowError } from '../src/index.js';
import { GIT_ENV, sgit, filesOf, machine, memoryTemplates, porcelain, read, runtime, subjects, wenv } from './helpers.js';

afterAll(cleanupTempDirs);

const base = (cwd: string) => ({
  ...wenv(cwd),
  templates: memoryTemplates(),
  machine,
  runtime,
  nonInteractive: true,
  newUuid: () => '11111111-2222-4333-8444-555555555555',
});

describe('spec-kitty init', () => {
  it('sets up a new directory: git init, config with identity, metadata, agent files, .gitignore, one clean commit', async () => {
    const parent = tempDir({}, 'kitty-init-');
    const r = await initProject({ ...base(parent), path: 'my-app', ai: 'claude,codex,gemini,copilot' });
    const dir = path.join(parent, 'my-app');
    expect(r).toMatchObject({
      result: 'success',
      project_path: dir,
      agents: ['claude', 'codex', 'gemini', 'copilot'],
      git_initialized: true,
      commit_created: true,
    });
    const config = parse(read(dir, '.kittify/config.yaml'));
    expect(config).toEqual({
      vcs: { type: 'git' },
      agents: {
        available: ['claude', 'codex', 'gemini', 'copilot'],
        selection: { preferred_implementer: 'claude', preferred_reviewer: 'codex' },
      },
      project: { uuid: '11111111-2222-4333-8444-555555555555', slug: 'my-app', node_id: deriveNodeId('test-host', 'tester') },
    });
    expect(parse(read(dir, '.kittify/metadata.yaml'))).toMatchObject({
      spec_kitty: { version: '2.0.0', initialized_at: '2026-03-01T12:00:00.000Z', last_upgraded_at: null },
      migrations: { applied: [] },
      kitty: { version: '0.1.0' },
    });
    expect(read(dir, '.claude/commands/spec-kitty.specify.md')).toContain('with $ARGUMENTS for claude');
    expect(existsSync(path.join(dir, '.codex/prompts/spec-kitty.tasks_finalize.md'))).toBe(true);
    expect(read(dir, '.gemini/commands/spec-kitty.specify.toml')).toContain('{{args}}');
    expect(read(dir, '.gitignore')).toContain('# Added by Spec Kitty CLI (auto-managed)\n.claude/\n');
    const sg = sgit(dir);
    expect(await subjects(sg)).toEqual(['Initial commit from Specify template']);
    // Agent directories are ignored (they may hold credentials); Copilot's prompts live in .github/ and are committed.
    expect(await filesOf(sg)).toEqual([
      '.claudeignore',
      '.github/prompts/spec-kitty.specify.prompt.md',
      '.github/prompts/spec-kitty.tasks-finalize.prompt.md',
      '.gitignore',
      '.kittify/config.yaml',
      '.kittify/metadata.yaml',
      '.mcp.json',
      '.vscode/mcp.json',
      '.vscode/settings.json',
    ]);
    expect(await porcelain(sg)).toEqual([]);
    expect(read(dir, '.git/info/exclude')).toContain('# Added by spec-kitty (local exclusions)\n.worktrees/\n');
  });

  it('is safe to run again: nothing changes, no commit', async () => {
    const dir = tempDir({}, 'kitty-init-');
    await initProject({ ...base(dir), here: true, ai: 'claude' });
    const sg = sgit(dir);
    const head = (await sg.revparse(['HEAD'])).trim();
    const again = await initProject({ ...base(dir), here: true, newUuid: () => 'ffffffff-ffff-4fff-8fff-ffffffffffff' });
    expect(again).toMatchObject({ agents: ['claude'], commit_created: false, files_written: [], files_removed: [] });
    expect(again.project.uuid).toBe('11111111-2222-4333-8444-555555555555');
    expect((await sg.revparse(['HEAD'])).trim()).toBe(head);
    expect(await porcelain(sg)).toEqual([]);
  });

  it('in an existing repository: commits only its own files, leaves user changes, staged files and stashes alone', async () => {
    const repo = await gitRepo({ 'README.md': '# app\n', 'src/a.ts': 'export {}\n', '.gitignore': 'node_modules/\n' });
    writeFileSync(path.join(repo.dir, 'src/a.ts'), 'export const changed = 1;\n');
    await repo.git.stash(['push', '-m', 'user stash']);
    writeFileSync(path.join(repo.dir, 'staged.txt'), 'staged\n');
    await repo.git.add('staged.txt');
    writeFileSync(path.join(repo.dir, 'README.md'), '# app (edited)\n');
    const stashBefore = await repo.git.raw(['stash', 'list']);
    const r = await initProject({ ...base(repo.dir), here: true, ai: 'cursor', force: true });
    expect(r.git_initialized).toBe(false);
    expect(await subjects(repo.git, 1)).toEqual(['chore: Set up spec-kitty (cursor)']);
    expect(await filesOf(repo.git)).toEqual(['.gitignore', '.kittify/config.yaml', '.kittify/metadata.yaml']);
    expect(read(repo.dir, '.gitignore').startsWith('node_modules/\n\n# Added by Spec Kitty CLI')).toBe(true);
    expect(await porcelain(repo.git)).toEqual([' M README.md', 'A  staged.txt']);
    expect(await repo.git.raw(['stash', 'list'])).toBe(stashBefore);
  });

  it('refuses a non-empty directory without --force, and needs --ai when non-interactive', async () => {
    const dir = tempDir({ 'notes.txt': 'mine\n' }, 'kitty-init-');
    await expect(initProject({ ...base(dir), here: true, ai: 'claude' })).rejects.toMatchObject({ code: 'DIRECTORY_NOT_EMPTY' });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    const empty = tempDir({}, 'kitty-init-');
    await expect(initProject({ ...base(empty), here: true })).rejects.toMatchObject({ code: 'MISSING_AGENTS' });
    await expect(initProject({ ...base(empty), here: true, ai: 'claude,notepad' })).rejects.toMatchObject({ code: 'INVALID_AGENTS' });
    await expect(initProject({ ...base(empty), ai: 'claude' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(initProject({ ...base(empty), here: true, path: 'x', ai: 'claude' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(initProject({ ...base(empty), here: true, ai: 'claude', mission: 'nope' })).rejects.toMatchObject({
      code: 'UNKNOWN_MISSION',
    });
    expect(readdirSync(empty)).toEqual([]);
  });

  it('asks through the prompts when interactive', async () => {
    const dir = tempDir({ 'keep.txt': 'x' }, 'kitty-init-');
    const asked: string[] = [];
    const r = await initProject({
      ...base(dir),
      nonInteractive: false,
      here: true,
      prompts: {
        async chooseAgents(choices, defaults) {
          asked.push(`agents:${choices.length}:${defaults.join(',')}`);
          return ['windsurf'];
        },
        async confirm(message) {
          asked.push(`confirm:${message.includes('not empty')}`);
          return true;
        },
      },
    });
    expect(asked).toEqual(['confirm:true', 'agents:12:copilot']);
    expect(r.agents).toEqual(['windsurf']);
    expect(read(dir, 'keep.txt')).toBe('x');
  });

  it('updates command files when templates change and removes only its own stale files', async () => {
    const dir = tempDir({}, 'kitty-init-');
    await initProject({ ...base(dir), here: true, ai: 'claude' });
    writeFileSync(path.join(dir, '.claude/commands/my-own.md'), 'user command\n');
    const fewer = memoryTemplates();
    const all = await fewer.commandTemplates('software-dev');
    const r = await initProject({
      ...base(dir),
      here: true,
      ai: 'claude',
      templates: { ...fewer, commandTemplates: async () => all.slice(0, 1) },
    });
    expect(r.files_removed).toEqual(['.claude/commands/spec-kitty.tasks-finalize.md']);
    expect(readdirSync(path.join(dir, '.claude/commands')).sort()).toEqual(['my-own.md', 'spec-kitty.specify.md']);
  });

  it('keeps existing role preferences and other config keys (with comments) on a re-run with new agents', async () => {
    const dir = tempDir({}, 'kitty-init-');
    await initProject({ ...base(dir), here: true, ai: 'claude,codex' });
    const cfg = path.join(dir, '.kittify/config.yaml');
    writeFileSync(
      cfg,
      `# team settings\n${read(dir, '.kittify/config.yaml').replace('preferred_reviewer: codex', 'preferred_reviewer: codex # chosen by the team')}sync:\n  auto_start: false\n`,
    );
    const sg = sgit(dir);
    await sg.add('.');
    await sg.commit('team config');
    await initProject({ ...base(dir), here: true, ai: 'claude,codex,cursor' });
    const text = read(dir, '.kittify/config.yaml');
    expect(text).toContain('# team settings\n');
    expect(text).toContain('preferred_reviewer: codex # chosen by the team');
    expect(parse(text).agents.available).toEqual(['claude', 'codex', 'cursor']);
    expect(parse(text).sync).toEqual({ auto_start: false });
    expect(await porcelain(sg)).toEqual([]);
  });

  it('reports a malformed config.yaml with its position and changes nothing', async () => {
    const dir = tempDir({}, 'kitty-init-');
    await initProject({ ...base(dir), here: true, ai: 'claude' });
    writeFileSync(path.join(dir, '.kittify/config.yaml'), 'agents:\n  available: [claude\n');
    await expect(initProject({ ...base(dir), here: true, ai: 'claude' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(read(dir, '.kittify/config.yaml')).toBe('agents:\n  available: [claude\n');
  });

  it('works without git on PATH: files written, a note, no commit', async () => {
    const dir = tempDir({}, 'kitty-init-');
    const noGit = createGitPort({ env: GIT_ENV, binary: path.join(dir, 'no-such-git') });
    mkdirSync(path.join(dir, 'sub'));
    const r = await initProject({ ...base(path.join(dir, 'sub')), git: noGit, here: true, ai: 'claude' });
    expect(r.commit_created).toBe(false);
    expect(r.notes.join(' ')).toContain('git was not found');
    expect(parse(read(path.join(dir, 'sub'), '.kittify/config.yaml')).vcs).toBeUndefined();
  });

  it('throws typed errors (not raw exceptions) for what the user can fix', async () => {
    const file = path.join(tempDir({ f: 'x' }), 'f');
    await expect(initProject({ ...base(path.dirname(file)), path: 'f', ai: 'claude' })).rejects.toBeInstanceOf(WorkflowError);
  });
});
