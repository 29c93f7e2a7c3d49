import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { resolveLane } from '@kitty/events';
import { formatProblem } from '../errors.js';
import { agentSpec } from '../planning/agents.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';
import { readFeatureState } from '../status/status-change.js';
import { configuredAgents, readProjectConfig } from './config.js';
import { listFeatures, resolveFeature } from './features.js';
import { PROJECT_FORMAT_VERSION, readProjectMetadata } from './metadata.js';
import { openProject } from './project.js';

/** One check of `verify-setup`. */
export interface SetupCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** A command that fixes it, when there is one. */
  readonly fix: string | null;
}

/** What `spec-kitty verify-setup --json` prints. */
export interface VerifySetupResult {
  readonly project_root: string;
  readonly format_version: string;
  readonly kitty_version: string | null;
  readonly agents: readonly string[];
  readonly missions: readonly string[];
  readonly features: number;
  readonly checks: readonly SetupCheck[];
  readonly ok: boolean;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty verify-setup`: checks that the project is usable by kitty and by the Python spec-kitty 2.0.0: the
 * metadata format version, kitty's version stamp, the configured agents and their command files, git, and that
 * the missions resolve. Read-only.
 */
export async function verifySetup(options: WorkflowEnv & { readonly templates: TemplateSource }): Promise<VerifySetupResult> {
  const project = await openProject({ cwd: options.cwd, git: options.git, env: options.env });
  const root = project.root;
  const checks: SetupCheck[] = [];
  const meta = readProjectMetadata(root);
  checks.push({
    name: 'metadata_format',
    ok: meta.formatVersion === PROJECT_FORMAT_VERSION,
    detail: `.kittify/metadata.yaml spec_kitty.version is ${meta.formatVersion} (the Python spec-kitty 2.0.0 refuses anything but ${PROJECT_FORMAT_VERSION})`,
    fix: meta.formatVersion === PROJECT_FORMAT_VERSION ? null : 'spec-kitty upgrade',
  });
  checks.push({
    name: 'kitty_version',
    ok: meta.kittyVersion !== null,
    detail:
      meta.kittyVersion === null ? 'kitty has not stamped this project yet (made by the Python spec-kitty)' : `kitty ${meta.kittyVersion}`,
    fix: meta.kittyVersion === null ? 'spec-kitty upgrade' : null,
  });
  const agents = configuredAgents(readProjectConfig(root));
  checks.push({
    name: 'agents_configured',
    ok: agents.length > 0,
    detail: agents.length > 0 ? agents.join(', ') : 'no agents in .kittify/config.yaml agents.available',
    fix: agents.length > 0 ? null : 'spec-kitty init --here --ai claude',
  });
  for (const a of agents) {
    const spec = agentSpec(a);
    if (spec === undefined) {
      checks.push({ name: `agent_${a}`, ok: false, detail: `unknown agent ${a}`, fix: null });
      continue;
    }
    const dir = path.join(root, spec.dir);
    const n = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('spec-kitty.')).length : 0;
    checks.push({
      name: `agent_${a}`,
      ok: n > 0,
      detail: `${spec.dir}: ${n} spec-kitty command file(s)`,
      fix: n > 0 ? null : `spec-kitty init --here --ai ${agents.join(',')}`,
    });
  }
  checks.push({
    name: 'git',
    ok: project.location !== null,
    detail: project.location === null ? 'not a git repository (feature commands need git)' : `repository at ${project.location.topLevel}`,
    fix: project.location === null ? 'git init' : null,
  });
  const missions = [...(await options.templates.missions())];
  checks.push({
    name: 'missions',
    ok: missions.includes('software-dev'),
    detail: missions.join(', ') || '(none)',
    fix: missions.includes('software-dev') ? null : 'spec-kitty migrate',
  });
  return {
    project_root: root,
    format_version: meta.formatVersion,
    kitty_version: meta.kittyVersion,
    agents,
    missions,
    features: listFeatures(root).length,
    checks,
    ok: checks.every((c) => c.ok || c.name === 'kitty_version'),
    notes: [...(options.templates.takeNotes?.() ?? [])],
  };
}

/** One work package of `validate-tasks`. */
export interface TaskValidation {
  readonly id: string;
  readonly file: string;
  /** The lane written in the frontmatter (raw), or null. */
  readonly frontmatter_lane: string | null;
  /** The lane in effect (the status log's, else the frontmatter's). */
  readonly lane: string;
  readonly issues: readonly string[];
}

/** What `spec-kitty validate-tasks --json` prints. */
export interface ValidateTasksResult {
  readonly features: ReadonlyArray<{
    readonly feature: string;
    readonly valid: boolean;
    readonly work_packages: readonly TaskValidation[];
    readonly problems: readonly string[];
  }>;
  readonly valid: boolean;
  readonly mismatches: number;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty validate-tasks [--feature F | --all]`: for each work package, the frontmatter lane against the
 * status log (a mismatch is what the Python CLI calls a lane mismatch), a lane value no lane model knows, and
 * the required frontmatter fields. Read-only (`agent status materialize` rewrites the frontmatter views).
 */
export async function validateTasks(
  options: WorkflowEnv & { readonly feature?: string | undefined; readonly all?: boolean },
): Promise<ValidateTasksResult> {
  const project = await openProject({ cwd: options.cwd, git: options.git, env: options.env });
  const features =
    options.all === true
      ? listFeatures(project.root)
      : [await resolveFeature({ project, git: options.git, flag: options.feature, env: options.env, command: 'validate-tasks' })];
  let mismatches = 0;
  const out = features.map((feature) => {
    const state = readFeatureState(project.root, feature, options.now(), { tolerant: true });
    const wps = state.workPackages.workPackages.map((w): TaskValidation => {
      const issues: string[] = [];
      const lane = state.laneOf(w.id);
      let fmLane: string | null = w.lane;
      if (fmLane === null) issues.push('no lane in the frontmatter');
      else {
        try {
          const resolved = resolveLane(fmLane);
          if (state.hasEvents(w.id) && resolved !== lane) {
            issues.push(`frontmatter lane ${fmLane} but the status log says ${lane} (run spec-kitty agent status materialize)`);
            mismatches += 1;
          }
        } catch {
          issues.push(`unknown lane ${JSON.stringify(fmLane)}`);
          fmLane = String(fmLane);
        }
      }
      for (const k of ['work_package_id', 'title'])
        if (typeof w.data[k] !== 'string' || w.data[k].trim() === '') issues.push(`missing ${k}`);
      return { id: w.id, file: w.shownAs, frontmatter_lane: fmLane, lane, issues };
    });
    const problems = state.workPackages.problems.map(formatProblem);
    return { feature: feature.slug, valid: problems.length === 0 && wps.every((w) => w.issues.length === 0), work_packages: wps, problems };
  });
  return { features: out, valid: out.every((f) => f.valid), mismatches, notes: [] };
}
