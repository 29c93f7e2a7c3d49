import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { cleanupTempDirs } from '@kitty/test-utils';
import { json, workflowSandbox } from './workflow-sandbox.js';
import { recordedStatus, restoreStage, STAGES, type Stage } from './python-stages.js';

// Issue 16 "done when": each project stage the Python spec-kitty 2.0.0 left behind is read and advanced by kitty
// to merged: tasks finalized (stage a), every work package implemented, reviewed by another agent and done,
// the feature accepted and merged into main.
afterAll(cleanupTempDirs);

const FEATURE = '001-export-to-csv';

/** The agent's tasks at stage a (the incumbent's layout: tasks.md with dependencies, one prompt file per WP). */
function writeAgentTasks(fdir: string): void {
  writeFileSync(
    path.join(fdir, 'tasks.md'),
    [
      '# Work Packages: Export to CSV',
      '',
      '## Work Package WP01: CSV writer core (Priority: P1)',
      '',
      '- [ ] T001 Write the RFC 4180 writer',
      '- [ ] T002 [P] Test quoting',
      '',
      '## Work Package WP02: Export command (Priority: P2)',
      '',
      'Depends on WP01.',
      '',
      '- [ ] T003 Add the `export` command',
      '',
      '## Work Package WP03: Docs and examples (Priority: P3)',
      '',
      'Depends on WP01, WP02.',
      '',
      '- [ ] T004 Document CSV export',
      '',
    ].join('\n'),
  );
  const wp = (id: string, title: string, deps: string[], subtasks: string[]) =>
    [
      '---',
      `work_package_id: "${id}"`,
      `title: "${title}"`,
      'lane: "planned"  # planned | doing | for_review | done',
      `dependencies: [${deps.map((d) => `"${d}"`).join(', ')}]`,
      `subtasks: [${subtasks.map((t) => `"${t}"`).join(', ')}]`,
      'phase: "Phase 1"',
      'assignee: ""',
      'agent: ""',
      'shell_pid: ""',
      'review_status: ""',
      'reviewed_by: ""',
      'history:',
      '  - timestamp: "2026-03-02T09:15:00Z"',
      '    lane: "planned"',
      '    agent: "system"',
      '    shell_pid: ""',
      '    action: "Prompt generated via /spec-kitty.tasks"',
      '---',
      '',
      `# Work Package Prompt: ${id} – ${title}`,
      '',
      '## Activity Log',
      '',
      '- 2026-03-02T09:15:00Z – system – lane=planned – Prompt created.',
      '',
    ].join('\n');
  writeFileSync(path.join(fdir, 'tasks', 'WP01-csv-writer-core.md'), wp('WP01', 'CSV writer core', [], ['T001', 'T002']));
  writeFileSync(path.join(fdir, 'tasks', 'WP02-export-command.md'), wp('WP02', 'Export command', ['WP01'], ['T003']));
  writeFileSync(path.join(fdir, 'tasks', 'WP03-docs-and-examples.md'), wp('WP03', 'Docs and examples', ['WP01', 'WP02'], ['T004']));
}

