import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyEdits, modify, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { agentSpec } from './agents.js';
import { positionOf } from '../files/files.js';

/** The name spec-kitty's server is registered under in every MCP config. */
export const MCP_SERVER_NAME = 'spec-kitty';
/** The command line MCP clients run (spec-kitty on PATH; the project is the directory the client starts it in). */
export const MCP_SERVER_COMMAND: readonly string[] = Object.freeze(['spec-kitty', 'mcp']);

/** Where and how one agent reads a project MCP config. */
export interface McpConfigFormat {
  readonly agent: string;
  /** Path relative to the project root, forward slashes. */
  readonly relPath: string;
  /** The top-level key holding the servers by name. */
  readonly container: 'mcpServers' | 'servers' | 'mcp';
  /** Our entry in that file's format. */
  readonly entry: Readonly<Record<string, unknown>>;
  /** Top-level keys a new file starts with (besides the container). */
  readonly preamble?: Readonly<Record<string, unknown>>;
}

const [command, ...args] = MCP_SERVER_COMMAND as [string, ...string[]];
const stdio = (agent: string, relPath: string, extra: Record<string, unknown> = {}): McpConfigFormat => ({
  agent,
  relPath,
  container: 'mcpServers',
  entry: { ...extra, command, args },
});

/**
 * The agents that read an MCP config from the project, with its file and format. Agents missing here keep MCP
 * servers only in a per-user file (Windsurf, Codex CLI, Auggie), which `init` does not touch.
 */
export const MCP_CONFIG_FORMATS: readonly McpConfigFormat[] = Object.freeze([
  // Claude Code: project scope, shared through git.
  stdio('claude', '.mcp.json', { type: 'stdio' }),
  // VS Code (GitHub Copilot agent mode): "servers", with an explicit transport type.
  { agent: 'copilot', relPath: '.vscode/mcp.json', container: 'servers', entry: { type: 'stdio', command, args } },
  stdio('gemini', '.gemini/settings.json'),
  stdio('cursor', '.cursor/mcp.json'),
  stdio('qwen', '.qwen/settings.json'),
  // opencode: "mcp", a local server with the command as one array.
  {
    agent: 'opencode',
    relPath: 'opencode.json',
    container: 'mcp',
    entry: { type: 'local', command: [...MCP_SERVER_COMMAND], enabled: true },
    preamble: { $schema: 'https://opencode.ai/config.json' },
  },
  stdio('kilocode', '.kilocode/mcp.json'),
  stdio('roo', '.roo/mcp.json'),
  stdio('q', '.amazonq/mcp.json'),
]);

/** The project MCP config format of an agent key, or undefined when the agent has none. */
export function mcpConfigFormat(agent: string): McpConfigFormat | undefined {
  const key = agentSpec(agent)?.key ?? agent;
  return MCP_CONFIG_FORMATS.find((f) => f.agent === key);
}

/** One file to write: where, and its new text. */
export interface McpConfigWrite {
  readonly agent: string;
  /** Absolute path. */
  readonly path: string;
  readonly relPath: string;
  readonly content: string;
}

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false } as const;

/** True when a server entry already runs `spec-kitty mcp` (under any name). */
function runsUs(entry: unknown): boolean {
  if (entry === null || typeof entry !== 'object') return false;
  const e = entry as { command?: unknown; args?: unknown };
  const words = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v]);
  const line = [...words(e.command), ...(Array.isArray(e.args) ? (e.args as unknown[]) : [])].filter(
    (x): x is string => typeof x === 'string',
  );
  const i = line.findIndex((w) => /(^|[/\\])(spec-kitty|kitty)(\.cmd|\.exe)?$/.test(w));
  return i >= 0 && line[i + 1] === 'mcp';
}

/**
 * Adds spec-kitty's server to one MCP config text and returns the new text, or `null` when nothing needs to
 * change: an entry named spec-kitty (or any entry running `spec-kitty mcp`) is left exactly as the user has it.
 * Comments, formatting and every other key are kept (JSONC edits). A file that is not a JSON object is not
 * touched: the result then carries a note instead.
 */
export function mergeMcpConfig(text: string | null, format: McpConfigFormat): { text: string | null; note: string | null } {
  if (text === null || text.trim() === '') {
    const doc = { ...(format.preamble ?? {}), [format.container]: { [MCP_SERVER_NAME]: format.entry } };
    return { text: `${JSON.stringify(doc, null, 2)}\n`, note: null };
  }
  const errors: ParseError[] = [];
  const data: unknown = parse(text, errors, PARSE_OPTIONS);
  if (errors.length > 0 || data === null || typeof data !== 'object' || Array.isArray(data)) {
    const first = errors[0];
    const where =
      first === undefined
        ? ''
        : (({ line, col }) => `:${line}:${col}: ${printParseErrorCode(first.error)}`)(positionOf(text, first.offset));
    return {
      text: null,
      note: `${format.relPath}${where}: not a JSON object, so the spec-kitty MCP server was not added to it. Fix the file and run init again, or add the server by hand (${MCP_SERVER_COMMAND.join(' ')}).`,
    };
  }
  const servers = (data as Record<string, unknown>)[format.container];
  if (servers !== undefined && (servers === null || typeof servers !== 'object' || Array.isArray(servers))) {
    return {
      text: null,
      note: `${format.relPath}: "${format.container}" is not an object, so the spec-kitty MCP server was not added to it.`,
    };
  }
  const existing = (servers ?? {}) as Record<string, unknown>;
  if (MCP_SERVER_NAME in existing || Object.values(existing).some(runsUs)) return { text: null, note: null };
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^( +|\t)"/m.exec(text)?.[1] ?? '  ';
  const edits = modify(text, [format.container, MCP_SERVER_NAME], format.entry, {
    formattingOptions: { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol },
  });
  const out = applyEdits(text, edits);
  return { text: out.endsWith('\n') ? out : `${out}${eol}`, note: null };
}

/**
 * The MCP config files `init` writes for `agents` in the project at `root`: for each agent with a project MCP
 * config, spec-kitty's server merged into the file that is there (see {@link mergeMcpConfig}). Only files that
 * change are returned, so a re-run returns none. Two agents sharing a file would get one entry.
 */
export function planMcpConfigs(root: string, agents: readonly string[]): { files: McpConfigWrite[]; notes: string[] } {
  const files: McpConfigWrite[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const agent of agents) {
    const format = mcpConfigFormat(agent);
    if (format === undefined || seen.has(format.relPath)) continue;
    seen.add(format.relPath);
    const file = path.join(root, ...format.relPath.split('/'));
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        notes.push(`${format.relPath}: could not be read (${(err as Error).message}); the spec-kitty MCP server was not added to it.`);
        continue;
      }
    }
    const merged = mergeMcpConfig(text, format);
    if (merged.note !== null) notes.push(merged.note);
    if (merged.text !== null) files.push({ agent: format.agent, path: file, relPath: format.relPath, content: merged.text });
  }
  return { files, notes };
}
