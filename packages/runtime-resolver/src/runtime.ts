import type { LockSettings } from './_lock.js';
import { findProjectRoot, resolveHome, type HomeLocation, type RuntimeEnv } from './home.js';
import { PackageDefaults, defaultPackageRoot, packageVersion } from './package-assets.js';
import { migrateProject, type ProjectMigration } from './project-migrate.js';
import { RuntimeResolver, type OriginReport } from './resolver.js';
import { installRuntime, previewRuntime, type RuntimeMigration } from './runtime-install.js';

/** What the runtime needs from the process; the CLI passes the process environment, home directory, platform and working directory. */
export interface RuntimeContext {
  readonly env: RuntimeEnv;
  readonly homeDir: string | undefined;
  readonly platform: string;
  readonly cwd: string;
  /** Package defaults directory (tests); defaults to the one shipped in this package. */
  readonly packageRoot?: string;
  /** Version of the defaults (tests); defaults to this package's version. */
  readonly version?: string;
}

function locate(ctx: RuntimeContext): { location: HomeLocation; projectRoot: string | null } {
  const location = resolveHome(ctx);
  return { location, projectRoot: findProjectRoot({ cwd: ctx.cwd, env: ctx.env, home: location.home }) };
}

/**
 * Finds the home and the project for `ctx` and returns the resolver. Create it once per process: it returns
 * the one-time "run spec-kitty migrate" note from `takeNotes()` at most once.
 *
 * @example
 * const runtime = openRuntime({ env, homeDir, platform, cwd }); // all from the CLI layer
 * const spec = runtime.resolveTemplate('software-dev', 'spec-template.md');
 */
export function openRuntime(ctx: RuntimeContext): RuntimeResolver {
  const { location, projectRoot } = locate(ctx);
  return new RuntimeResolver({
    home: location.home,
    projectRoot,
    ...(ctx.packageRoot === undefined ? {} : { packageRoot: ctx.packageRoot }),
    ...(ctx.version === undefined ? {} : { version: ctx.version }),
  });
}

/** Every asset with the tier it comes from, plus runtime state and notes (`spec-kitty config --show-origin`). */
export function showOrigin(ctx: RuntimeContext): OriginReport {
  return openRuntime(ctx).originReport();
}

/** Options of {@link migrate}. */
export interface MigrateOptions extends RuntimeContext {
  /** The clock (for the manifest's `updated_at` and backup folder names). */
  readonly now: () => Date;
  /** Report what would change without writing anything. */
  readonly dryRun?: boolean;
  /** Lock waiting and staleness (tests shorten them). */
  readonly lock?: LockSettings;
}

/** What `spec-kitty migrate --json` prints. */
export interface MigrateReport {
  readonly dry_run: boolean;
  /** Whether anything was (or, in a dry run, would be) changed. False on a second run. */
  readonly changed: boolean;
  readonly home: string;
  readonly home_source: HomeLocation['source'];
  readonly runtime: RuntimeMigration;
  /** Null outside a project (only the global runtime is handled). */
  readonly project: ProjectMigration | null;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty migrate`: installs or refreshes the global runtime (version-stamped, under a cross-process
 * lock), removes the project's copies that are identical to the defaults, moves pre-2.x command templates
 * to `.kittify/command-templates/`, and keeps customised files where the chain reads them. Idempotent: a
 * second run changes nothing.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateReport> {
  const { location, projectRoot } = locate(options);
  const packageRoot = options.packageRoot ?? defaultPackageRoot();
  const version = options.version ?? packageVersion();
  const defaults = new PackageDefaults(packageRoot);
  const dryRun = options.dryRun === true;
  const runtime = dryRun
    ? previewRuntime(location.home, defaults, version)
    : await installRuntime(location.home, defaults, version, options.now, options.lock);
  const project =
    projectRoot === null ? null : await migrateProject({ home: location.home, projectRoot, packageRoot, version }, dryRun, options.lock);
  const notes: string[] = [];
  if (projectRoot === null)
    notes.push(`No spec-kitty project at ${options.cwd} or above (no .kittify/ folder): only the global runtime was handled.`);
  const changed =
    runtime.changes.length > 0 || runtime.stamp_written || (project !== null && (project.removed.length > 0 || project.moved.length > 0));
  return { dry_run: dryRun, changed, home: location.home, home_source: location.source, runtime, project, notes };
}

/**
 * Installs or refreshes only the global runtime (what `spec-kitty init` can call so new projects start
 * migrated). Same guarantees as {@link migrate}; the project is not touched.
 */
export async function installGlobalRuntime(options: MigrateOptions): Promise<RuntimeMigration> {
  const home = resolveHome(options).home;
  const defaults = new PackageDefaults(options.packageRoot ?? defaultPackageRoot());
  const version = options.version ?? packageVersion();
  return options.dryRun === true
    ? previewRuntime(home, defaults, version)
    : installRuntime(home, defaults, version, options.now, options.lock);
}
