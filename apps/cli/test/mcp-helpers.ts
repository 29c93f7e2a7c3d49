import { expect } from '@jest/globals';
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { bin } from './helpers.js';

/** A connected MCP client talking to `spec-kitty mcp` started from the built CLI, and the server's stderr. */
export interface McpSession {
  readonly client: Client;
  readonly stderr: () => string;
  /** Calls a tool; never throws for tool errors (they come back with isError). */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Starts `node apps/cli/bin/run.js mcp ...args` as a child process and connects the SDK's client over stdio. */
export async function startMcp(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<McpSession> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...options.env })) if (v !== undefined) env[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', ...args],
    cwd: options.cwd,
    env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'kitty-test', version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    call: async (name, a = {}) => (await client.callTool({ name, arguments: a }, undefined, { timeout: 60_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

/** The JSON document of a tool result (its structured content), checked against its text content. */
export function toolJson(r: CallToolResult): Record<string, any> {
  const text = (r.content[0] as { type: string; text: string }).text;
  expect(JSON.parse(text)).toEqual(r.structuredContent);
  return r.structuredContent as Record<string, any>;
}

/**
 * Replaces what legitimately differs between two runs of the same steps: the sandbox root, timestamps, ULIDs,
 * UUIDs, commit hashes and process ids.
 */
export function normalizer(root: string): (text: string) => string {
  const roots = [...new Set([root, realpathSync(root)])].sort((a, b) => b.length - a.length);
  return (text) => {
    let t = text;
    for (const r of roots) t = t.split(r).join('<ROOT>');
    return (
      t
        .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, '<TS>')
        .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<ULID>')
        .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<UUID>')
        .replace(/\b[0-9a-f]{40}\b/g, '<SHA>')
        // Short hashes: a mix of letters and digits, or the 12 characters kitty prints (which may be all digits).
        .replace(/\b[0-9a-f]{7,12}\b/g, (m) => (m.length === 12 || (/[a-f]/.test(m) && /\d/.test(m)) ? '<SHORT>' : m))
        .replace(/(shell_pid\\?"?\s*[:=]\s*\\?"?)\d+/g, '$1<PID>')
    );
  };
}

/** A JSON value with {@link normalizer} applied to every string (and numbers under pid keys). */
export function normalizeJson(value: unknown, norm: (t: string) => string): unknown {
  return JSON.parse(norm(JSON.stringify(value)), (k, v) => (typeof v === 'number' && /pid$/.test(k) ? '<PID>' : v));
}

/** Every file of a directory tree except .git, relative path → normalized text. */
export function treeOf(dir: string, norm: (t: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name === '.git') continue;
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[path.relative(dir, p).split(path.sep).join('/')] = norm(readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}