describe('kitty reads every Python 2.0.0 project stage and advances it to merged', () => {
  it.each(STAGES.map((s) => [s]))(
    'stage %s → every work package done → accepted → merged into main',
    async (stage: Stage) => {
      const sb = workflowSandbox(`kitty-pystage-${stage}-`);
      const project = restoreStage(stage, path.join(sb.root, 'p'), sb.home);
      // The restore reproduces exactly what Python left (git status of the main repository).
      expect(
        sb
          .git(['status', '--porcelain=v1', '-uall'], project)
          .split('\n')
          .filter((l) => l !== ''),
      ).toEqual(recordedStatus(stage));
      const fdir = path.join(project, 'kitty-specs', FEATURE);
      const ok = async (args: string[], cwd = project) => {
        const r = await sb.kitty([...args, '--json'], { cwd });
        if (r.code !== 0) throw new Error(`stage ${stage}: spec-kitty ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
        return json(r);
      };
      const f = ['--feature', FEATURE];

      // Switching to kitty (docs/python-migration.md): `upgrade` commits what Python left uncommitted, copies no template.
      const upgraded = await ok(['upgrade']);
      expect(upgraded).toMatchObject({ success: true, templates_copied: false });
      for (const d of ['templates', 'missions']) expect(existsSync(path.join(project, '.kittify', d))).toBe(false);

      // Read: kitty sees what Python wrote.
      const check = await ok(['agent', 'feature', 'check-prerequisites', ...f]);
      expect(check['feature_dir']).toBe(fdir);
      if (stage === 'a') {
        writeAgentTasks(fdir);
        expect(await ok(['agent', 'feature', 'finalize-tasks', ...f])).toMatchObject({ result: 'success' });
      }
      const listed = await ok(['agent', 'tasks', 'list-tasks', ...f]);
      expect(listed['tasks'].map((t: Record<string, unknown>) => t['work_package_id'])).toEqual(['WP01', 'WP02', 'WP03']);

      // Advance every work package in dependency order.
      for (const wp of ['WP01', 'WP02', 'WP03']) {
        const lane = () =>
          ok(['agent', 'tasks', 'list-tasks', ...f]).then(
            (l) => (l['tasks'] as Array<Record<string, string>>).find((t) => t['work_package_id'] === wp)?.['lane'],
          );
        if ((await lane()) === 'done') continue;
        const file = readdirSync(path.join(fdir, 'tasks')).find((n) => n.startsWith(`${wp}-`)) as string;
        const fm = parse(/^---\n([\s\S]*?)\n---/.exec(readFileSync(path.join(fdir, 'tasks', file), 'utf8'))?.[1] ?? '') as Record<
          string,
          unknown
        >;
        if (['planned', 'claimed', 'in_progress'].includes((await lane()) ?? '')) {
          const impl = await ok(['implement', wp, '--agent', 'claude', ...f]);
          const ws = impl['workspace_abs_path'] as string;
          const out = path.join(ws, 'src', `${wp.toLowerCase()}.ts`);
          mkdirSync(path.dirname(out), { recursive: true });
          writeFileSync(out, `export const ${wp.toLowerCase()} = true;\n`);
          sb.git(['add', '-A'], ws);
          sb.git(['commit', '-qm', `feat(${wp}): implement`], ws);
          const subtasks = (fm['subtasks'] as string[] | undefined) ?? [];
          if (subtasks.length > 0) await ok(['agent', 'tasks', 'mark-status', ...subtasks, '--status', 'done', ...f], ws);
          await ok(['agent', 'tasks', 'move-task', wp, '--to', 'for_review', '--agent', 'claude', '--note', 'Ready for review', ...f], ws);
        }
        // Separation of duties: another agent than the implementer claims the review before approving.
        await ok(['agent', 'workflow', 'review', wp, '--agent', 'codex', ...f]);
        expect(await ok(['agent', 'tasks', 'move-task', wp, '--to', 'done', '--agent', 'codex', '--note', 'Approved', ...f])).toMatchObject(
          { new_lane: 'done' },
        );
      }
      expect(await ok(['agent', 'tasks', 'status', ...f])).toMatchObject({ total_wps: 3, progress_percentage: 100, by_lane: { done: 3 } });

      const accepted = await ok(['accept', ...f]);
      expect(accepted).toMatchObject({ result: 'success', ok: true, feature: FEATURE });
      await ok(['merge', ...f]);
      // Every work package's code is on main now (WP01's was committed by the Python session at stages c and d).
      const tree = sb.git(['ls-tree', '-r', '--name-only', 'main'], project).split('\n');
      const wp01 = stage === 'a' || stage === 'b' ? 'src/wp01.ts' : 'src/export/csvWriter.ts';
      expect(tree).toEqual(expect.arrayContaining([wp01, 'src/wp02.ts', 'src/wp03.ts']));
      expect(sb.git(['log', '--format=%s', 'main'], project)).toMatch(/feat\(WP03\): implement/);
    },
    600_000,
  );
});
