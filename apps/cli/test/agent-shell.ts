import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bin } from './helpers.js';
import { workflowSandbox } from './workflow-sandbox.js';

/** One shell command's outcome. */
export interface ShellResult {
  readonly command: string;
  readonly cwd: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A workflow sandbox where `spec-kitty` and `kitty` are real executables on PATH (a two-line wrapper around the
 * built CLI), so commands copied from templates and from `next` run through `bash -c` exactly as an agent's
 * shell runs them.
 */
export function agentSandbox(prefix: string) {
  const sb = workflowSandbox(prefix);
  const binDir = path.join(sb.root, 'bin');
  mkdirSync(binDir);
  for (const name of ['spec-kitty', 'kitty']) {
    const file = path.join(binDir, name);
    writeFileSync(file, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`);
    chmodSync(file, 0o755);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...sb.env, NO_COLOR: '1', PATH: `${binDir}:${process.env['PATH'] ?? ''}` };
  /** Runs one command line through `bash -c` in `cwd` (bounded). */
  const sh = (command: string, cwd = sb.project): Promise<ShellResult> =>
    new Promise((resolve) => {
      const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ command, cwd, code: code ?? -1, stdout, stderr });
      });
    });
  return { ...sb, binDir, shellEnv: env, sh };
}

/** Explains a failed command for an assertion message. */
export function explain(r: ShellResult): string {
  return `$ ${r.command}\n  (in ${r.cwd}) exit ${r.code}\n  stdout: ${r.stdout.slice(0, 6000)}\n  stderr: ${r.stderr.slice(0, 1500)}`;
}

/** Whether stdout is exactly one JSON document (what `--json` promises). */
export function oneJson(stdout: string): Record<string, any> | null {
  const t = stdout.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return null;
  try {
    return JSON.parse(t) as Record<string, any>;
  } catch {
    return null;
  }
}

/** A spec without open questions. */
export const SPEC =
  '# Feature Specification: Shop\n\n## User Scenarios\n\nGiven a cart, when the user pays, then an order exists.\n\n## Requirements\n\n- FR-001: the system records orders.\n\n## Success Criteria\n\n- SC-001: an order is recorded in under a second.\n';
/** A plan without open questions. */
export const PLAN =
  '# Implementation Plan: Shop\n\n## Technical Context\n\n**Language/Version**: TypeScript 5 on Node 20\n\n## Decisions\n\n- Orders live in a JSON file.\n';

/** tasks.md for work packages given as [id, dependencies]. */
export function tasksFor(wps: ReadonlyArray<readonly [string, readonly string[]]>): string {
  let s = '# Work Packages: Shop\n';
  wps.forEach(([id, deps], i) => {
    const t = `T${String(i + 1).padStart(3, '0')}`;
    s += `\n## Work Package ${id}: Part ${i + 1} (Priority: P1)\n\n### Included Subtasks\n- [ ] ${t} Build part ${i + 1}\n\n### Dependencies\n${deps.length === 0 ? 'None.' : `Depends on ${deps.join(', ')}.`}\n`;
  });
  return s;
}

/** A work-package prompt file (no dependencies line: finalize-tasks writes it). */
export function promptFor(id: string, i: number): string {
  return `---\nwork_package_id: "${id}"\ntitle: "Part ${i}"\nlane: "planned"\nsubtasks: ["T${String(i).padStart(3, '0')}"]\nphase: "Phase 1"\nassignee: ""\nagent: ""\nshell_pid: ""\nreview_status: ""\nreviewed_by: ""\nhistory: []\n---\n# Work Package Prompt: ${id} – Part ${i}\n\n## Objectives\n\nBuild part ${i}.\n\n## Activity Log\n\n- 2026-01-01T00:00:00Z – system – lane=planned – Prompt generated via /spec-kitty.tasks\n`;
}
