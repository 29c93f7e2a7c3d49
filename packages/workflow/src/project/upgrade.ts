import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { commitFiles } from '../git/commit.js';
import { WorkflowError } from '../errors.js';
import { writeFileAtomic } from '../files/files.js';
import { editYaml } from '../files/yaml-edit.js';
import type { WorkflowEnv } from '../ports.js';
import { METADATA_REL, readProjectConfig } from './config.js';
import { openProject } from './project.js';
import { ensureProjectIdentity, type MachineIdentity } from './identity.js';
import { PROJECT_FORMAT_VERSION, readProjectMetadata, renderProjectMetadata, type MetadataRuntime } from './metadata.js';

/** One project migration `upgrade` knows (kitty's registry; ids in the incumbent's `<version>_<name>` form). */
interface Migration {
  readonly id: string;
  readonly description: string;
  readonly target_version: string;
  /** Files it would change (absolute), or an empty list when it does not apply. */
  plan(ctx: UpgradeCtx): Promise<string[]>;
  apply(ctx: UpgradeCtx): Promise<string[]>;
}

interface UpgradeCtx {
  readonly root: string;
  readonly options: UpgradeOptions;
}

/** Options of {@link upgradeProject}. */
export interface UpgradeOptions extends WorkflowEnv {
  readonly dryRun?: boolean;
  readonly runtime: MetadataRuntime;
  readonly machine: MachineIdentity;
  readonly newUuid?: () => string;
  /** Do not commit the changed files. */
  readonly noCommit?: boolean;
}

/** One migration in the result (the incumbent's keys). */
export interface UpgradeMigration {
  readonly id: string;
  readonly description: string;
  readonly target_version: string;
  readonly status: 'applied' | 'skipped' | 'pending';
  readonly files: readonly string[];
}

/** What `spec-kitty upgrade --json` prints (the incumbent's keys; `up_to_date` when nothing applies). */
export interface UpgradeResult {
  readonly notes: readonly string[];
  readonly status: 'up_to_date' | 'success' | 'failed';
  readonly current_version: string;
  readonly target_version: string;
  readonly kitty_version: string;
  readonly dry_run: boolean;
  readonly migrations: readonly UpgradeMigration[];
  readonly migrations_applied: number;
  readonly migrations_skipped: number;
  readonly success: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly auto_committed: boolean;
  readonly auto_commit_paths: readonly string[];
  readonly commit_hash: string | null;
  /** Always false: kitty reads templates from the global runtime and its defaults, never from copies in the project. */
  readonly templates_copied: false;
}

const rel = (root: string, abs: string): string => path.relative(root, abs).split(path.sep).join('/');

/** The registry, oldest first. */
const MIGRATIONS: readonly Migration[] = [
  {
    id: '2.0.0_metadata_format',
    description: 'metadata.yaml: spec_kitty.version is the project format version (2.0.0) and kitty records its own version under kitty:',
    target_version: PROJECT_FORMAT_VERSION,
    async plan({ root, options }) {
      const m = readProjectMetadata(root);
      return m.formatVersion !== PROJECT_FORMAT_VERSION || m.kittyVersion !== options.runtime.cliVersion ? [m.path] : [];
    },
    async apply({ root, options }) {
      const m = readProjectMetadata(root);
      const now = options.now().toISOString();
      let text: string;
      if (m.file === null || m.formatVersion === 'unknown') {
        text = renderProjectMetadata({ initializedAt: m.initializedAt ?? now, lastUpgradedAt: now, runtime: options.runtime });
      } else {
        // Keep the file as its writer (Python or kitty) laid it out; set the format, the upgrade time and kitty's block.
        text = editYaml(
          m.file.text,
          [
            { path: ['spec_kitty', 'version'], value: PROJECT_FORMAT_VERSION },
            { path: ['spec_kitty', 'last_upgraded_at'], value: now },
            { path: ['kitty', 'version'], value: options.runtime.cliVersion },
          ],
          METADATA_REL,
        );
      }
      writeFileAtomic(root, m.path, text, { shownAs: METADATA_REL });
      return [m.path];
    },
  },
  {
    id: '2.0.0_project_identity',
    description: 'config.yaml: the project identity (uuid, slug, node_id) that sync events carry',
    async plan({ root }) {
      const p = readProjectConfig(root).data['project'];
      const have = p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : {};
      return ['uuid', 'slug', 'node_id'].every((k) => typeof have[k] === 'string' && have[k] !== '') ? [] : [readProjectConfig(root).path];
    },
    async apply({ root, options }) {
      const r = await ensureProjectIdentity({
        root,
        git: options.git,
        machine: options.machine,
        ...(options.newUuid ? { newUuid: options.newUuid } : {}),
      });
      return r.written ? [r.configPath] : [];
    },
    target_version: PROJECT_FORMAT_VERSION,
  },
  {
    id: '2.0.0_python_leftovers',
    description:
      'commit what the Python spec-kitty 2.0.0 leaves uncommitted: the identity block of config.yaml and the tasks/ scaffolding (.gitkeep, README.md) of create-feature',
    target_version: PROJECT_FORMAT_VERSION,
    async plan({ root, options }) {
      return pythonLeftovers(root, options);
    },
    async apply({ root, options }) {
      // Nothing to rewrite: the files are committed with the upgrade commit.
      return pythonLeftovers(root, options);
    },
  },
];

