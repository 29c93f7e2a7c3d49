import { Flags } from '@oclif/core';
import { KittyCommand } from '@kitty/cli-kit';

/** `spec-kitty mcp`: a Model Context Protocol server on stdio for the project it starts in. */
export default class Mcp extends KittyCommand {
  static override summary = 'Serve the workflow to MCP clients over stdio: commands as tools, planning files as resources';
  static override description = [
    "Runs a Model Context Protocol server on stdin/stdout for the project found from the current directory (as every command finds it) or --project. Each tool makes the same library call as the command it names and answers with that command's --json document; errors are tool errors carrying code, message and hint. Resources: kitty://features and each feature's spec.md, plan.md, tasks.md and work-package prompts (read-only).",
    'Tools: --tools core (default: the agent loop: tasks_list, tasks_status, workflow_implement, tasks_mark_status, tasks_move, tasks_add_history, workflow_review), or all, or groups and names comma-separated (core, planning, finish, sync). MCP clients start it themselves: spec-kitty init registers it in the project MCP config of each agent that has one (--no-mcp skips that). Notes go to stderr; stdout carries only the protocol.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> mcp',
    '<%= config.bin %> mcp --tools all --project ~/src/shop',
    '<%= config.bin %> mcp --tools core,planning',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    project: Flags.string({ description: 'the project to serve (default: the one containing the current directory)' }),
    tools: Flags.string({
      description: 'tools to offer: core, all, or groups (core, planning, finish, sync) and tool names, comma-separated',
      default: 'core',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Mcp);
    const path = await import('node:path');
    const { openProject, createGitPort } = await import('@kitty/workflow');
    const { commandContext, describeError } = await import('@kitty/cli-kit');
    const ctx = commandContext();
    const project = await openProject({
      cwd: path.resolve(ctx.cwd, flags.project ?? '.'),
      env: ctx.env,
      git: createGitPort({ env: ctx.env }),
    });
    const root = project.root;

    const { createKittyMcpServer, TOOLS } = await import('@kitty/mcp');
    const { commandShape } = await import('../shapes.js');
    const wanted = new Set(TOOLS.map((t) => t.command));
    const commands = new Map(
      this.config.commands
        .map((c) => commandShape(c))
        .filter((s) => wanted.has(s.id))
        .map((s) => [s.id, s]),
    );

    const wf = await import('@kitty/plugin-workflow');
    const server = createKittyMcpServer({
      version: this.config.version,
      tools: flags.tools,
      commands,
      host: {
        projectRoot: root,
        homeDir: ctx.homeDir,
        env: ctx.env,
        now: ctx.now,
        workflowEnv: async ({ events }) => ({ ...(await wf.workflowEnv({ events })), cwd: root }),
        templates: () => wf.resolverTemplates(root),
        machine: wf.machine,
        shellPid: wf.shellPid,
        runTest: wf.runTestCommand,
        resultJson: wf.splitResult,
        describeError: (err) => describeError(err).body,
      },
    });
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const closed = new Promise<void>((resolve) => {
      server.onclose = resolve;
    });
    // A line that is not JSON-RPC is skipped (the server keeps serving); say so where humans look.
    server.onerror = (err) => this.note(`spec-kitty mcp: ${err.message}`);
    await server.connect(new StdioServerTransport());
    this.note(`spec-kitty MCP server for ${root} on stdio (tools: ${flags.tools}); stop it by closing stdin.`);
    // The transport does not notice stdin ending by itself: close the server then.
    process.stdin.once('end', () => void server.close());
    await closed;
  }
}
