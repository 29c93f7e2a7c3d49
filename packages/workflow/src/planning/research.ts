import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../files/files.js';
import { resolveFeature } from '../project/features.js';
import { openProject } from '../project/project.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';

/** What `spec-kitty research --json` prints. */
export interface ResearchResult {
  readonly feature: string;
  readonly feature_dir: string;
  /** Absolute paths written (or, with --dry-run, that would be). */
  readonly created: readonly string[];
  /** Absolute paths that already existed and were kept (use --force to overwrite). */
  readonly skipped: readonly string[];
  readonly dry_run: boolean;
  readonly notes: readonly string[];
}

/** The research artifacts of a feature and the research-mission template each starts from (null: a short scaffold). */
const ARTIFACTS: ReadonlyArray<readonly [string, string | null, string]> = [
  [
    'research.md',
    null,
    '# Research: {feature}\n\n## Questions\n\n- [ ] \n\n## Findings\n\n(Cite sources by id from research/source-register.csv and evidence by id from research/evidence-log.csv.)\n',
  ],
  ['data-model.md', null, '# Data Model: {feature}\n\n## Entities\n\n'],
  ['research/evidence-log.csv', 'evidence-log.csv', 'evidence_id,source_id,sub_question,claim,location,kind,notes\n'],
  ['research/source-register.csv', 'source-register.csv', 'source_id,title,author,year,url_or_reference,type,reliability,notes\n'],
];

/**
 * `spec-kitty research`: scaffolds the Phase 0 research artifacts of a feature: `research.md`,
 * `data-model.md` and the research mission's evidence CSVs (`research/evidence-log.csv`,
 * `research/source-register.csv`, from the research mission templates). Existing files are kept unless
 * `force`; `dryRun` only lists what would be written. Nothing is committed (the agent commits its research).
 */
export async function scaffoldResearch(
  options: WorkflowEnv & {
    readonly templates: TemplateSource;
    readonly feature?: string | undefined;
    readonly force?: boolean;
    readonly dryRun?: boolean;
  },
): Promise<ResearchResult> {
  const project = await openProject({ cwd: options.cwd, git: options.git, env: options.env });
  const feature = await resolveFeature({ project, git: options.git, flag: options.feature, env: options.env, command: 'research' });
  const created: string[] = [];
  const skipped: string[] = [];
  const notes: string[] = [];
  for (const [rel, template, fallback] of ARTIFACTS) {
    const file = path.join(feature.dir, ...rel.split('/'));
    if (existsSync(file) && options.force !== true) {
      skipped.push(file);
      continue;
    }
    const asset = template === null ? null : await options.templates.template('research', template);
    const text = asset?.text ?? fallback.replace('{feature}', feature.slug);
    if (options.dryRun !== true) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(project.root, file, text);
    }
    created.push(file);
  }
  notes.push(...(options.templates.takeNotes?.() ?? []));
  if (skipped.length > 0) notes.push(`Kept ${skipped.length} existing file(s); pass --force to overwrite them.`);
  return { feature: feature.slug, feature_dir: feature.dir, created, skipped, dry_run: options.dryRun === true, notes };
}
