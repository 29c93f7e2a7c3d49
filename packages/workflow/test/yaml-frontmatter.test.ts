import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { WorkflowError, PlanningFileError } from '../src/index.js';
import { editYaml } from '../src/files/yaml-edit.js';
import { parseFrontmatter, updateFrontmatter } from '../src/files/frontmatter.js';

const FM = `work_package_id: "WP01"
title: Setup   # trailing comment
lane: 'planned'
dependencies:
  - WP02
# a comment about subtasks
subtasks:
- "T001"
phase: Phase 1 - Setup
`;

describe('editYaml: minimal textual changes', () => {
  it('rewrites only the block list it changes, keeping comments, quotes and layout elsewhere', () => {
    const out = editYaml(FM, [{ path: ['dependencies'], value: ['WP03', 'WP04'] }]);
    expect(out).toBe(FM.replace('  - WP02\n', '  - WP03\n  - WP04\n'));
  });

  it('turns a block list into [] when emptied', () => {
    expect(editYaml(FM, [{ path: ['dependencies'], value: [] }])).toBe(FM.replace('dependencies:\n  - WP02\n', 'dependencies: []\n'));
  });

  it('inserts a missing key right after the preferred sibling as a flow list', () => {
    const without = FM.replace('dependencies:\n  - WP02\n', '');
    const out = editYaml(without, [{ path: ['dependencies'], value: ['WP03'], after: ['lane'] }]);
    expect(out).toBe(without.replace("lane: 'planned'\n", "lane: 'planned'\ndependencies: [WP03]\n"));
  });

  it('replaces a string written by the old CLI ("[\'WP01\']") with a real list', () => {
    const bad = FM.replace('dependencies:\n  - WP02\n', 'dependencies: "[\'WP01\']"\n');
    const out = editYaml(bad, [{ path: ['dependencies'], value: ['WP01'] }]);
    expect(parse(out).dependencies).toEqual(['WP01']);
    expect(out).toContain('dependencies: [WP01]\n');
  });

  it('returns the very same text when the value is already right (no needless write)', () => {
    expect(editYaml(FM, [{ path: ['dependencies'], value: ['WP02'] }])).toBe(FM);
    const flow = 'a: 1\ndependencies: [WP01, WP02]   # keep\n';
    expect(editYaml(flow, [{ path: ['dependencies'], value: ['WP01', 'WP02'] }])).toBe(flow);
  });

  it('keeps CRLF line endings', () => {
    const out = editYaml('a: 1\r\nb: [x]\r\n', [
      { path: ['b'], value: ['u', 'v'] },
      { path: ['c'], value: 'hello' },
    ]);
    expect(out).toBe('a: 1\r\nb: [u, v]\r\nc: hello\r\n');
  });

  it('builds nested keys in an empty document and under an empty parent', () => {
    const out = editYaml('', [
      { path: ['vcs', 'type'], value: 'git' },
      { path: ['agents', 'available'], value: ['claude', 'codex'] },
      { path: ['agents', 'selection', 'preferred_implementer'], value: 'claude' },
    ]);
    expect(parse(out)).toEqual({
      vcs: { type: 'git' },
      agents: { available: ['claude', 'codex'], selection: { preferred_implementer: 'claude' } },
    });
    const under = editYaml('project:\n# keep me\nother: 1\n', [{ path: ['project', 'uuid'], value: 'u-1' }]);
    expect(under).toBe('project:\n  uuid: u-1\n# keep me\nother: 1\n');
  });

  it('quotes strings that would read back as something else (YAML 1.1 booleans, numbers, colons)', () => {
    const out = editYaml('a: 1\n', [
      { path: ['b'], value: 'yes' },
      { path: ['c'], value: '010' },
      { path: ['d'], value: 'x: y' },
      { path: ['e'], value: ['on', 'a,b'] },
    ]);
    expect(parse(out)).toEqual({ a: 1, b: 'yes', c: '010', d: 'x: y', e: ['on', 'a,b'] });
    expect(out).toContain('b: "yes"');
  });

  it('keeps the quote style of a scalar it replaces', () => {
    expect(editYaml("lane: 'planned'\n", [{ path: ['lane'], value: 'for_review' }])).toBe("lane: 'for_review'\n");
    expect(editYaml('lane: "planned" # c\n', [{ path: ['lane'], value: 'done' }])).toBe('lane: "done" # c\n');
  });

  it('refuses malformed YAML instead of guessing', () => {
    expect(() => editYaml('a: [\n', [{ path: ['a'], value: 1 }])).toThrow(WorkflowError);
  });
});

