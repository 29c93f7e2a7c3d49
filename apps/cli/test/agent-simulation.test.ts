import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentSandbox, explain, oneJson, PLAN, promptFor, SPEC, tasksFor } from './agent-shell.js';

/** Where each simulated agent finds its installed commands, and how a template stem becomes a file name. */
const AGENT_FILES: Record<string, { dir: string; file: (stem: string) => string }> = {
  claude: { dir: '.claude/commands', file: (s) => `spec-kitty.${s}.md` },
  codex: { dir: '.codex/prompts', file: (s) => `spec-kitty.${s.replace(/-/g, '_')}.md` },
  gemini: { dir: '.gemini/commands', file: (s) => `spec-kitty.${s}.toml` },
};
const STEMS = [
  'accept',
  'analyze',
  'checklist',
  'clarify',
  'constitution',
  'dashboard',
  'doctrine',
  'implement',
  'merge',
  'plan',
  'research',
  'review',
  'specify',
  'status',
  'tasks',
  'tasks-finalize',
  'tasks-outline',
  'tasks-packages',
];

/** Every `spec-kitty …` line inside a fenced code block (the commands a prompt tells the agent to run). */
function commandLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const f = /^(`{3,}|~{3,})/.exec(line);
    if (f !== null) {
      if (fence === null) fence = f[1] as string;
      else if (line === fence) fence = null;
      continue;
    }
    if (fence !== null && /^spec-kitty\s/.test(line)) out.push(line);
  }
  return out;
}

/**
 * The agent simulation: a real git repository with two features and three agents. Each step of a feature's life
 * (specify → … → merged) is done by one agent reading its own installed command file, taking every
 * `spec-kitty …` line of it, filling in the arguments an agent would (feature slug, work package, subtask,
 * feedback file, notes) and running it literally through `bash -c`, from the repository root and, once the work
 * package has a worktree, from inside it. Every line must exit 0 and, with --json, print exactly one JSON
 * document. A template line that no longer matches a command fails here.
 */
describe('agent simulation: the installed command files work as written', () => {
  it('claude, codex and gemini walk a feature from specify to merged with another feature open', async () => {
    // About 60 CLI runs: well under a minute on a quiet machine, a few on a loaded 2-core one.
    const sb = agentSandbox('kitty-agent-sim-');
    sb.git(['init', '-q', '-b', 'main']);
    writeFileSync(path.join(sb.project, 'README.md'), '# shop\n');
    sb.git(['add', '.']);
    sb.git(['commit', '-qm', 'start']);
    const init = await sb.sh('spec-kitty init --here --ai claude,codex,gemini --non-interactive --force --ignore-agent-tools --json');
    if (init.code !== 0) throw new Error(explain(init));

    // The installed files: 18 per agent, the agent's own key wherever a command names the agent, and the same
    // command lines for every agent once the key is put back (so running one agent's copy proves the others').
    const files: Record<string, Record<string, string>> = {};
    for (const [agent, where] of Object.entries(AGENT_FILES)) {
      const names = readdirSync(path.join(sb.project, where.dir))
        .filter((n) => n.startsWith('spec-kitty.'))
        .sort();
      expect(names).toEqual(STEMS.map(where.file).sort());
      files[agent] = {};
      for (const stem of STEMS) {
        const text = readFileSync(path.join(sb.project, where.dir, where.file(stem)), 'utf8');
        expect(text).not.toContain('__AGENT__');
        // A prompt that says a template is shown at its end must really end with it.
        if (text.includes('shown at the end of this prompt')) expect(text).toContain('(the template this prompt refers to)');
        (files[agent] as Record<string, string>)[stem] = text;
        for (const line of commandLines(text)) {
          if (/ (implement|move-task|add-history|workflow review|next) /.test(` ${line.split(' --')[0]} `))
            expect(line).toContain(`--agent ${agent}`);
        }
      }
    }
    for (const stem of STEMS) {
      const lines = (agent: string): string[] =>
        commandLines((files[agent] as Record<string, string>)[stem] as string).map((l) =>
          l.replace(new RegExp(`(--agent(?:-type)?) ${agent}\\b`, 'g'), '$1 <me>'),
        );
      expect(lines('codex')).toEqual(lines('claude'));
      expect(lines('gemini')).toEqual(lines('claude'));
    }
    expect(files['claude']?.['specify']).toContain('## spec-template.md (the template this prompt refers to)');
    expect(files['gemini']?.['tasks']).toContain('## task-prompt-template.md (the template this prompt refers to)');
    expect(files['codex']?.['checklist']).toContain('## checklist-template.md (the template this prompt refers to)');

    const ran = new Set<string>();
    const feedback = path.join(sb.root, 'feedback.md');
    writeFileSync(feedback, '- WP01: the part needs a test.\n');
    let slug = '';
    let workspace = '';
    /**
     * Runs the command lines of one agent's template. `pick` chooses lines (default all); `before` is the agent's
     * own work before a line; `inWorkspace` runs a line inside the WP worktree.
     */
    const follow = async (
      agent: string,
      stem: string,
      opts: {
        pick?: (line: string) => boolean;
        before?: (line: string) => void;
        inWorkspace?: (line: string) => boolean;
        name?: string;
      } = {},
    ): Promise<Array<Record<string, any> | null>> => {
      const docs: Array<Record<string, any> | null> = [];
      for (const template of commandLines((files[agent] as Record<string, string>)[stem] as string)) {
        if (opts.pick !== undefined && !opts.pick(template)) continue;
        opts.before?.(template);
        const line = template
          .replace(/<feature-slug>/g, slug)
          .replace(/<feature-name>/g, opts.name ?? 'alpha')
          .replace(/<WPxx>/g, 'WP01')
          .replace(/<Txxx>/g, 'T001')
          .replace(/<feedback-file>/g, feedback)
          .replace(/"<([^"<>]+)>"/g, '"$1"');
        expect(line).not.toMatch(/<[^>]*>/);
        const cwd = workspace !== '' && opts.inWorkspace?.(template) === true ? workspace : sb.project;
        const r = await sb.sh(line, cwd);
        if (r.code !== 0) throw new Error(`${agent}'s ${stem} template line failed:\n${explain(r)}`);
        const doc = oneJson(r.stdout);
        if (/\s--json(\s|$)/.test(line) && doc === null) throw new Error(`not one JSON document:\n${explain(r)}`);
        docs.push(doc);
        ran.add(`${stem}: ${template.replace(new RegExp(`(--agent(?:-type)?) ${agent}\\b`, 'g'), '$1 <me>')}`);
      }
      return docs;
    };
    const commitAll = (message: string): void => {
      sb.git(['add', '-A', 'kitty-specs']);
      sb.git(['commit', '-qm', message]);
    };

    // A first feature that stays open (specified only): from now on every command must find the right one.
    const [beta] = await follow('gemini', 'specify', { name: 'beta', pick: (l) => l.includes('create-feature') });
    expect(beta?.['feature']).toBe('001-beta');

    // specify (claude): create, write the spec (the agent's part), commit, ask what is next.
    const featureDir = (): string => path.join(sb.project, 'kitty-specs', slug);
    const specDocs = await follow('claude', 'specify', {
      before: (l) => {
        if (l.includes(' next ')) {
          slug = '002-alpha';
          writeFileSync(path.join(featureDir(), 'spec.md'), SPEC);
          commitAll('Spec for alpha');
        }
      },
    });
    slug = '002-alpha';
    expect(specDocs[0]?.['feature']).toBe(slug);
    expect(specDocs[1]?.['action']).toBe('plan');

    await follow('codex', 'clarify');
    await follow('gemini', 'plan');
    writeFileSync(path.join(featureDir(), 'plan.md'), PLAN);
    commitAll('Plan alpha');
    await follow('claude', 'research');
    await follow('codex', 'checklist');
    await follow('gemini', 'tasks-outline');
    writeFileSync(path.join(featureDir(), 'tasks.md'), tasksFor([['WP01', []]]));
    await follow('claude', 'tasks-packages');
    writeFileSync(path.join(featureDir(), 'tasks', 'WP01-part-1.md'), promptFor('WP01', 1));
    await follow('codex', 'tasks');
    const finalized = await follow('gemini', 'tasks-finalize');
    expect(finalized[1]?.['ready_wps']?.map((w: { wp_id: string }) => w.wp_id)).toEqual(['WP01']);
    await follow('claude', 'analyze');

    // implement (claude), then review (codex) sends it back, implement again, review approves.
    const worktree = path.join(sb.project, '.worktrees', `${slug}-WP01`);
    const work =
      (n: number) =>
      (l: string): void => {
        if (l.includes(' mark-status ')) {
          writeFileSync(path.join(worktree, `part-${n}.txt`), `part ${n}\n`);
          sb.git(['add', '.'], worktree);
          sb.git(['commit', '-qm', `feat(WP01): part ${n}`], worktree);
        }
      };
    const afterClaim = (l: string): boolean => !l.startsWith('spec-kitty implement ') && !(l.includes(' next ') && !l.includes('--result'));
    const impl = await follow('claude', 'implement', {
      before: (l) => {
        work(1)(l);
        if (l.startsWith('spec-kitty implement ')) workspace = '';
      },
      inWorkspace: afterClaim,
    });
    expect(impl[0]?.['wp_id']).toBe('WP01');
    // workspace_path is relative to the project (as Python 2.0.0 prints it); the absolute one is workspace_abs_path.
    expect(impl[1]?.['workspace_path']).toBe(path.relative(sb.project, worktree));
    expect(path.resolve(sb.project, impl[1]?.['workspace_path'] as string)).toBe(worktree);
    expect(impl[1]?.['workspace_abs_path']).toBe(worktree);
    workspace = worktree;
    const rejected = await follow('codex', 'review', {
      pick: (l) => !l.includes('--to done'),
      inWorkspace: (l) => l.includes('move-task'),
    });
    expect(rejected[0]?.['wp_id']).toBe('WP01');
    await follow('claude', 'implement', { before: work(2), inWorkspace: afterClaim });
    await follow('codex', 'review', {
      pick: (l) => !l.includes('--to planned') && !l.includes('--result'),
      inWorkspace: (l) => l.includes('move-task'),
    });

    await follow('gemini', 'status', { inWorkspace: (l) => l.includes(' next ') });
    await follow('claude', 'dashboard', { inWorkspace: (l) => l.includes('tasks status') });
    await follow('codex', 'doctrine');
    workspace = '';
    await follow('gemini', 'accept');
    const merged = await follow('claude', 'merge');
    expect(merged[2]?.['kind']).toBe('terminal');

    // Every command line of every template ran at least once (constitution has none).
    const all = new Set(
      STEMS.flatMap((stem) =>
        commandLines((files['claude'] as Record<string, string>)[stem] as string).map(
          (l) => `${stem}: ${l.replace(/(--agent(?:-type)?) claude\b/g, '$1 <me>')}`,
        ),
      ),
    );
    expect([...all].filter((l) => !ran.has(l))).toEqual([]);
    expect(sb.git(['log', '--format=%s', 'main'])).toContain('Merge WP01');
    expect(sb.git(['status', '--porcelain'])).toBe('');
  }, 480_000);
});
