import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { agentSandbox, explain, oneJson } from './agent-shell.js';

describe('agent config list|status|add|remove|sync', () => {
  it('adds and removes agents with their command files, each in one commit, and reports their state', async () => {
    const sb = agentSandbox('kitty-agent-config-');
    sb.git(['init', '-q', '-b', 'main']);
    sb.git(['commit', '-q', '--allow-empty', '-m', 'start']);
    const ok = async (cmd: string): Promise<Record<string, any>> => {
      const r = await sb.sh(cmd);
      if (r.code !== 0) throw new Error(explain(r));
      const doc = oneJson(r.stdout);
      if (doc === null) throw new Error(`not one JSON document:\n${explain(r)}`);
      return doc;
    };
    await ok('spec-kitty init --here --ai claude --non-interactive --force --ignore-agent-tools --json');
    const added = await ok('spec-kitty agent config add codex gemini --json');
    expect(added['available']).toEqual(['claude', 'codex', 'gemini']);
    expect(added['changed']).toEqual(['codex', 'gemini']);
    expect(readdirSync(path.join(sb.project, '.gemini/commands'))).toHaveLength(18);
    const removed = await ok('spec-kitty agent config remove gemini --json');
    expect(removed['available']).toEqual(['claude', 'codex']);
    expect(existsSync(path.join(sb.project, '.gemini/commands/spec-kitty.implement.toml'))).toBe(false);
    const status = await ok('spec-kitty agent config status --json');
    expect(status['agents'].map((a: { key: string; missing_files: string[] }) => [a.key, a.missing_files.length])).toEqual([
      ['claude', 0],
      ['codex', 0],
    ]);
    await ok('spec-kitty agent config sync --json');
    expect((await ok('spec-kitty agent config list --json'))['available']).toEqual(['claude', 'codex']);
    expect(sb.git(['status', '--porcelain'])).toBe('');
    const bad = await sb.sh('spec-kitty agent config add nobody --json');
    expect(bad.code).not.toBe(0);
    expect(oneJson(bad.stdout)?.['error']?.['code']).toBe('INVALID_AGENTS');
  }, 300_000);
});
