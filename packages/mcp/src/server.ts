import { realpathSync } from 'node:fs';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { McpServerError, isMcpServerError } from './errors.js';
import type { ErrorBody, McpHost } from './host.js';
import { inputKey, jsonSchemaOf, paramsSchema, parseInput, type CommandShape, type ParamDef } from './params.js';
import { RESOURCE_TEMPLATES, listResources, readResource } from './resources.js';
import { TOOLS, TOOL_GROUPS, type ToolSpec } from './tools.js';

/** What {@link createKittyMcpServer} needs. */
export interface KittyMcpServerOptions {
  readonly host: McpHost;
  /** The CLI's command definitions by id (`agent tasks move-task`); a tool whose command is absent is left out. */
  readonly commands: ReadonlyMap<string, CommandShape>;
  /** `--tools`: `core` (default), `all`, or a comma-separated list of groups and tool names. */
  readonly tools?: string | undefined;
  /** The CLI version, reported to clients. */
  readonly version: string;
}

/** A tool ready to serve: its spec, inputs, valibot schema and the MCP description. */
interface PreparedTool {
  readonly spec: ToolSpec;
  readonly params: readonly ParamDef[];
  readonly schema: ReturnType<typeof paramsSchema>;
  readonly tool: Tool;
}

/**
 * The tools `--tools` selects: `core` (the agent loop), `all`, or a comma-separated mix of groups
 * (core, planning, finish, sync) and tool names. Throws INVALID_TOOLS_OPTION for an unknown entry.
 */
export function selectTools(selection: string | undefined, available: readonly ToolSpec[] = TOOLS): ToolSpec[] {
  const parts = (selection ?? 'core')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const wanted = new Set<ToolSpec>();
  for (const part of parts.length === 0 ? ['core'] : parts) {
    if (part === 'all') available.forEach((t) => wanted.add(t));
    else if ((TOOL_GROUPS as readonly string[]).includes(part)) available.filter((t) => t.group === part).forEach((t) => wanted.add(t));
    else {
      const tool = available.find((t) => t.name === part);
      if (tool === undefined) {
        throw new McpServerError(
          'INVALID_TOOLS_OPTION',
          `--tools: ${JSON.stringify(part.slice(0, 60))} is neither a tool group nor a tool.`,
          {
            suggestions: [
              `Use all, or groups (${TOOL_GROUPS.join(', ')}) and tool names (${available.map((t) => t.name).join(', ')}), comma-separated: --tools core,planning`,
            ],
            details: { received: part.slice(0, 60) },
          },
        );
      }
      wanted.add(tool);
    }
  }
  return available.filter((t) => wanted.has(t));
}

function prepare(spec: ToolSpec, shape: CommandShape): PreparedTool {
  const params = [...shape.params, ...(spec.extraParams ?? [])].map((p) => ({ ...p, ...(spec.overrides?.[p.name] ?? {}) }));
  const schema = paramsSchema(params);
  const help = [shape.summary, shape.description].filter((s) => s !== undefined && s.trim() !== '').join('\n\n');
  const tool: Tool = {
    name: spec.name,
    title: spec.title,
    description: `${help}\n\nSame as \`spec-kitty ${shape.id} --json\`: the result is that command's JSON document; errors carry its code, message and hint.`,
    inputSchema: jsonSchemaOf(schema),
    annotations: { title: spec.title, readOnlyHint: spec.readOnly, destructiveHint: false, openWorldHint: false },
  };
  return { spec, params, schema, tool };
}

/** A tool error result: the CLI's `{"error": {...}}` document, flagged `isError`. */
function errorResult(body: ErrorBody): CallToolResult {
  const doc = { error: body };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(doc, null, 2) }], structuredContent: doc };
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for files not created yet). */
function realish(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realish(parent), path.basename(p));
  }
}

