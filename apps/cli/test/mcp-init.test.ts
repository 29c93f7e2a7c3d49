import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { cleanupTempDirs } from '@kitty/test-utils';
import { json, workflowSandbox } from './workflow-sandbox.js';

// Issue 20: `init --ai …` registers `spec-kitty mcp` in each agent's project MCP config, merging with what is there.
afterAll(cleanupTempDirs);

const FILES: Record<string, { file: string; servers: string }> = {
  claude: { file: '.mcp.json', servers: 'mcpServers' },
  cursor: { file: '.cursor/mcp.json', servers: 'mcpServers' },
  gemini: { file: '.gemini/settings.json', servers: 'mcpServers' },
  copilot: { file: '.vscode/mcp.json', servers: 'servers' },
  qwen: { file: '.qwen/settings.json', servers: 'mcpServers' },
  opencode: { file: 'opencode.json', servers: 'mcp' },
  kilocode: { file: '.kilocode/mcp.json', servers: 'mcpServers' },
  roo: { file: '.roo/mcp.json', servers: 'mcpServers' },
  q: { file: '.amazonq/mcp.json', servers: 'mcpServers' },
};
const AGENTS = 'claude,cursor,gemini,copilot,qwen,opencode,kilocode,roo,q,codex,windsurf';

/** A config file as data; JSONC (comments, trailing commas) is what these agents accept. */
const read = (file: string): Record<string, any> => {
  const errors: unknown[] = [];
  const data = parse(readFileSync(file, 'utf8'), errors as never[], { allowTrailingComma: true }) as Record<string, any>;
  expect(errors).toEqual([]);
  return data;
};

describe('init registers the MCP server for agents with a project MCP config', () => {
  it('writes a valid config per agent, merges with existing files, does not duplicate on re-run, and --no-mcp skips', async () => {
    const { project, kitty, git } = workflowSandbox('kitty-mcp-init-');
    // The user's own files: an .mcp.json with another server and a VS Code mcp.json with comments and inputs.
    writeFileSync(path.join(project, '.mcp.json'), JSON.stringify({ mcpServers: { db: { command: 'db-mcp', args: ['--ro'] } } }, null, 4));
    mkdirSync(path.join(project, '.vscode'));
    const vscode =
      '{\n\t// my servers\n\t"inputs": [{ "type": "promptString", "id": "key" }],\n\t"servers": {\n\t\t"github": { "type": "http", "url": "https://example.invalid/mcp" },\n\t},\n}\n';
    writeFileSync(path.join(project, '.vscode/mcp.json'), vscode);
    mkdirSync(path.join(project, '.gemini'));
    writeFileSync(path.join(project, '.gemini/settings.json'), '{ "theme": "GitHub" }\n');

    const first = await kitty(['init', '--here', '--ai', AGENTS, '--non-interactive', '--force', '--json']);
    expect(first.code).toBe(0);
    const written = json(first)['files_written'] as string[];
    for (const [agent, { file, servers }] of Object.entries(FILES)) {
      expect([agent, written]).toEqual([agent, expect.arrayContaining([file])]);
      const entry = read(path.join(project, file))[servers]['spec-kitty'];
      if (agent === 'opencode') expect(entry).toEqual({ type: 'local', command: ['spec-kitty', 'mcp'], enabled: true });
      else expect(entry).toMatchObject({ command: 'spec-kitty', args: ['mcp'] });
    }
    expect(read(path.join(project, '.vscode/mcp.json'))['servers']['spec-kitty']).toEqual({
      type: 'stdio',
      command: 'spec-kitty',
      args: ['mcp'],
    });
    // Agents that only keep MCP servers per user get nothing in the project.
    expect(existsSync(path.join(project, '.codex/config.toml'))).toBe(false);
    expect(existsSync(path.join(project, '.windsurf/mcp_config.json'))).toBe(false);

    // The user's entries, keys and comments are kept.
    expect(read(path.join(project, '.mcp.json'))['mcpServers']).toEqual({
      db: { command: 'db-mcp', args: ['--ro'] },
      'spec-kitty': { type: 'stdio', command: 'spec-kitty', args: ['mcp'] },
    });
    expect(readFileSync(path.join(project, '.mcp.json'), 'utf8')).toContain('\n    "mcpServers"'); // their indentation
    const vs = readFileSync(path.join(project, '.vscode/mcp.json'), 'utf8');
    expect(vs).toContain('// my servers');
    expect(read(path.join(project, '.vscode/mcp.json'))).toMatchObject({ inputs: [{ id: 'key' }], servers: { github: { type: 'http' } } });
    expect(read(path.join(project, '.gemini/settings.json'))).toMatchObject({
      theme: 'GitHub',
      mcpServers: { 'spec-kitty': { command: 'spec-kitty' } },
    });
    // Committed when git does not ignore them (agent directories are ignored by init's .gitignore).
    expect(git(['ls-files', '.mcp.json', '.vscode/mcp.json', 'opencode.json']).trim().split('\n')).toEqual([
      '.mcp.json',
      '.vscode/mcp.json',
      'opencode.json',
    ]);

    // A re-run changes nothing and adds no second entry; neither does an entry the user renamed.
    const snapshot = Object.fromEntries(Object.values(FILES).map(({ file }) => [file, readFileSync(path.join(project, file), 'utf8')]));
    const again = await kitty(['init', '--here', '--ai', AGENTS, '--non-interactive', '--json']);
    expect(again.code).toBe(0);
    expect(json(again)).toMatchObject({ files_written: [], commit_created: false });
    for (const [file, text] of Object.entries(snapshot))
      expect([file, readFileSync(path.join(project, file), 'utf8')]).toEqual([file, text]);
    const cursor = path.join(project, '.cursor/mcp.json');
    writeFileSync(cursor, JSON.stringify({ mcpServers: { kitty: { command: '/opt/bin/spec-kitty', args: ['mcp', '--tools', 'all'] } } }));
    expect((await kitty(['init', '--here', '--ai', 'cursor', '--non-interactive', '--json'])).code).toBe(0);
    expect(Object.keys(read(cursor)['mcpServers'])).toEqual(['kitty']);

    // A malformed config is left alone with a note; init still succeeds.
    const roo = path.join(project, '.roo/mcp.json');
    writeFileSync(roo, '{ "mcpServers": ');
    const broken = await kitty(['init', '--here', '--ai', 'roo', '--non-interactive', '--json']);
    expect(broken.code).toBe(0);
    expect(readFileSync(roo, 'utf8')).toBe('{ "mcpServers": ');
    expect(broken.stderr).toContain('.roo/mcp.json:1:');
  }, 120_000);

  it('--no-mcp writes no MCP config', async () => {
    const { project, kitty } = workflowSandbox('kitty-mcp-init-no-');
    const r = await kitty(['init', '--here', '--ai', 'claude,cursor,copilot', '--non-interactive', '--no-mcp', '--json']);
    expect(r.code).toBe(0);
    for (const f of ['.mcp.json', '.cursor/mcp.json', '.vscode/mcp.json'])
      expect([f, existsSync(path.join(project, f))]).toEqual([f, false]);
  }, 60_000);
});
