import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { initProject, renderAgentCommand, agentSpec, type TemplateSource } from '../src/index.js';
import { machine, memoryTemplates, runtime, SPEC_TEMPLATE, wenv } from './helpers.js';

afterAll(cleanupTempDirs);

/** Templates whose specify command shows the spec template at its end. */
function inliningTemplates(): TemplateSource {
  const base = memoryTemplates();
  return {
    ...base,
    async commandTemplates() {
      return [
        {
          name: 'specify.md',
          text: '---\ndescription: Specify\ninline_templates: [spec-template.md]\n---\nWrite the spec from the template shown at the end of this prompt. Run spec-kitty next --agent __AGENT__.\n',
          origin: 'memory:specify.md',
        },
      ];
    },
  };
}

describe('init: flags and per-agent extras', () => {
  it('appends the templates a prompt refers to, substitutes the agent key, and writes .claudeignore and Copilot settings', async () => {
    const dir = tempDir({}, 'kitty-init-flags-');
    const r = await initProject({
      ...wenv(dir),
      here: true,
      ai: 'claude,copilot,gemini',
      nonInteractive: true,
      templates: inliningTemplates(),
      machine,
      runtime,
      preferredImplementer: 'gemini',
      preferredReviewer: 'claude',
      missingAgentTools: ['gemini'],
    });
    const claude = readFileSync(path.join(dir, '.claude/commands/spec-kitty.specify.md'), 'utf8');
    expect(claude).toContain('spec-kitty next --agent claude.');
    expect(claude).not.toContain('inline_templates');
    expect(claude).toContain(
      `## spec-template.md (the template this prompt refers to)\n\n\`\`\`\`markdown\n${SPEC_TEMPLATE.trimEnd()}\n\`\`\`\``,
    );
    expect(readFileSync(path.join(dir, '.gemini/commands/spec-kitty.specify.toml'), 'utf8')).toContain('--agent gemini');
    expect(readFileSync(path.join(dir, '.claudeignore'), 'utf8')).toContain('.worktrees/');
    expect(JSON.parse(readFileSync(path.join(dir, '.vscode/settings.json'), 'utf8'))).toMatchObject({ 'chat.promptFiles': true });
    const config = readFileSync(path.join(dir, '.kittify/config.yaml'), 'utf8');
    expect(config).toMatch(/preferred_implementer: gemini/);
    expect(config).toMatch(/preferred_reviewer: claude/);
    expect(r.notes.join('\n')).toMatch(/not found on PATH: gemini/);
  });

  it('--no-git creates no repository; a role outside --ai and a missing inlined template are refused', async () => {
    const dir = tempDir({}, 'kitty-init-nogit-');
    const r = await initProject({
      ...wenv(dir),
      here: true,
      ai: 'claude',
      nonInteractive: true,
      noGit: true,
      templates: memoryTemplates(),
      machine,
      runtime,
    });
    expect(r.git_initialized).toBe(false);
    expect(r.commit_created).toBe(false);
    expect(existsSync(path.join(dir, '.git'))).toBe(false);
    const other = tempDir({}, 'kitty-init-role-');
    await expect(
      initProject({
        ...wenv(other),
        here: true,
        ai: 'claude',
        nonInteractive: true,
        templates: memoryTemplates(),
        machine,
        runtime,
        preferredReviewer: 'codex',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() =>
      renderAgentCommand(agentSpec('claude') as NonNullable<ReturnType<typeof agentSpec>>, {
        name: 'x.md',
        text: '---\ninline_templates: [nope.md]\n---\nbody\n',
        origin: 'memory',
      }),
    ).toThrow(expect.objectContaining({ code: 'TEMPLATE_NOT_FOUND' }));
  });
});
