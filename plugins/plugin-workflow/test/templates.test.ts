import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { AGENTS, renderAgentCommand } from '@kitty/workflow';
import { resolverTemplates } from '../src/templates.js';
import { isInteractive } from '../src/prompts.js';
import { eventsPort } from '../src/events-port.js';

const saved = process.env['SPEC_KITTY_HOME'];
beforeAll(() => {
  process.env['SPEC_KITTY_HOME'] = tempDir({}, 'kitty-home-');
});
afterAll(() => {
  if (saved === undefined) delete process.env['SPEC_KITTY_HOME'];
  else process.env['SPEC_KITTY_HOME'] = saved;
  cleanupTempDirs();
});

describe('the runtime-resolver template source', () => {
  it('serves the package defaults: missions, spec and plan templates, command templates', async () => {
    const source = await resolverTemplates(tempDir());
    const missions = await source.missions();
    expect(missions).toEqual(expect.arrayContaining(['software-dev', 'research', 'documentation']));
    for (const mission of missions) {
      expect((await source.template(mission, 'spec-template.md'))?.text).toContain('#');
      expect((await source.template(mission, 'plan-template.md'))?.text).toContain('#');
    }
    expect(await source.template('software-dev', 'no-such-template.md')).toBeNull();
    const commands = await source.commandTemplates('software-dev');
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['specify.md', 'plan.md', 'tasks.md', 'implement.md', 'review.md']));
    expect(commands.find((c) => c.name === 'specify.md')?.origin).toMatch(/^package_default: /);
  });

  it('renders every default command template for every agent in the manifest', async () => {
    const source = await resolverTemplates(tempDir());
    const commands = await source.commandTemplates('software-dev');
    // the templates the command files show inline (init collects them the same way from the mission)
    const inlined = new Map<string, string>();
    for (const name of ['spec-template.md', 'plan-template.md', 'tasks-template.md', 'task-prompt-template.md', 'checklist-template.md']) {
      const t = await source.template('software-dev', name);
      if (t !== null) inlined.set(name, t.text);
    }
    for (const agent of AGENTS) {
      for (const c of commands) {
        const out = renderAgentCommand(agent, c, inlined);
        expect(out.relPath.startsWith(`${agent.dir}/spec-kitty.`)).toBe(true);
        expect(out.content.endsWith('\n')).toBe(true);
        expect(out.content).not.toContain('__AGENT__');
        if (agent.format === 'toml') {
          expect(out.content).toMatch(/^description = "[^\n]*"\n\nprompt = """\n/);
          expect(out.content).not.toContain('$ARGUMENTS');
        }
      }
    }
  });
});

describe('plugin seams', () => {
  it('is non-interactive with --non-interactive, SPEC_KITTY_NON_INTERACTIVE or no terminal', () => {
    expect(isInteractive(true)).toBe(false);
    const before = process.env['SPEC_KITTY_NON_INTERACTIVE'];
    process.env['SPEC_KITTY_NON_INTERACTIVE'] = 'yes';
    expect(isInteractive(false)).toBe(false);
    if (before === undefined) delete process.env['SPEC_KITTY_NON_INTERACTIVE'];
    else process.env['SPEC_KITTY_NON_INTERACTIVE'] = before;
    if (process.stdin.isTTY !== true) expect(isInteractive(false)).toBe(false);
  });

  it('has no events port until the sync emitter is wired', async () => {
    expect(await eventsPort()).toBeUndefined();
  });
});
