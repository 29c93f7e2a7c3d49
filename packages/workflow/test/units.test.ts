import { describe, expect, it } from '@jest/globals';
import toml from '@iarna/toml';
import { AGENTS, agentSpec, parseAgentList, parseTasksMd, renderAgentCommand, validateFeatureSlug, WorkflowError } from '../src/index.js';
import { addIgnoreEntries, GITIGNORE_ENTRIES, GITIGNORE_MARKER } from '../src/planning/gitignore.js';
import { deriveProjectSlug, parseRepoSlug } from '../src/project/config.js';
import { topologicalOrder, validateDependencyGraph } from '../src/tasks/graph.js';
import { validateFeatureRef } from '../src/project/slugs.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as WorkflowError).code;
  }
  return undefined;
};

describe('validateFeatureSlug (allowlist before any file system call)', () => {
  it.each(['user-auth', 'api-v2', 'a', 'x1-y2-z3'])('accepts %s', (slug) => {
    expect(validateFeatureSlug(slug)).toBe(slug);
  });

  it.each([
    ['../x', 'path separator'],
    ['..\\x', 'path separator'],
    ['/etc/passwd', 'path separator'],
    ['a/../../b', 'path separator'],
    ['%2e%2e', 'URL-encoded'],
    ['foo\0bar', 'control character'],
    ['a'.repeat(300), 'characters long'],
    ['con', 'reserved device name'],
    ['nul', 'reserved device name'],
    ['lpt1', 'reserved device name'],
    ['auth.', 'trailing'],
    ['auth ', 'trailing'],
    ['uѕer-auth', 'non-ASCII'], // Cyrillic "ѕ"
    ['User_Auth', 'upper-case'],
    ['user_auth', 'underscores'],
    ['-auth', 'start with a lowercase letter'],
    ['auth-', 'trailing hyphen'],
    ['a--b', 'doubled'],
    ['001-auth', 'feature number'],
    ['C:evil', 'drive letter'],
  ])('rejects %j (%s)', (slug, reason) => {
    try {
      validateFeatureSlug(slug);
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(WorkflowError);
      expect((err as WorkflowError).code).toBe('INVALID_FEATURE_SLUG');
      expect((err as WorkflowError).message).toContain(reason);
    }
  });

  it('shows invisible or look-alike characters escaped in the message', () => {
    try {
      validateFeatureSlug('uѕer');
    } catch (err) {
      expect((err as Error).message).toContain('\\u{0455}');
    }
  });

  it('validates --feature references', () => {
    expect(validateFeatureRef(' 001-user-auth ', '--feature')).toBe('001-user-auth');
    expect(validateFeatureRef('007', '--feature')).toBe('007');
    expect(codeOf(() => validateFeatureRef('../001-x', '--feature'))).toBe('INVALID_FEATURE_SLUG');
    expect(codeOf(() => validateFeatureRef('001-a/../../b', '--feature'))).toBe('INVALID_FEATURE_SLUG');
    expect(codeOf(() => validateFeatureRef('001-..', '--feature'))).toBe('INVALID_FEATURE_SLUG');
  });
});

