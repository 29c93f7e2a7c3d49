import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** The agents among `--ai` whose command-line tool is not on PATH (a cheap look through PATH's directories). */
function missingAgentTools(ai: string | undefined): string[] {
  const tools: Record<string, string> = {
    claude: 'claude',
    gemini: 'gemini',
    qwen: 'qwen',
    opencode: 'opencode',
    codex: 'codex',
    auggie: 'auggie',
    q: 'q',
  };
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  const keys = (ai ?? '')
    .split(/[,;]/)
    .map((k) => k.trim().toLowerCase())
    .filter((k) => tools[k] !== undefined);
  return keys.filter((k) => !dirs.some((d) => existsSync(path.join(d, tools[k] as string))));
}

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
    ai: Flags.string({
      description:
        'agents to set up, comma-separated: claude, copilot, gemini, cursor, qwen, opencode, windsurf, codex, kilocode, auggie, roo, q',
    }),
    mission: Flags.string({ description: 'mission whose command templates are installed', default: 'software-dev' }),
    'non-interactive': Flags.boolean({
      aliases: ['yes'],
      description: 'never ask (also when stdin is not a terminal or SPEC_KITTY_NON_INTERACTIVE=1)',
    }),
    force: Flags.boolean({ description: 'set up a non-empty directory without asking' }),
    'no-git': Flags.boolean({ description: 'do not create a git repository and commit nothing' }),
    'preferred-implementer': Flags.string({ description: 'agent that implements by default (one of --ai)' }),
    'preferred-reviewer': Flags.string({ description: 'agent that reviews by default (one of --ai)' }),
    'ignore-agent-tools': Flags.boolean({ description: "do not check that the agents' command-line tools are on PATH" }),
    mcp: Flags.boolean({
      description: "register the spec-kitty MCP server in each agent's project MCP config (--no-mcp skips it)",
      default: true,
      allowNo: true,
    }),
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
      noGit: flags['no-git'],
      preferredImplementer: flags['preferred-implementer'],
      preferredReviewer: flags['preferred-reviewer'],
      ...(flags['ignore-agent-tools'] ? {} : { missingAgentTools: missingAgentTools(flags.ai) }),
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
