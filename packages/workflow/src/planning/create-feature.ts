import { existsSync } from 'node:fs';
import path from 'node:path';
import { WorkflowError } from '../errors.js';
import { commitFiles, repoTopOf } from '../git/commit.js';
import { assertInside, writeFileAtomic } from '../files/files.js';
import { projectTransaction, runTransaction } from '../git/transaction.js';
import { featureSlugFor, listFeatures, nextFeatureNumber, SPECS_DIR } from '../project/features.js';
import { emitEvents, ensureProjectIdentity, prepareEvents, type MachineIdentity } from '../project/identity.js';
import { projectLockPath, withLock } from '../files/lock.js';
import { DEFAULT_MISSION, mergeMeta, readMeta, renderMeta } from '../project/meta.js';
import { checkMission, requireTemplate } from '../project/missions.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';
import { openProject, refuseInsideWorktree, requireGit } from '../project/project.js';
import { validateFeatureSlug } from '../project/slugs.js';

/** `tasks/README.md` of a new feature: how the work package files work (as the incumbent writes it, in our words). */
const TASKS_README = [
  '# Work packages',
  '',
  'One prompt file per work package, flat in this folder: `WP01-short-name.md`, `WP02-…`. The frontmatter holds',
  '`work_package_id`, `title`, `lane`, `dependencies`, `subtasks` and who works on it; the body is the prompt.',
  '',
  'Lanes change only through the CLI (`spec-kitty agent tasks move-task`, `spec-kitty implement`, reviews), which',
  'records each change in `../status.events.jsonl`. Do not edit `lane` by hand. Ask `spec-kitty next --agent <you>`',
  'what to do next.',
  '',
].join('\n');

/** Options of {@link createFeature}. */
export interface CreateFeatureOptions extends WorkflowEnv {
  /** The kebab-case name; the number is assigned. */
  readonly slug: string;
  /** Mission key; default `software-dev`. */
  readonly mission?: string | undefined;
  readonly templates: TemplateSource;
  /** Needed to add a project identity to `.kittify/config.yaml` when events are on and it has none. */
  readonly machine?: MachineIdentity;
  readonly newUuid?: () => string;
}

/** What `agent feature create-feature --json` prints (the Python CLI's keys plus a few more). */
export interface CreateFeatureResult {
  readonly result: 'success';
  /** `NNN-slug`. */
  readonly feature: string;
  readonly feature_slug: string;
  readonly feature_number: string;
  readonly friendly_name: string;
  readonly mission: string;
  readonly target_branch: string;
  /** Absolute path of the feature directory. */
  readonly feature_dir: string;
  readonly spec_file: string;
  readonly meta_file: string;
  /** The commits made, oldest first. */
  readonly commits: readonly string[];
  readonly events_queued: number;
  /** Human notes for stderr. */
  readonly notes: readonly string[];
}

const DOCUMENTATION_STATE = {
  iteration_mode: 'initial',
  divio_types_selected: [],
  generators_configured: [],
  target_audience: 'developers',
  last_audit_date: null,
  coverage_percentage: 0.0,
};

/**
 * `spec-kitty agent feature create-feature <slug>`: validates the slug before touching the disk, takes the next
 * feature number (across `kitty-specs/` and `.worktrees/`, under a project lock so two agents never get the same
 * one), creates `kitty-specs/NNN-slug/` with `spec.md` from the mission's template and `meta.json`, commits them
 * on the current branch (`Add spec for feature …`, `Add meta for feature …`), then queues `FeatureCreated`.
 * The repository is left clean; nothing the user had staged or changed is touched.
 */
