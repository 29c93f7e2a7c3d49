import { describe, expect, it } from '@jest/globals';
import { parse } from 'jsonc-parser';
import { AGENTS, MCP_CONFIG_FORMATS, mcpConfigFormat, mergeMcpConfig } from '../src/index.js';

const claude = mcpConfigFormat('claude')!;
const copilot = mcpConfigFormat('github-copilot')!;

describe('MCP config merge (init registers spec-kitty mcp)', () => {
  it('knows a project config for the agents that read one, and none for per-user-only agents', () => {
    expect(MCP_CONFIG_FORMATS.map((f) => f.agent).every((a) => AGENTS.some((s) => s.key === a))).toBe(true);
    expect(mcpConfigFormat('codex')).toBeUndefined();
    expect(mcpConfigFormat('windsurf')).toBeUndefined();
    expect(copilot).toMatchObject({ relPath: '.vscode/mcp.json', container: 'servers' });
  });

  it('creates a file, adds to an existing one keeping other servers, keys and comments, and is idempotent', () => {
    const created = mergeMcpConfig(null, claude).text as string;
    expect(JSON.parse(created)).toEqual({ mcpServers: { 'spec-kitty': { type: 'stdio', command: 'spec-kitty', args: ['mcp'] } } });
    expect(mergeMcpConfig(created, claude)).toEqual({ text: null, note: null });

    const mine = '{\r\n  // team servers\r\n  "inputs": [],\r\n  "servers": { "db": { "command": "db" } },\r\n}\r\n';
    const merged = mergeMcpConfig(mine, copilot).text as string;
    expect(merged).toContain('// team servers');
    expect(merged.split('\n').every((l) => l === '' || l.endsWith('\r'))).toBe(true);
    expect(parse(merged, [], { allowTrailingComma: true })).toEqual({
      inputs: [],
      servers: { db: { command: 'db' }, 'spec-kitty': { type: 'stdio', command: 'spec-kitty', args: ['mcp'] } },
    });
    expect(mergeMcpConfig(merged, copilot).text).toBeNull();
  });

  it('keeps an entry the user already has for spec-kitty, under any name', () => {
    expect(
      mergeMcpConfig('{"mcpServers":{"spec-kitty":{"command":"/opt/spec-kitty","args":["mcp","--tools","all"]}}}', claude).text,
    ).toBeNull();
    expect(mergeMcpConfig('{"mcpServers":{"sk":{"command":"kitty","args":["mcp"]}}}', claude).text).toBeNull();
    expect(mergeMcpConfig('{"mcpServers":{"other":{"command":"kitty","args":["sync"]}}}', claude).text).toContain('"spec-kitty"');
  });

  it('leaves a malformed file alone with a note naming where it breaks', () => {
    expect(mergeMcpConfig('{\n  "mcpServers": [\n', claude)).toEqual({
      text: null,
      note: expect.stringMatching(/^\.mcp\.json:\d+:\d+: \w+: not a JSON object/),
    });
    expect(mergeMcpConfig('[1, 2]', claude).note).toContain('not a JSON object');
    expect(mergeMcpConfig('{"mcpServers": "none"}', claude).note).toContain('"mcpServers" is not an object');
  });
});