describe('parseTasksMd', () => {
  const INCUMBENT = `# Work Packages: User Auth

**Inputs**: Design documents from \`/kitty-specs/001-user-auth/\`

## Work Package WP01: Setup & Schema (Priority: P0)

**Goal**: Create the schema.
**Independent Test**: migrations run.
**Prompt**: \`tasks/WP01-setup.md\`

### Included Subtasks
- [x] T001 Create the users table
- [ ] T002 [P] Add indexes

### Dependencies
- None (starting package).

## Work Package WP02: Login API (Priority: P1)

### Included Subtasks
- [ ] T003 Implement POST /login

### Dependencies
- Depends on WP01.

## Work Package WP03: Sessions (Priority: P1)

**Dependencies**: WP01, WP02

\`\`\`markdown
## Work Package WP09: inside a code block, not a section
Depends on WP08
\`\`\`

<!-- status-model:start -->
## Canonical Status (Generated)
- WP01: for_review
<!-- status-model:end -->
`;

  it('reads the Python CLI layout: sections, subtasks, dependency phrases, with positions', async () => {
    const t = await parseTasksMd(INCUMBENT, 'kitty-specs/001-user-auth/tasks.md');
    expect(t.problems).toEqual([]);
    expect(t.sections.map((s) => [s.id, s.title])).toEqual([
      ['WP01', 'Setup & Schema'],
      ['WP02', 'Login API'],
      ['WP03', 'Sessions'],
    ]);
    const [wp1, wp2, wp3] = t.sections;
    expect(wp1?.dependencies).toEqual([]);
    expect(wp1?.subtasks.map((s) => [s.id, s.done, s.parallel])).toEqual([
      ['T001', true, false],
      ['T002', false, true],
    ]);
    expect(wp2?.dependencies).toEqual([{ id: 'WP01', line: 24, col: 14 }]);
    expect(wp3?.dependencies.map((d) => `${d.id}@${d.line}:${d.col}`)).toEqual(['WP01@28:19', 'WP02@28:25']);
    expect(wp1).toMatchObject({ line: 5, col: 17 });
  });

  it('accepts `## WPxx: Title` and `### WPxx` headings and "Depends on" anywhere in the section', async () => {
    const t = await parseTasksMd('## WP01: One\n\n### WP02 – Two\nThis depends on WP01 and WP03.\n\n## WP03\n', 't.md');
    expect(t.sections.map((s) => s.id)).toEqual(['WP01', 'WP02', 'WP03']);
    expect(t.sections[1]?.dependencies.map((d) => d.id)).toEqual(['WP01', 'WP03']);
  });

  it('reports invalid and duplicate work-package ids with file:line:col', async () => {
    const t = await parseTasksMd('## Work Package WP1: bad\n\n## WP02\nDepends on WP2\n\n## WP02: again\n', 'tasks.md');
    expect(t.problems.map((p) => `${p.path}:${p.line}:${p.col} ${p.code}`)).toEqual([
      'tasks.md:1:17 INVALID_WP_ID',
      'tasks.md:4:12 INVALID_WP_ID',
      'tasks.md:6:4 DUPLICATE_WP',
    ]);
  });

  it('skips a leading frontmatter block and keeps line numbers right', async () => {
    const t = await parseTasksMd('---\nfeature: x\n---\n## WP01\nDepends on WP02\n## WP02\n', 'tasks.md');
    expect(t.sections[0]?.dependencies).toEqual([{ id: 'WP02', line: 5, col: 12 }]);
  });

  it('warns about odd and duplicate subtask ids without failing', async () => {
    const t = await parseTasksMd('## WP01\n- [ ] T1 short id\n- [ ] T002 a\n- [X] T002 again\n', 'tasks.md');
    expect(t.problems).toEqual([]);
    expect(t.warnings.map((w) => w.code)).toEqual(['ODD_SUBTASK_ID', 'DUPLICATE_SUBTASK']);
    expect(t.sections[0]?.subtasks.map((s) => s.done)).toEqual([false, false, true]);
  });
});

