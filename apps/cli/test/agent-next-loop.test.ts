import { describe, expect, it } from '@jest/globals';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentSandbox, explain, oneJson, PLAN, promptFor, SPEC, tasksFor, type ShellResult } from './agent-shell.js';

/**
 * An agent that only ever asks `spec-kitty next --json` and runs what it answers: from an empty project to a
 * merged feature with three work packages (WP03 depends on WP01 and WP02), two agents working in parallel on
 * the ready ones and reviewing each other's work. The test plays the agents' hands: it writes the documents and
 * the code the answer's instructions ask for, and runs the answer's commands literally through bash.
 */
describe('next --json drives a feature to merged', () => {
  it('two agents, three work packages, one depending on two', async () => {
    // About 50 CLI runs: seconds on a quiet machine, minutes on a loaded 2-core one.
    const sb = agentSandbox('kitty-next-loop-');
    sb.git(['init', '-q', '-b', 'main']);
    writeFileSync(path.join(sb.project, 'README.md'), '# shop\n');
    sb.git(['add', '.']);
    sb.git(['commit', '-qm', 'start']);
    const run = async (cmd: string, cwd = sb.project): Promise<ShellResult> => {
      const r = await sb.sh(cmd, cwd);
      if (r.code !== 0) throw new Error(`${explain(r)}\n  turns so far: ${seen.join(' ')}`);
      if (/--json/.test(cmd) && cmd.startsWith('spec-kitty')) expect(oneJson(r.stdout)).not.toBeNull();
      return r;
    };
    await run('spec-kitty init --here --ai claude,codex --non-interactive --force --json');

    const agents = ['claude', 'codex'] as const;
    const finished = new Set<string>();
    const seen: string[] = [];
    let featureDir = '';
    let races = 0;
    // `next` tells every agent to accept (and then merge) once all work packages are done; those are feature-wide,
    // one agent's job: in a parallel round the first agent to get one runs it, the other treats it as a wait.
    // (Two concurrent `accept`s race: the second one's clean-repository check can see the first one's meta.json
    // staged but not yet committed, and answers not_ready.)
    let featureWideBusy = false;
    const ask = async (agent: string): Promise<Record<string, any>> => {
      const r = await sb.sh(`spec-kitty next --agent ${agent} --json`);
      const doc = oneJson(r.stdout);
      if (doc === null) throw new Error(explain(r));
      expect(r.code).toBe((doc as Record<string, any>)['kind'] === 'blocked' ? 1 : 0);
      return doc as Record<string, any>;
    };
    /** One turn of one agent: ask, do the writing the answer asks for, run its commands. */
    const turn = async (agent: string): Promise<void> => {
      const a = await ask(agent);
      seen.push(`${agent}:${a['kind']}:${a['action']}:${a['wp_id'] ?? ''}`);
      for (const key of [
        'kind',
        'action',
        'commands',
        'wp_id',
        'workspace_path',
        'prompt_file',
        'reason',
        'guard_failures',
        'progress',
        'ready_wps',
        'mission_state',
        'agent',
        'feature_slug',
        'timestamp',
        'origin',
        'run_id',
        'step_id',
        'decision_id',
        'input_key',
        'question',
        'options',
      ])
        expect(a).toHaveProperty(key);
      if (a['kind'] === 'terminal') {
        finished.add(agent);
        return;
      }
      if (a['kind'] === 'blocked' || a['action'] === 'wait') return;
      const featureWide = a['action'] === 'accept' || a['action'] === 'merge';
      if (featureWide) {
        if (featureWideBusy) return;
        featureWideBusy = true;
      }
      try {
        await act(agent, a);
      } finally {
        if (featureWide) featureWideBusy = false;
      }
    };
    /** Does what one answer asks for: the writing, then its commands. */
    const act = async (agent: string, a: Record<string, any>): Promise<void> => {
      if (a['feature_dir']) featureDir = a['feature_dir'];
      switch (a['mission_state']) {
        case 'specify':
          if (featureDir !== '') writeFileSync(path.join(featureDir, 'spec.md'), SPEC);
          break;
        case 'tasks_outline':
          writeFileSync(
            path.join(featureDir, 'tasks.md'),
            tasksFor([
              ['WP01', []],
              ['WP02', []],
              ['WP03', ['WP01', 'WP02']],
            ]),
          );
          break;
        case 'tasks_packages':
          ['WP01', 'WP02', 'WP03'].forEach((id, i) =>
            writeFileSync(path.join(featureDir, 'tasks', `${id}-part-${i + 1}.md`), promptFor(id, i + 1)),
          );
          break;
        case 'implement':
          if (a['commands'].some((c: string) => c.includes('--to for_review'))) {
            // The agent's work: a file and a commit in its workspace.
            writeFileSync(path.join(a['workspace_path'], `${a['wp_id']}.txt`), `${a['wp_id']} by ${agent}\n`);
            await run(`git add ${a['wp_id']}.txt && git commit -qm "feat(${a['wp_id']}): part"`, a['workspace_path']);
          }
          break;
        default:
          break;
      }
      const commands: string[] = a['kind'] === 'decision_required' ? [a['options'][0]] : a['commands'];
      for (const c of commands) {
        if (c.startsWith('spec-kitty implement ')) {
          // Two agents may be told the same ready package at once: the claim decides, the loser asks again.
          const r = await sb.sh(c);
          if (r.code !== 0 && oneJson(r.stdout)?.['error']?.['code'] === 'AGENT_MISMATCH') {
            races++;
            return;
          }
          if (r.code !== 0) throw new Error(explain(r));
          continue;
        }
        await run(c.replace('<feature-name>', 'shop'));
      }
      if (a['mission_state'] === 'plan') {
        writeFileSync(path.join(featureDir, 'plan.md'), PLAN);
        await run(`git add kitty-specs && git commit -qm "plan"`);
      }
    };
    for (let round = 0; round < 30 && finished.size < agents.length; round++) {
      // Planning is one agent's job; once work packages exist both agents take turns at the same time.
      // Accepting and merging are feature-wide, one agent's job again.
      const parallel =
        featureDir !== '' &&
        readdirSync(path.join(featureDir, 'tasks')).some((n) => /^WP\d\d.*\.md$/.test(n)) &&
        seen.some((s) => s.includes(':implement:')) &&
        !seen.some((s) => /:(accept|merge|done):/.test(s));
      if (parallel) await Promise.all(agents.filter((x) => !finished.has(x)).map((x) => turn(x)));
      else await turn(agents[round % 2] as string);
    }
    expect(finished.size).toBe(2);
    expect(races).toBeLessThanOrEqual(2);
    // Both agents implemented and reviewed; WP03 started only after WP01 and WP02 were done.
    const implementers = new Set(seen.filter((s) => /:step:implement:WP0[12]$/.test(s)).map((s) => s.split(':')[0]));
    expect(implementers.size).toBe(2);
    expect(seen.some((s) => /:review:WP0/.test(s))).toBe(true);
    const log = sb.git(['log', '--format=%s', 'main']);
    expect(log).toContain('Merge WP03');
    expect(log).toContain('Accept');
    expect(sb.git(['status', '--porcelain'])).toBe('');
  }, 480_000);
});