/** Files the Python CLI 2.0.0 leaves uncommitted that make a repository dirty for `accept`. */
async function pythonLeftovers(root: string, options: UpgradeOptions): Promise<string[]> {
  const loc = await options.git.locate(root).catch(() => null);
  if (loc === null) return [];
  const entries = await options.git.status(loc.topLevel, ['.kittify/config.yaml', 'kitty-specs']).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = e.path.replace(/\/$/, '');
    if (
      p === '.kittify/config.yaml' &&
      e.workTree === 'M' &&
      typeof (readProjectConfig(root).data['project'] as Record<string, unknown> | undefined)?.['uuid'] === 'string'
    )
      out.push(path.join(loc.topLevel, p));
    else if (e.workTree === '?' && /^kitty-specs\/[^/]+\/tasks\/(?:\.gitkeep|README\.md)$/.test(p)) out.push(path.join(loc.topLevel, p));
  }
  return out;
}

/** Template copies in the project (`.kittify/templates`, `.kittify/missions`): reported, never added. */
function projectTemplateCopies(root: string): string[] {
  return ['templates', 'missions', 'command-templates'].filter(
    (d) => existsSync(path.join(root, '.kittify', d)) && readdirSync(path.join(root, '.kittify', d)).length > 0,
  );
}

/**
 * `spec-kitty upgrade`: brings a project (made by the Python spec-kitty 2.0.0 or an older kitty) to kitty's
 * format with versioned migrations: each is checked, applied in order (or listed with `--dry-run`), and the
 * files it changed are committed in one commit `chore: apply spec-kitty upgrade changes (<from> -> <to>)`.
 * Package templates are never copied into the project. Running it again finds nothing to do.
 */
export async function upgradeProject(options: UpgradeOptions): Promise<UpgradeResult> {
  const root = (await openProject({ cwd: options.cwd, git: options.git, env: options.env })).root;
  if (!existsSync(path.join(root, '.kittify')) && !existsSync(path.join(root, '.specify'))) {
    throw new WorkflowError('NOT_A_PROJECT', `Not a Spec Kitty project: no .kittify/ in ${root}.`, {
      suggestions: ['Run the command inside a spec-kitty project, or set one up with: spec-kitty init --here --ai claude'],
    });
  }
  const before = readProjectMetadata(root);
  const dryRun = options.dryRun === true;
  const ctx: UpgradeCtx = { root, options };
  const migrations: UpgradeMigration[] = [];
  const changed: string[] = [];
  const errors: string[] = [];
  for (const m of MIGRATIONS) {
    const files = await m.plan(ctx);
    if (files.length === 0) {
      migrations.push({ id: m.id, description: m.description, target_version: m.target_version, status: 'skipped', files: [] });
      continue;
    }
    if (dryRun) {
      migrations.push({
        id: m.id,
        description: m.description,
        target_version: m.target_version,
        status: 'pending',
        files: files.map((f) => rel(root, f)),
      });
      continue;
    }
    try {
      const done = await m.apply(ctx);
      changed.push(...done);
      migrations.push({
        id: m.id,
        description: m.description,
        target_version: m.target_version,
        status: 'applied',
        files: done.map((f) => rel(root, f)),
      });
    } catch (err) {
      errors.push(`${m.id}: ${(err as Error).message}`);
      break;
    }
  }
  const warnings = projectTemplateCopies(root).map(
    (d) =>
      `.kittify/${d}/ holds template copies; kitty reads templates from the global runtime. Run spec-kitty migrate to move customised ones to .kittify/overrides/.`,
  );
  const applied = migrations.filter((m) => m.status === 'applied').length;
  const pending = migrations.filter((m) => m.status === 'pending').length;
  let commit = { commit_created: false, commit_hash: null as string | null, files_committed: [] as readonly string[] };
  if (!dryRun && errors.length === 0 && changed.length > 0 && options.noCommit !== true) {
    const top = await options.git.locate(root).catch(() => null);
    if (top !== null) {
      commit = await commitFiles(
        options.git,
        top.topLevel,
        root,
        [...new Set(changed)],
        `chore: apply spec-kitty upgrade changes (${before.formatVersion} -> ${PROJECT_FORMAT_VERSION})`,
        { ...(options.sleep ? { sleep: options.sleep } : {}) },
      );
    }
  }
  return {
    status: errors.length > 0 ? 'failed' : applied === 0 && pending === 0 ? 'up_to_date' : 'success',
    current_version: before.formatVersion,
    target_version: PROJECT_FORMAT_VERSION,
    kitty_version: options.runtime.cliVersion,
    dry_run: dryRun,
    migrations,
    migrations_applied: applied,
    migrations_skipped: migrations.filter((m) => m.status === 'skipped').length,
    success: errors.length === 0,
    errors,
    warnings,
    auto_committed: commit.commit_created,
    auto_commit_paths: commit.files_committed,
    commit_hash: commit.commit_hash,
    templates_copied: false,
    notes: [],
  };
}