describe('validateDependencyGraph', () => {
  const e = (from: string, to: string, line: number) => ({ from, to, path: 'tasks.md', line, col: 12 });

  it('accepts a DAG', () => {
    expect(validateDependencyGraph(['WP01', 'WP02', 'WP03'], [e('WP02', 'WP01', 3), e('WP03', 'WP02', 5), e('WP03', 'WP01', 6)])).toEqual(
      [],
    );
  });

  it('rejects self, unknown and cyclic dependencies with precise messages', () => {
    const problems = validateDependencyGraph(
      ['WP01', 'WP02', 'WP03'],
      [e('WP01', 'WP01', 2), e('WP02', 'WP99', 4), e('WP02', 'WP03', 5), e('WP03', 'WP02', 8)],
    );
    expect(problems.map((p) => `${p.path}:${p.line}:${p.col}: ${p.message}`)).toEqual([
      'tasks.md:2:12: WP01 cannot depend on itself',
      'tasks.md:4:12: WP02 depends on WP99, which is not defined (known work packages: WP01, WP02, WP03)',
      'tasks.md:5:12: circular dependency WP02 → WP03 → WP02 (written at tasks.md:5:12, tasks.md:8:12)',
    ]);
  });

  it('finds a longer loop once', () => {
    const problems = validateDependencyGraph(['WP01', 'WP02', 'WP03'], [e('WP01', 'WP03', 1), e('WP02', 'WP01', 2), e('WP03', 'WP02', 3)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('WP01 → WP03 → WP02 → WP01');
  });

  it('orders work packages dependencies first', () => {
    expect(
      topologicalOrder(
        new Map([
          ['WP03', ['WP01']],
          ['WP01', []],
          ['WP02', ['WP03']],
        ]),
      ),
    ).toEqual(['WP01', 'WP03', 'WP02']);
  });
});

describe('agent manifest', () => {
  it('covers the twelve agents of the Python CLI with their directories', () => {
    expect(AGENTS.map((a) => `${a.key}:${a.dir}`)).toEqual([
      'claude:.claude/commands',
      'copilot:.github/prompts',
      'gemini:.gemini/commands',
      'cursor:.cursor/commands',
      'qwen:.qwen/commands',
      'opencode:.opencode/command',
      'windsurf:.windsurf/workflows',
      'codex:.codex/prompts',
      'kilocode:.kilocode/workflows',
      'auggie:.augment/commands',
      'roo:.roo/commands',
      'q:.amazonq/prompts',
    ]);
  });

  it('parses --ai lists: separators, case, duplicates, aliases; rejects unknown and empty', () => {
    expect(parseAgentList('Claude, codex;claude;augment')).toEqual(['claude', 'codex', 'auggie']);
    expect(codeOf(() => parseAgentList('claude,vim'))).toBe('INVALID_AGENTS');
    expect(codeOf(() => parseAgentList(' , ;'))).toBe('INVALID_AGENTS');
  });

  const template = {
    name: 'tasks-finalize.md',
    text: '---\ndescription: Finalize "the" tasks\nscripts:\n  sh: run.sh\n---\nDo it with $ARGUMENTS as __AGENT__; also {ARGS}.\n"""three quotes"""\nback\\slash\n',
    origin: 'test',
  };

  it('renders Markdown commands with the agent placeholder and without scripts blocks', () => {
    const out = renderAgentCommand(agentSpec('claude')!, template);
    expect(out.relPath).toBe('.claude/commands/spec-kitty.tasks-finalize.md');
    expect(out.content).toBe(
      '---\ndescription: Finalize "the" tasks\n---\n\nDo it with $ARGUMENTS as claude; also $ARGUMENTS.\n"""three quotes"""\nback\\slash\n',
    );
    expect(renderAgentCommand(agentSpec('codex')!, template).relPath).toBe('.codex/prompts/spec-kitty.tasks_finalize.md');
    expect(renderAgentCommand(agentSpec('copilot')!, template).relPath).toBe('.github/prompts/spec-kitty.tasks-finalize.prompt.md');
  });

  it('renders TOML commands for Gemini and Qwen that a TOML parser reads back exactly', () => {
    for (const key of ['gemini', 'qwen']) {
      const out = renderAgentCommand(agentSpec(key)!, template);
      expect(out.relPath.endsWith('spec-kitty.tasks-finalize.toml')).toBe(true);
      const parsed = toml.parse(out.content) as { description: string; prompt: string };
      expect(parsed.description).toBe('Finalize "the" tasks');
      expect(parsed.prompt).toBe(`Do it with {{args}} as ${key}; also {{args}}.\n"""three quotes"""\nback\\slash\n`);
    }
  });

  it('reports a malformed command template', () => {
    expect(codeOf(() => renderAgentCommand(agentSpec('claude')!, { name: 'x.md', text: '---\na: [\n---\nbody', origin: 'o' }))).toBe(
      'INVALID_TEMPLATE',
    );
  });
});

describe('.gitignore entries', () => {
  it('appends missing entries under the marker, keeps CRLF, and is idempotent', () => {
    const first = addIgnoreEntries('node_modules/\r\n.claude/\r\n', GITIGNORE_ENTRIES, GITIGNORE_MARKER);
    expect(first.present).toEqual(['.claude/']);
    expect(first.text.startsWith('node_modules/\r\n.claude/\r\n\r\n# Added by Spec Kitty CLI (auto-managed)\r\n.codex/\r\n')).toBe(true);
    expect(first.text.endsWith('\r\n')).toBe(true);
    expect(first.text.replace(/\r\n/g, '').includes('\n')).toBe(false);
    const again = addIgnoreEntries(first.text, GITIGNORE_ENTRIES, GITIGNORE_MARKER);
    expect(again.added).toEqual([]);
    expect(again.text).toBe(first.text);
  });

  it('creates the file content when there is none, and adds a newline to an unterminated file', () => {
    expect(addIgnoreEntries(null, ['.a/'], GITIGNORE_MARKER).text).toBe(`${GITIGNORE_MARKER}\n.a/\n`);
    expect(addIgnoreEntries('dist', ['.a/'], GITIGNORE_MARKER).text).toBe(`dist\n\n${GITIGNORE_MARKER}\n.a/\n`);
  });
});

describe('project and repository slugs', () => {
  it('derives the project slug like the Python CLI', () => {
    expect(deriveProjectSlug('git@github.com:Acme/My_App.git', '/x/y')).toBe('my-app');
    expect(deriveProjectSlug('https://github.com/acme/api.git', '/x/y')).toBe('api');
    expect(deriveProjectSlug(null, '/home/u/My Project')).toBe('my-project');
  });

  it('parses repo slugs from remote URLs', () => {
    expect(parseRepoSlug('git@github.com:acme/app.git')).toBe('acme/app');
    expect(parseRepoSlug('https://gitlab.com/org/team/repo.git')).toBe('org/team/repo');
    expect(parseRepoSlug('ssh://git@host:22/acme/app')).toBe('acme/app');
    expect(parseRepoSlug('file:///tmp/repo')).toBeNull();
    expect(parseRepoSlug('../repo')).toBeNull();
    expect(parseRepoSlug('https://host/onlyone')).toBeNull();
  });
});
