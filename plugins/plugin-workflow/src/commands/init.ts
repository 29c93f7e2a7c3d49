import os from 'node:os';
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty init`: set up a project for spec-driven development with AI agents. */
export default class Init extends WorkflowCommand {
  static override summary = 'Set up spec-kitty in a project: .kittify/ config, agent command files, .gitignore, git';
  static override description = [
    'Creates .kittify/config.yaml (agents, project identity) and .kittify/metadata.yaml, installs the spec-kitty slash commands for each chosen agent (from the mission command templates), adds the agent directories to .gitignore, runs git init when needed, and commits what it wrote in one commit.',
    'Running it again is safe: it changes nothing unless the options differ. Your own files are never committed or changed.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> init my-project --ai claude',
    '<%= config.bin %> init --here --ai claude,codex --non-interactive --force',
    '<%= config.bin %> init --here --json',
  ];
  static override args = {
    path: Args.string({ description: 'directory of the new project ("." for the current directory)', required: false }),
  };
  static override flags = {
    here: Flags.boolean({ description: 'set up the current directory' }),
    ai: Flags.string({ description: 'agents to set up, comma-separated: claude, copilot, gemini, cursor, qwen, opencode, windsurf, codex, kilocode, auggie, roo, q' }),
    mission: Flags.string({ description: 'mission whose command templates are installed', default: 'software-dev' }),
    'non-interactive': Flags.boolean({ aliases: ['yes'], description: 'never ask (also when stdin is not a terminal or SPEC_KITTY_NON_INTERACTIVE=1)' }),
    force: Flags.boolean({ description: 'set up a non-empty directory without asking' }),
    mcp: Flags.boolean({ description: "register the spec-kitty MCP server in each agent's project MCP config (--no-mcp skips it)", default: true, allowNo: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Init);
    const { initProject } = await import('@kitty/workflow');
    const { workflowEnv, machine } = await import('../context.js');
    const { resolverTemplates } = await import('../templates.js');
    const { isInteractive, terminalPrompts } = await import('../prompts.js');
    const env = await workflowEnv();
    const target = path.resolve(env.cwd, flags.here || args.path === undefined ? '.' : args.path);
    const interactive = isInteractive(flags['non-interactive'] || this.jsonEnabled());
    const result = await initProject({
      ...env,
      path: args.path,
      here: flags.here,
      ai: flags.ai,
      mission: flags.mission,
      nonInteractive: !interactive,
      force: flags.force,
      mcp: flags.mcp,
      templates: await resolverTemplates(target),
      machine: machine(),
      runtime: { cliVersion: this.config.version, nodeVersion: process.version, platform: process.platform, platformVersion: os.release() },
      ...(interactive ? { prompts: terminalPrompts() } : {}),
    });
    const { renderInit } = await import('../render.js');
    return this.finish(result, renderInit);
  }
}