export async function createFeature(options: CreateFeatureOptions): Promise<CreateFeatureResult> {
  const slug = validateFeatureSlug(options.slug);
  const project = await openProject(options);
  refuseInsideWorktree(project, 'create-feature');
  requireGit(project, 'Feature creation');
  const root = project.root;
  const branch = await options.git.currentBranch(root);
  if (branch === null) {
    throw new WorkflowError('DETACHED_HEAD', 'Must be on a branch to create features (detached HEAD detected).', {
      suggestions: ['Check out the branch the feature should target (e.g. git switch main) and run the command again.'],
    });
  }
  const mission = await checkMission(options.templates, options.mission ?? DEFAULT_MISSION);
  const specTemplate = await requireTemplate(options.templates, mission, 'spec-template.md');
  const repoTop = await repoTopOf(project, options.git);
  const notes: string[] = [];
  const now = options.now();

  const note = (n: string): void => {
    notes.push(n);
  };
  let origin: Promise<string | null> | undefined;
  const made = await withLock(
    projectLockPath(root),
    () =>
      runTransaction(projectTransaction(options, project, repoTop, 'agent feature create-feature', note), async (tx) => {
        const n = nextFeatureNumber(root);
        if (n > 999) {
          throw new WorkflowError('FEATURE_NUMBER_EXHAUSTED', 'All feature numbers 001–999 are used in kitty-specs/ and .worktrees/.', {
            suggestions: ['Archive or remove old features from kitty-specs/ before creating more.'],
          });
        }
        const featureSlug = featureSlugFor(n, slug);
        const same = listFeatures(root).filter((f) => f.slug.slice(4) === slug);
        if (same.length > 0)
          notes.push(
            `Note: a feature with this name already exists (${same.map((f) => f.slug).join(', ')}); created ${featureSlug} as a separate feature.`,
          );
        const dir = path.join(root, SPECS_DIR, featureSlug);
        const spec = path.join(dir, 'spec.md');
        const keep = path.join(dir, 'tasks', '.gitkeep');
        const metaPath = path.join(dir, 'meta.json');
        const readme = path.join(dir, 'tasks', 'README.md');
        tx.track([spec, keep, readme, metaPath]);
        for (const sub of ['checklists', 'research', 'tasks']) {
          assertInside(root, path.join(dir, sub));
          tx.mkdir(path.join(dir, sub));
        }
        if (!existsSync(spec)) writeFileAtomic(root, spec, specTemplate.text);
        if (!existsSync(keep)) writeFileAtomic(root, keep, '');
        if (!existsSync(readme)) writeFileAtomic(root, readme, TASKS_README);
        const feature = { slug: featureSlug, number: featureSlug.slice(0, 3), dir, relDir: `${SPECS_DIR}/${featureSlug}` };
        const meta = mergeMeta(readMeta(root, feature)?.data ?? null, {
          feature_number: feature.number,
          slug: featureSlug,
          feature_slug: featureSlug,
          friendly_name: slug.replace(/-/g, ' '),
          mission,
          target_branch: branch,
          created_at: now.toISOString(),
          ...(mission === 'documentation' ? { documentation_state: DOCUMENTATION_STATE } : {}),
        });
        tx.checkpoint();
        writeFileAtomic(root, metaPath, renderMeta(meta));
        // One `git status` for both commits (and for whether .kittify/config.yaml may take a project identity):
        // the first commit stages meta.json with its own files, so the second commits without a `git add`.
        const addIdentity = options.events !== undefined && options.machine !== undefined;
        const relTop = (abs: string): string => path.relative(repoTop, abs).split(path.sep).join('/');
        const configFile = path.join(root, '.kittify', 'config.yaml');
        const status = await options.git.status(repoTop, [spec, keep, readme, metaPath, ...(addIdentity ? [configFile] : [])].map(relTop));
        const commits: string[] = [];
        const m1 = `Add spec for feature ${featureSlug}`;
        const committing = tx.commit(
          m1,
          () =>
            commitFiles(options.git, repoTop, root, [spec, keep, readme], m1, {
              force: true,
              status,
              stageAlso: [metaPath],
              ...(options.sleep ? { sleep: options.sleep } : {}),
            }),
          { final: false },
        );
        prepareEvents(options.events); // the sync side loads its queue while git works
        // origin (for the events' context, and a new project slug) is asked while git commits.
        origin = options.events === undefined ? undefined : options.git.remoteUrl(root, 'origin').catch(() => null);
        const c1 = await committing;
        if (c1.commit_hash !== null) commits.push(c1.commit_hash);

        const metaFiles = [metaPath];
        let identityWritten = false;
        if (addIdentity && options.machine !== undefined) {
          const configClean = !status.some((e) => e.path === relTop(configFile));
          if (configClean) {
            tx.track([configFile]);
            const ensured = await ensureProjectIdentity({
              root,
              git: options.git,
              machine: options.machine,
              ...(origin === undefined ? {} : { origin }),
              ...(options.newUuid ? { newUuid: options.newUuid } : {}),
            });
            if (ensured.written) {
              metaFiles.push(ensured.configPath);
              identityWritten = true;
            }
          } else {
            notes.push(
              'Note: .kittify/config.yaml has uncommitted changes, so no project identity was added to it; sync events need one (commit your change, then run the command again).',
            );
          }
        }
        const m2 = `Add meta for feature ${featureSlug}`;
        const c2 = await tx.commit(m2, () =>
          commitFiles(options.git, repoTop, root, metaFiles, m2, {
            force: true,
            staged: true,
            // config.yaml was just written: git is asked about it (and meta.json) again.
            ...(identityWritten ? {} : { status }),
            ...(options.sleep ? { sleep: options.sleep } : {}),
          }),
        );
        if (c2.commit_hash !== null) commits.push(c2.commit_hash);
        return { featureSlug, dir, spec, metaPath, commits, meta };
      }),
    { what: 'feature numbering', onNote: note, signal: options.signal, now: options.now },
  );

  const emitted = await emitEvents(
    options.events,
    root,
    options.git,
    'FeatureCreated',
    (f) => [
      f.featureCreated({ featureSlug: made.featureSlug, targetBranch: branch, wpCount: 0, createdAt: String(made.meta['created_at']) }),
    ],
    origin === undefined ? {} : { origin },
  );
  notes.push(...(options.templates.takeNotes?.() ?? []), ...emitted.notes);
  return {
    result: 'success',
    feature: made.featureSlug,
    feature_slug: made.featureSlug,
    feature_number: made.featureSlug.slice(0, 3),
    friendly_name: String(made.meta['friendly_name']),
    mission,
    target_branch: branch,
    feature_dir: made.dir,
    spec_file: made.spec,
    meta_file: made.metaPath,
    commits: made.commits,
    events_queued: emitted.queued,
    notes,
  };
}