/** True when `target` (symlinks resolved) is `root` or inside it. */
function isInside(root: string, target: string): boolean {
  const rel = path.relative(realish(root), realish(target));
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Path inputs are resolved from the project root and must stay inside the project. */
function checkPaths(root: string, spec: ToolSpec, input: Record<string, unknown>): Record<string, unknown> {
  if (!spec.pathParams || spec.pathParams.length === 0) return input;
  const out = { ...input };
  for (const name of spec.pathParams) {
    const key = inputKey(name);
    const value = out[key];
    if (typeof value !== 'string') continue;
    const abs = path.resolve(root, value);
    if (!isInside(root, abs)) {
      throw new McpServerError(
        'PATH_OUTSIDE_PROJECT',
        `${key} ${JSON.stringify(value.slice(0, 200))} is outside the project ${root}; this server only reads files inside it.`,
        {
          suggestions: [
            `Write the file inside the project (for example under .kittify/ or the work package's worktree) and pass its path relative to ${root}.`,
          ],
          details: { argument: key, path: abs, root },
        },
      );
    }
    out[key] = abs;
  }
  return out;
}

/**
 * The kitty MCP server: the workflow commands as tools (each makes the same library call as its command and
 * answers with that command's `--json` document) and the planning files as read-only resources. Connect it to a
 * transport (`StdioServerTransport` in the CLI). Errors never stop it: a failing call is a tool error.
 */
export function createKittyMcpServer(options: KittyMcpServerOptions): Server {
  const { host } = options;
  const prepared = new Map<string, PreparedTool>();
  for (const spec of selectTools(options.tools)) {
    const shape = options.commands.get(spec.command);
    if (shape !== undefined) prepared.set(spec.name, prepare(spec, shape));
  }
  const server = new Server(
    { name: 'spec-kitty', title: 'spec-kitty', version: options.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions: [
        `spec-kitty for the project at ${host.projectRoot}.`,
        'The loop: tasks_status (or tasks_list) to see the board, workflow_implement to claim a work package and get its workspace and prompt, commit your work in the workspace, tasks_mark_status for finished subtasks, tasks_move to for_review; reviewers use workflow_review, then tasks_move to done (or back to planned with review feedback).',
        "Each tool answers with the JSON document of the spec-kitty command it names; errors are tool errors with code, message and hint. Resources: kitty://features and each feature's spec, plan, tasks and work-package prompts.",
      ].join('\n'),
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...prepared.values()].map((p) => p.tool) }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const name = request.params.name;
    try {
      const tool = prepared.get(name);
      if (tool === undefined) {
        const offered = [...prepared.keys()];
        const hidden = TOOLS.some((t) => t.name === name);
        throw new McpServerError(
          'UNKNOWN_TOOL',
          `No tool ${JSON.stringify(name.slice(0, 80))} on this server${hidden ? ' (it exists but was not enabled)' : ''}.`,
          {
            suggestions: [
              hidden ? `Start the server with --tools all (or --tools ${name}) to enable it.` : `Tools offered: ${offered.join(', ')}.`,
            ],
            details: { tool: name.slice(0, 80), offered },
          },
        );
      }
      const input = checkPaths(host.projectRoot, tool.spec, parseInput(name, tool.params, tool.schema, request.params.arguments));
      const outcome = await tool.spec.run(input, host);
      const { json, notes } = host.resultJson(outcome.result);
      return {
        ...(outcome.failed ? { isError: true } : {}),
        content: [
          { type: 'text', text: JSON.stringify(json, null, 2) },
          ...notes.map((n) => ({ type: 'text' as const, text: `note: ${n}` })),
        ],
        structuredContent: JSON.parse(JSON.stringify(json)) as Record<string, unknown>,
      };
    } catch (err) {
      return errorResult(host.describeError(err));
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await listResources(host.projectRoot) }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: RESOURCE_TEMPLATES.map((t) => ({ ...t })) }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    try {
      return { contents: [await readResource(host.projectRoot, request.params.uri)] };
    } catch (err) {
      const body = host.describeError(err);
      // Resource reads have no tool-error form: a JSON-RPC error carrying the same body.
      throw new McpError(
        isMcpServerError(err) && err.code === 'UNKNOWN_RESOURCE' ? ErrorCode.InvalidParams : ErrorCode.InternalError,
        body.message,
        body,
      );
    }
  });
  return server;
}