describe('parseFrontmatter: malformed input is reported as path:line:col, nothing runs', () => {
  const bad = (text: string) => {
    const r = parseFrontmatter(text, 'tasks/WP01-x.md');
    if (r.ok) throw new Error('expected problems');
    return r.problems;
  };

  it('parses a normal block and its body', () => {
    const r = parseFrontmatter('---\nwork_package_id: WP01\n---\n# Body\n', 'x.md');
    expect(r.ok && r.value.data).toEqual({ work_package_id: 'WP01' });
    expect(r.ok && r.value.body).toBe('# Body\n');
  });

  it('no closing fence', () => {
    expect(bad('---\na: 1\nb: 2\n')).toMatchObject([{ code: 'UNCLOSED_FRONTMATTER', line: 1, col: 1, path: 'tasks/WP01-x.md' }]);
  });

  it('a ---js fence (gray-matter code execution) is refused, not evaluated', () => {
    expect(bad('---js\n{ a: require("fs") }\n---\n')).toMatchObject([{ code: 'BAD_FENCE', line: 1 }]);
  });

  it('tabs as indentation', () => {
    expect(bad('---\na:\n\tb: 1\n---\n')).toMatchObject([{ code: 'TAB_AS_INDENT', line: 3, col: 1 }]);
  });

  it('duplicate keys', () => {
    expect(bad('---\nlane: planned\nlane: done\n---\n')).toMatchObject([{ code: 'DUPLICATE_KEY', line: 3, col: 1 }]);
  });

  it('custom tags such as !!js/function are not resolved', () => {
    expect(bad('---\nx: !!js/function "function(){}"\n---\n')).toMatchObject([{ code: 'TAG_RESOLVE_FAILED', line: 2, col: 4 }]);
  });

  it('alias bombs stop at the alias limit', () => {
    const lines = ['---', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    lines.push('---', '');
    expect(bad(lines.join('\n'))[0]?.code).toBe('ALIAS_LIMIT');
  });

  it('a list instead of a mapping', () => {
    expect(bad('---\n- a\n- b\n---\n')).toMatchObject([{ code: 'NOT_A_MAPPING', line: 2, col: 1 }]);
  });

  it('missing frontmatter', () => {
    expect(bad('# Just a body\n')).toMatchObject([{ code: 'MISSING_FRONTMATTER', line: 1 }]);
  });

  it('reads CRLF files', () => {
    const r = parseFrontmatter('---\r\nlane: planned\r\n---\r\nbody\r\n', 'x.md');
    expect(r.ok && r.value.data).toEqual({ lane: 'planned' });
  });
});

describe('updateFrontmatter', () => {
  it('changes only the frontmatter lines concerned and leaves the body alone', () => {
    const text = `---\n${FM}---\n# Body with --- inside\n\n## Activity Log\n`;
    const out = updateFrontmatter(text, [{ path: ['dependencies'], value: [] }], 'x.md');
    expect(out).toBe(text.replace('dependencies:\n  - WP02\n', 'dependencies: []\n'));
  });

  it('throws INVALID_FRONTMATTER with positions for a malformed block', () => {
    try {
      updateFrontmatter('---\na: 1\na: 2\n---\n', [{ path: ['b'], value: 1 }], 'x.md');
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(PlanningFileError);
      expect((err as PlanningFileError).code).toBe('INVALID_FRONTMATTER');
      expect((err as PlanningFileError).message).toContain('x.md:3:1:');
    }
  });
});
