import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentSandbox, explain, oneJson, promptFor, SPEC, tasksFor } from './agent-shell.js';

/** What the CLI's parser says when a command line does not fit the command (the failures a hint must not cause). */
const PARSE_FAILURES =
  /Nonexistent flag|Unexpected argument|Missing \d+ required arg|Missing required flag|command .* not found|is not a spec-kitty command|Unknown flag|Expected --[a-z-]+=.* to be one of|Flag --[a-z-]+ expects a value/i;

/** The `spec-kitty …` commands named in a hint or suggestion (up to the end of the sentence or clause). */
function commandsIn(text: string): string[] {
  return [...text.matchAll(/spec-kitty ((?:[^\s,;()`.]|\.(?=\S))+(?: (?:[^\s,;()`.]|\.(?=\S))+)*)/g)]
    .map((m) => `spec-kitty ${m[1]}`)
    .filter((c) => /^spec-kitty [a-z]/.test(c));
}

/**
 * Every error path that prints a hint naming a command, walked for real in a project with two features: the
 * test triggers the error, takes each `spec-kitty …` command from its suggestions, fills the placeholders an agent
 * would, runs it, and checks the command line itself was understood (no unknown flag, no missing argument).
 */
describe('hints that name a command run as written', () => {
  it('walks the error paths and runs every command they suggest', async () => {
    const sb = agentSandbox('kitty-hints-');
    sb.git(['init', '-q', '-b', 'main']);
    writeFileSync(path.join(sb.project, 'README.md'), '# shop\n');
    sb.git(['add', '.']);
    sb.git(['commit', '-qm', 'start']);
    const ok = async (cmd: string): Promise<Record<string, any>> => {
      const r = await sb.sh(cmd);
      if (r.code !== 0) throw new Error(explain(r));
      return oneJson(r.stdout) ?? {};
    };
    await ok('spec-kitty init --here --ai claude,codex --non-interactive --force --ignore-agent-tools --json');
    // Two features: 001-alpha (specified only) and 002-alpha-beta (WP01, WP02 which depends on WP01, WP03).
    await ok('spec-kitty agent feature create-feature alpha --json');
    const beta = await ok('spec-kitty agent feature create-feature alpha-beta --json');
    const dir = beta['feature_dir'] as string;
    writeFileSync(path.join(dir, 'spec.md'), SPEC);
    writeFileSync(path.join(dir, 'plan.md'), '# Plan\n');
    writeFileSync(
      path.join(dir, 'tasks.md'),
      tasksFor([
        ['WP01', []],
        ['WP02', ['WP01']],
        ['WP03', []],
      ]),
    );
    mkdirSync(path.join(dir, 'tasks'), { recursive: true });
    ['WP01', 'WP02', 'WP03'].forEach((id, i) => writeFileSync(path.join(dir, 'tasks', `${id}-part-${i + 1}.md`), promptFor(id, i + 1)));
    sb.git(['add', '-A']);
    sb.git(['commit', '-qm', 'docs']);
    await ok('spec-kitty agent feature finalize-tasks --feature 002 --json');

    const feedback = path.join(sb.root, 'feedback.md');
    writeFileSync(feedback, 'Needs a test.\n');
    // Error paths: [command line, expected error code]. Each must fail with a hint that names a command.
    const paths: Array<[string, string]> = [
      ['spec-kitty agent feature setup-plan --json', 'PLAN_CONTEXT_UNRESOLVED'],
      ['spec-kitty agent tasks move-task WP03 --to claimed --agent codex --json', 'FEATURE_CONTEXT_UNRESOLVED'],
      ['spec-kitty agent tasks mark-status T001 --status done --json', 'FEATURE_CONTEXT_UNRESOLVED'],
      ['spec-kitty agent tasks list-tasks --feature zzz --json', 'UNKNOWN_FEATURE'],
      ['spec-kitty agent tasks status --feature al --json', 'FEATURE_CONTEXT_UNRESOLVED'],
      ['spec-kitty implement WP02 --agent codex --feature 002 --json', 'DEPENDENCY_NOT_STARTED'],
      // From here on WP01 is claimed by claude (and, after the takeover hint ran, by codex).
      ['spec-kitty implement WP01 --agent claude --feature alpha-beta --json', ''],
      ['spec-kitty implement WP01 --agent codex --feature 002 --json', 'AGENT_MISMATCH'],
      ['spec-kitty agent workflow review WP03 --agent codex --feature 002 --json', 'WP_NOT_FOR_REVIEW'],
      ['spec-kitty agent tasks move-task WP01 --to for_review --agent claude --feature 002 --json', 'AGENT_MISMATCH'],
      ['spec-kitty agent tasks add-history WP01 --note "" --agent claude --feature 002 --json', 'INVALID_OPTION'],
      ['spec-kitty agent tasks mark-status X1 --status done --feature 002 --json', 'INVALID_OPTION'],
      ['spec-kitty merge --feature 002 --resume --json', 'MERGE_NOT_IN_PROGRESS'],
    ];
    const tried: string[] = [];
    for (const [line, code] of paths) {
      if (code === '') {
        await ok(line);
        continue;
      }
      const r = await sb.sh(line);
      const err = oneJson(r.stdout)?.['error'] as { code?: string; hint?: string; suggestions?: string[] } | undefined;
      if (err === undefined || r.code === 0) throw new Error(`expected an error:\n${explain(r)}`);
      expect({ line, code: err.code }).toEqual({ line, code });
      const hints = [...(err.suggestions ?? []), err.hint ?? ''];
      // A hint that names only flags ("take it over with --force --reason …") means: the same command plus them.
      const flagHints = hints
        .filter((h) => commandsIn(h).length === 0)
        .flatMap((h) =>
          [
            ...h.matchAll(
              /(--[a-z-]+(?: "<[^"]*>"| [a-z0-9_][a-z0-9_.-]*(?=[\s.,]|$))?(?: --[a-z-]+(?: "<[^"]*>"| [a-z0-9_][a-z0-9_.-]*(?=[\s.,]|$))?)*)/g,
            ),
          ].map((m) => `${line} ${m[1]}`),
        );
      const named = [...new Set([...hints.flatMap(commandsIn), ...flagHints])];
      if (named.length === 0) throw new Error(`no command in the hints of "${line}":\n${explain(r)}`);
      for (const hint of named) {
        const cmd = hint
          .replace(/<feature-name>/g, 'gamma')
          .replace(/<feature>/g, '002')
          .replace(/<WPxx>/g, 'WP01')
          .replace(/<name>|<you>/g, 'codex')
          .replace(/<file>|<feedback-file>/g, feedback)
          .replace(/"<([^"<>]+)>"/g, '"$1"');
        expect(cmd).not.toMatch(/<[^>]*>/);
        const h = await sb.sh(cmd);
        tried.push(cmd);
        if (PARSE_FAILURES.test(h.stdout + h.stderr)) throw new Error(`the hint of "${line}" does not run as written:\n${explain(h)}`);
      }
    }
    expect(tried.length).toBeGreaterThanOrEqual(paths.length - 1);
    // Human output of a workflow step ends with what is next: the same answer next gives.
    const human = await sb.sh('spec-kitty agent tasks add-history WP03 --note "looked at it" --agent codex --feature 002');
    if (human.code !== 0) throw new Error(explain(human));
    const next = oneJson((await sb.sh('spec-kitty next --agent codex --feature 002 --json')).stdout);
    expect(human.stdout.trim().split('\n').at(-1)).toBe(`Next: ${next?.['summary']}`);
  }, 480_000);
});
