import path from 'node:path';
import type { FileProblem } from '../errors.js';
import type { FeatureRef } from '../project/features.js';
import { displayPath, isFile, readTextFile } from '../files/files.js';
import { validateDependencyGraph, type DependencyEdge } from './graph.js';
import { parseFeatureTasksMd, type TasksMd, type TasksMdSection } from './tasks-md.js';
import { readWorkPackages, type WorkPackageFile } from './work-packages.js';

/** A feature's work-package plan as tasks.md and the prompt files describe it, checked. */
export interface TaskPlan {
  /** Absolute path of tasks.md and whether it exists. */
  readonly tasksMdPath: string;
  readonly tasksMd: TasksMd | null;
  readonly workPackages: readonly WorkPackageFile[];
  /** Sections of tasks.md by work-package id. */
  readonly sections: ReadonlyMap<string, TasksMdSection>;
  /** Every work package known from tasks.md or a prompt file, sorted. */
  readonly ids: readonly string[];
  /** The dependencies each work package should have (sorted, unique): tasks.md's for those it has a section for, the frontmatter's otherwise. */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
  /** Malformed files: tasks.md (bad or duplicate ids, encoding) and prompt files (frontmatter, names). */
  readonly fileProblems: readonly FileProblem[];
  /** Unknown, self and circular dependencies (only computed when there are no file problems). */
  readonly graphProblems: readonly FileProblem[];
  readonly warnings: readonly FileProblem[];
}

/** Ids from a malformed `dependencies` value, such as the string "['WP01']" an old CLI wrote. */
function recoverIds(w: WorkPackageFile): string[] {
  const raw = w.data['dependencies'];
  return typeof raw === 'string' ? [...raw.matchAll(/\bWP\d{2}\b/g)].map((m) => m[0]) : [];
}

/**
 * Reads and checks a feature's tasks.md and `tasks/WPxx-*.md` files without writing anything: what
 * finalize-tasks would write, and every problem with its `path:line:col`. tasks.md is authoritative for the
 * work packages it has a section for; the others keep the dependencies in their frontmatter (validated too).
 */
export async function analyzeTaskPlan(root: string, feature: FeatureRef): Promise<TaskPlan> {
  const tasksMdPath = path.join(feature.dir, 'tasks.md');
  const fileProblems: FileProblem[] = [];
  const warnings: FileProblem[] = [];
  let tasksMd: TasksMd | null = null;
  if (isFile(tasksMdPath)) {
    const shown = displayPath(root, tasksMdPath);
    const read = readTextFile(tasksMdPath, shown);
    if (read.file === null) fileProblems.push(...read.problems);
    else {
      tasksMd = await parseFeatureTasksMd(root, feature, read.file.text, shown);
      fileProblems.push(...tasksMd.problems);
      warnings.push(...tasksMd.warnings);
    }
  }
  const wps = readWorkPackages(root, feature);
  fileProblems.push(...wps.problems);
  warnings.push(...wps.warnings);

  const sections = new Map((tasksMd?.sections ?? []).map((s) => [s.id, s]));
  const files = new Map(wps.workPackages.map((w) => [w.id, w]));
  const edges: DependencyEdge[] = [];
  const dependencies = new Map<string, string[]>();
  for (const s of sections.values()) {
    for (const d of s.dependencies) edges.push({ from: s.id, to: d.id, path: tasksMd?.path ?? 'tasks.md', line: d.line, col: d.col });
    dependencies.set(s.id, [...new Set(s.dependencies.map((d) => d.id))].sort());
  }
  for (const w of wps.workPackages) {
    if (sections.has(w.id)) continue;
    const kept = w.dependencies ?? (w.dependenciesProblem !== null ? recoverIds(w) : []);
    const line = w.dependenciesProblem?.line ?? w.frontmatter.firstLine;
    for (const d of kept) edges.push({ from: w.id, to: d, path: w.shownAs, line, col: 1 });
    dependencies.set(w.id, [...new Set(kept)].sort());
    if (tasksMd !== null)
      warnings.push({
        path: w.shownAs,
        line: 1,
        col: 1,
        code: 'NOT_IN_TASKS_MD',
        message: `${w.id} has no section in tasks.md; its frontmatter dependencies were kept`,
      });
  }
  for (const s of sections.values()) {
    if (!files.has(s.id))
      warnings.push({
        path: tasksMd?.path ?? 'tasks.md',
        line: s.line,
        col: s.col,
        code: 'MISSING_WP_FILE',
        message: `${s.id} has a section in tasks.md but no prompt file tasks/${s.id}-<name>.md`,
      });
  }
  const ids = [...new Set([...sections.keys(), ...files.keys()])].sort();
  const graphProblems = fileProblems.length > 0 ? [] : validateDependencyGraph(ids, edges);
  return { tasksMdPath, tasksMd, workPackages: wps.workPackages, sections, ids, dependencies, fileProblems, graphProblems, warnings };
}
