import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { repoRoot, runCli } from './helpers.js';

afterAll(cleanupTempDirs);
const fixture = (name: string) => path.join(repoRoot, 'fixtures/events/spec-kitty@v2.0.0/contracts/fixtures', name);

describe('spec-kitty app shell', () => {
  it('prints its version', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^spec-kitty\/\d+\.\d+\.\d+ /);
  });

  it('prints help listing the command groups from plugins', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('USAGE');
    expect(r.stdout).toContain('$ spec-kitty');
    expect(r.stdout).toMatch(/events\s+Inspect the lane model/);
  });

  it('exits 2 with a clear message for an unknown command', () => {
    const r = runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('`spec-kitty no-such-command` is not a spec-kitty command.');
    expect(r.stderr).toContain('spec-kitty --help');
  });

  it('a mistyped command suggests the closest one with the same arguments, which runs as written', () => {
    const r = runCli(['agent', 'taks', 'list-task', '--feature', '001-x', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'UNKNOWN_COMMAND',
        message: '`spec-kitty agent taks list-task` is not a spec-kitty command. Did you mean `spec-kitty agent tasks list-tasks`?',
        hint: 'spec-kitty agent tasks list-tasks --feature 001-x --json',
        suggestions: ['spec-kitty agent tasks list-tasks --feature 001-x --json', 'spec-kitty agent --help'],
      },
    });
    // A command word followed by its argument: the argument stays an argument.
    const typo = runCli(['implment', 'WP01', '--agent', 'claude']);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr.replace(/\s*\n ›\s+/g, ' ')).toContain('Did you mean `spec-kitty implement`?');
    expect(typo.stderr).toContain('spec-kitty implement WP01 --agent claude');
    // Words under a known topic that are nothing like its commands: the topic's help.
    const far = runCli(['agent', 'frobnicate', '--json']);
    expect(JSON.parse(far.stdout).error.suggestions).toEqual(['spec-kitty agent --help']);
    // The suggested command line is understood by the parser (it fails on the missing project, not on its words).
    const again = runCli(['agent', 'tasks', 'list-tasks', '--feature', '001-x', '--json'], { cwd: tempDir({}, 'kitty-typo-') });
    expect(JSON.parse(again.stdout).error.code).not.toBe('UNKNOWN_COMMAND');
  });
});

describe('spec-kitty events lanes', () => {
  it('shows the lane model for humans', () => {
    const r = runCli(['events', 'lanes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/claimed\s+→ doing/);
    expect(r.stdout).toMatch(/canceled\s+→ done/);
  });

  it('prints exactly one JSON document with --json', () => {
    const r = runCli(['events', 'lanes', '--json', '--lane-model', '7-lane']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { lanes: string[]; sync_lanes: Record<string, string>; transitions: Record<string, object> };
    expect(doc.lanes).toHaveLength(7);
    expect(doc.sync_lanes['claimed']).toBe('claimed');
    expect(Object.keys(doc.transitions['for_review'] ?? {})).toContain('planned');
  });

  it('rejects an unknown lane model as a usage error', () => {
    const r = runCli(['events', 'lanes', '--lane-model', '5-lane', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'USAGE' } });
  });
});

describe('spec-kitty events validate', () => {
  it('accepts the spec-kitty 2.0 wire fixtures under the legacy-cli contract', () => {
    for (const f of ['fixture_01_single_wp_status_changed.json', 'fixture_02_mixed_batch.json']) {
      const r = runCli(['events', 'validate', fixture(f), '--contract', 'legacy-cli', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ format: 'batch', invalid: 0 });
    }
  });

  it('lists field, rule and value for invalid events and exits 2', () => {
    const r = runCli(['events', 'validate', fixture('fixture_04_rejected_event.json'), '--contract', 'legacy-cli']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('payload.error_type');
    const j = runCli(['events', 'validate', fixture('fixture_04_rejected_event.json'), '--contract', 'legacy-cli', '--json']);
    const doc = JSON.parse(j.stdout) as { records: { issues: { path: string }[] }[] };
    expect(doc.records[0]?.issues[0]?.path).toBe('payload.error_type');
  });

  it('reads JSON Lines from standard input and reports unparseable lines', () => {
    const r = runCli(['events', 'validate', '-', '--json'], { input: '{"event_id": 1}\nnot json\n' });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { format: string; total: number; invalid: number };
    expect(doc).toMatchObject({ format: 'jsonl', total: 2, invalid: 2 });
  });

  it('reports a missing file as a typed JSON error', () => {
    const dir = tempDir();
    const r = runCli(['events', 'validate', path.join(dir, 'missing.json'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'INPUT_NOT_READABLE', hint: expect.any(String) } });
    expect(r.stderr).toBe('');
  });

  it('exits 2 for an empty input', () => {
    const dir = tempDir();
    const empty = path.join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(runCli(['events', 'validate', empty]).code).toBe(2);
  });
});
