import { readProjectConfig } from './config.js';
import { listFeatures, resolveFeature } from './features.js';
import { DEFAULT_MISSION, missionOf, readMeta } from './meta.js';
import { openProject } from './project.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';

/** What `spec-kitty mission list|current --json` prints. */
export interface MissionInfo {
  /** Missions that resolve (project, global runtime, built-in defaults). */
  readonly missions: ReadonlyArray<{ readonly key: string; readonly current: boolean; readonly features: readonly string[] }>;
  /** The mission in effect: the feature's (meta.json `mission`), else the project default. */
  readonly current: string;
  /** The feature it was read from, or null (no feature could be chosen: the project default applies). */
  readonly feature: string | null;
  /** Where `current` comes from: `feature` (meta.json) or `default`. */
  readonly source: 'feature' | 'default';
  readonly notes: readonly string[];
}

/**
 * `spec-kitty mission list|current`: the missions this project can use, which features use each, and the
 * mission in effect (the detected feature's, else the project default). Read-only.
 */
export async function missionInfo(
  options: WorkflowEnv & { readonly templates: TemplateSource; readonly feature?: string | undefined },
): Promise<MissionInfo> {
  const project = await openProject({ cwd: options.cwd, git: options.git, env: options.env });
  const notes: string[] = [];
  const features = listFeatures(project.root);
  const usedBy = new Map<string, string[]>();
  for (const f of features) {
    const key = missionOf(readMeta(project.root, f)?.data ?? null);
    usedBy.set(key, [...(usedBy.get(key) ?? []), f.slug]);
  }
  let feature: string | null = null;
  let current = DEFAULT_MISSION;
  const configured = readProjectConfig(project.root).data['mission'];
  if (typeof configured === 'string' && configured.trim() !== '') current = configured.trim();
  let source: MissionInfo['source'] = 'default';
  try {
    const r = await resolveFeature({ project, flag: options.feature, env: options.env, git: options.git, command: 'mission current' });
    feature = r.slug;
    current = missionOf(readMeta(project.root, r)?.data ?? null);
    source = 'feature';
  } catch (err) {
    if (options.feature !== undefined) throw err;
    notes.push('No feature detected: showing the project default mission (pass --feature to choose one).');
  }
  const keys = [...new Set([...(await options.templates.missions()), ...usedBy.keys()])].sort();
  for (const k of usedBy.keys())
    if (!(await options.templates.missions()).includes(k))
      notes.push(
        `Mission ${k} (used by ${(usedBy.get(k) ?? []).join(', ')}) does not resolve; spec-kitty falls back to ${DEFAULT_MISSION}.`,
      );
  notes.push(...(options.templates.takeNotes?.() ?? []));
  return {
    missions: keys.map((key) => ({ key, current: key === current, features: usedBy.get(key) ?? [] })),
    current,
    feature,
    source,
    notes,
  };
}
