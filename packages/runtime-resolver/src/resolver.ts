import path from 'node:path';
import { RuntimeError } from './errors.js';
import { parseMission, type Mission } from './mission.js';
import { PackageDefaults, defaultPackageRoot, packageVersion } from './package-assets.js';
import { readManifest, runtimeStatus, type RuntimeManifest, type RuntimeStatus } from './runtime-state.js';
import {
  candidates,
  checkAssetName,
  checkMissionKey,
  describeAsset,
  missionRel,
  type AssetKind,
  type AssetLocation,
  type ChainRoots,
  type Tier,
} from './tiers.js';
import { isFile, joinRel, listDirs, listFiles, readBytes, sameText, sha256 } from './_fs.js';

/** Why the resolver suggests running `spec-kitty migrate`. */
export type RuntimeNoteCode = 'RUNTIME_NOT_INSTALLED' | 'RUNTIME_STALE' | 'LEGACY_PROJECT_COPIES';

/** A one-time hint for the user (the CLI prints it on stderr). */
export interface RuntimeNote {
  readonly code: RuntimeNoteCode;
  readonly message: string;
}

/** An asset the chain found: where it came from, its text, and what it shadows. */
export interface ResolvedAsset extends AssetLocation {
  readonly kind: AssetKind;
  readonly mission: string;
  /** The asset name (`spec-template.md`, `specify.md`, or `mission.yaml`). */
  readonly name: string;
  /** The file's text (UTF-8). */
  readonly content: string;
  /** Lower-priority files with the same name that lost to this one, in chain order. */
  readonly shadowed: readonly AssetLocation[];
}

/** One row of `spec-kitty config --show-origin`. */
export interface OriginEntry {
  readonly kind: AssetKind;
  readonly mission: string;
  readonly name: string;
  readonly tier: Tier;
  readonly path: string;
  readonly legacy: boolean;
  readonly shadowed: readonly AssetLocation[];
}

/** What `spec-kitty config --show-origin --json` prints. */
export interface OriginReport {
  readonly home: string;
  readonly project_root: string | null;
  readonly runtime: RuntimeStatus;
  readonly missions: readonly string[];
  readonly assets: readonly OriginEntry[];
  /** Notes also printed on stderr (at most one). */
  readonly notes: readonly string[];
}

/** Where the resolver looks. Build it with `openRuntime()` unless you already know the roots. */
export interface RuntimeResolverOptions {
  /** The global runtime directory (see `resolveHome`). */
  readonly home: string;
  /** The project root (the directory holding `.kittify/`), or null outside a project. */
  readonly projectRoot: string | null;
  /** The package defaults directory; defaults to the one shipped in this package. */
  readonly packageRoot?: string;
  /** The version of the defaults; defaults to this package's version. */
  readonly version?: string;
}

/** @internal Options migrate uses to simulate the state after removing files. */
export interface ResolverInternals {
  /** Absolute paths to treat as absent. */
  readonly ignore?: ReadonlySet<string>;
  /** Never produce notes. */
  readonly silent?: boolean;
}

interface Found extends AssetLocation {
  readonly bytes: Buffer;
}

/**
 * The one resolver for templates, command templates and missions. Every lookup walks the chain of DESIGN 3.7
 * (project mission → project → global mission → global → package default) and returns the asset with the
 * tier it came from. Unedited copies that `spec-kitty migrate` installed in the global runtime stand for the
 * package defaults (they never hide `~/.kittify/templates/` or a newer default).
 *
 * Create one per process: it hands out at most one note (see {@link takeNotes}).
 *
 * @example
 * const r = new RuntimeResolver({ home: '/home/ana/.kittify', projectRoot: '/work/app' });
 * r.resolveTemplate('software-dev', 'spec-template.md').tier // => 'package_default'
 */
export class RuntimeResolver {
  readonly home: string;
  readonly projectRoot: string | null;
  readonly version: string;
  readonly defaults: PackageDefaults;
  readonly #roots: ChainRoots;
  readonly #ignore: ReadonlySet<string>;
  readonly #silent: boolean;
  #status: RuntimeStatus | undefined;
  #manifest: RuntimeManifest | null | undefined;
  #touched = false;
  #noted = false;
  #pending: RuntimeNote[] = [];

  constructor(options: RuntimeResolverOptions, internals: ResolverInternals = {}) {
    this.home = path.resolve(options.home);
    this.projectRoot = options.projectRoot === null ? null : path.resolve(options.projectRoot);
    this.version = options.version ?? packageVersion();
    this.defaults = new PackageDefaults(path.resolve(options.packageRoot ?? defaultPackageRoot()));
    this.#roots = { home: this.home, projectRoot: this.projectRoot, packageRoot: this.defaults.root };
    this.#ignore = internals.ignore ?? new Set();
    this.#silent = internals.silent === true;
  }

  /** The global runtime's state (read once, then cached). */
  status(): RuntimeStatus {
    this.#status ??= runtimeStatus(this.home, this.version);
    return this.#status;
  }

  /**
   * Resolves a document template (`spec-template.md`, `plan-template.md`, …) of a mission.
   * Throws ASSET_NOT_FOUND (naming the tiers searched and the fix) when no tier has it.
   */
  resolveTemplate(mission: string, name: string): ResolvedAsset {
    return this.resolve('template', mission, name);
  }

  /** Resolves an agent command template (`specify.md`, `implement.md`, …) for a mission. */
  resolveCommandTemplate(mission: string, name: string): ResolvedAsset {
    return this.resolve('command-template', mission, name);
  }

  /** Resolves a mission's `mission.yaml`. */
  resolveMission(mission: string): ResolvedAsset {
    return this.resolve('mission', mission, 'mission.yaml');
  }

  /** Resolves and validates a mission's `mission.yaml` (INVALID_MISSION when it is malformed). */
  loadMission(mission: string): Mission & { readonly source: AssetLocation } {
    const asset = this.resolveMission(mission);
    return { ...parseMission(mission, asset.content, asset.path), source: { tier: asset.tier, path: asset.path, legacy: asset.legacy } };
  }

  /** Resolves any asset; throws ASSET_NOT_FOUND when the chain has nothing. */
  resolve(kind: AssetKind, mission: string, name: string): ResolvedAsset {
    const found = this.find(kind, mission, name);
    if (found !== null) return found;
    throw this.#notFound(kind, mission, name);
  }

  /** Like {@link resolve} but returns null instead of throwing when nothing is found. */
  find(kind: AssetKind, mission: string, name: string): ResolvedAsset | null {
    checkMissionKey(mission);
    if (kind !== 'mission') checkAssetName(kind, name);
    this.#touch();
    const found = this.#locate(kind, mission, name);
    const [winner, ...rest] = found;
    if (winner === undefined) return null;
    if (
      (winner.tier === 'project_mission' || winner.tier === 'project') &&
      this.isStockProjectCopy(kind, mission, name, winner, winner.bytes)
    ) {
      const rel = path
        .relative(this.projectRoot ?? '', winner.path)
        .split(path.sep)
        .join('/');
      this.#note(
        'LEGACY_PROJECT_COPIES',
        `Note: this project still has copies of spec-kitty's default templates in .kittify/ (for example ${rel}), from an older layout. ` +
          'Everything works as is; run `spec-kitty migrate` to remove the unmodified copies and keep your customised ones ' +
          '(`spec-kitty migrate --dry-run` shows what it would do). This note stops after that.',
      );
    }
    return {
      kind,
      mission,
      name,
      tier: winner.tier,
      path: winner.path,
      legacy: winner.legacy,
      content: winner.bytes.toString('utf8'),
      shadowed: rest.map(({ tier, path: p, legacy }) => ({ tier, path: p, legacy })),
    };
  }

  /** Mission keys that resolve anywhere in the chain (built-in, global runtime, project), sorted. */
  listMissions(): string[] {
    this.#touch();
    const keys = new Set<string>(this.defaults.missions());
    const roots = [path.join(this.home, 'missions')];
    if (this.projectRoot !== null) roots.push(path.join(this.projectRoot, '.kittify', 'missions'));
    for (const root of roots) {
      for (const key of listDirs(root)) {
        const file = path.join(root, key, 'mission.yaml');
        if (/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/.test(key) && isFile(file) && !this.#ignore.has(file)) keys.add(key);
      }
    }
    return [...keys].sort();
  }

  /** Names of every document template that resolves for `mission`, sorted. */
  listTemplates(mission: string): string[] {
    return this.#listNames('template', mission);
  }

  /** Names of every agent command template that resolves for `mission`, sorted (what `init` installs). */
  listCommandTemplates(mission: string): string[] {
    return this.#listNames('command-template', mission);
  }

  /** Every asset of every mission with the tier it comes from (`spec-kitty config --show-origin`). */
  originReport(): OriginReport {
    const missions = this.listMissions();
    const assets: OriginEntry[] = [];
    const add = (a: ResolvedAsset | null): void => {
      if (a !== null)
        assets.push({ kind: a.kind, mission: a.mission, name: a.name, tier: a.tier, path: a.path, legacy: a.legacy, shadowed: a.shadowed });
    };
    for (const mission of missions) {
      add(this.find('mission', mission, 'mission.yaml'));
      for (const name of this.listTemplates(mission)) add(this.find('template', mission, name));
      for (const name of this.listCommandTemplates(mission)) add(this.find('command-template', mission, name));
    }
    return {
      home: this.home,
      project_root: this.projectRoot,
      runtime: this.status(),
      missions,
      assets,
      notes: this.takeNotes().map((n) => n.message),
    };
  }

  /** The notes not handed out yet; across the resolver's life there is at most one. */
  takeNotes(): RuntimeNote[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  /**
   * Whether a project file found at `where` is an unmodified copy of a package default, or sits in the pre-2.x
   * command-template folder: the files `spec-kitty migrate` removes or moves (they trigger the one-time note).
   */
  isStockProjectCopy(kind: AssetKind, mission: string, name: string, where: AssetLocation, bytes: Buffer): boolean {
    return where.legacy || this.stockMatch(kind, mission, name, where.tier, bytes) !== null;
  }

  /**
   * For a project file, the assets-relative path of the package default it is an unmodified copy of, or null.
   * A file in a mission folder is compared with that mission's default; a shared one with every mission's.
   */
  stockMatch(kind: AssetKind, mission: string, name: string, tier: Tier, bytes: Buffer): string | null {
    const rel = missionRel(kind, name);
    if (tier === 'project_mission') return this.defaults.stockMatch(mission, rel, bytes);
    if (tier !== 'project') return null;
    for (const key of this.defaults.missions()) {
      const match = this.defaults.stockMatch(key, rel, bytes);
      if (match !== null) return match;
    }
    return null;
  }

  /** Whether a file in the global runtime's mission folder is an unedited copy that migrate installed. */
  isManagedCopy(mission: string, relInMission: string, bytes: Buffer): boolean {
    this.#manifest ??= readManifest(this.home);
    const installed = this.#manifest?.files[`missions/${mission}/${relInMission}`];
    if (installed !== undefined && installed === sha256(bytes)) return true;
    const def = this.defaults.missionFiles(mission).get(relInMission);
    return def !== undefined && sameText(bytes, this.defaults.bytes(def));
  }

  #locate(kind: AssetKind, mission: string, name: string): Found[] {
    const out: Found[] = [];
    for (const c of candidates(kind, mission, name, this.#roots)) {
      if (this.#ignore.has(c.path)) continue;
      const bytes = readBytes(c.path);
      if (bytes === null) continue;
      if (c.tier === 'global_mission' && this.isManagedCopy(mission, missionRel(kind, name), bytes)) continue;
      out.push({ ...c, bytes });
    }
    return out;
  }

  #listNames(kind: Exclude<AssetKind, 'mission'>, mission: string): string[] {
    checkMissionKey(mission);
    this.#touch();
    const sub = kind === 'template' ? 'templates' : 'command-templates';
    const dirs: string[] = [];
    if (this.projectRoot !== null) {
      const k = path.join(this.projectRoot, '.kittify');
      dirs.push(path.join(k, 'missions', mission, sub), path.join(k, sub));
      if (kind === 'command-template') dirs.push(path.join(k, 'templates', 'command-templates'));
    }
    dirs.push(path.join(this.home, 'missions', mission, sub), path.join(this.home, sub));
    dirs.push(path.join(this.defaults.root, 'missions', mission, sub));
    if (kind === 'command-template') dirs.push(path.join(this.defaults.root, 'command-templates'));
    const names = new Set<string>();
    for (const dir of dirs) {
      for (const rel of listFiles(dir)) {
        if (this.#ignore.has(joinRel(dir, rel))) continue;
        try {
          checkAssetName(kind, rel);
        } catch {
          continue; // dot-files, editor backups and the legacy command-template folder are not templates
        }
        names.add(rel);
      }
    }
    return [...names].sort();
  }

  #touch(): void {
    if (this.#touched) return;
    this.#touched = true;
    const s = this.status();
    if (s.state === 'not_installed') {
      this.#note(
        'RUNTIME_NOT_INSTALLED',
        `Note: spec-kitty's global runtime is not installed yet (${this.home}). Everything works from this project's files and the built-in defaults; ` +
          'run `spec-kitty migrate` once to install it (`spec-kitty migrate --dry-run` shows what it would do). This note stops after that.',
      );
    } else if (s.state === 'stale') {
      // (other_cli: the Python spec-kitty installed the runtime; kitty reads it by content and says nothing.)
      this.#note(
        'RUNTIME_STALE',
        `Note: spec-kitty's global runtime (${this.home}) was installed by version ${s.installed_version ?? '?'}; this spec-kitty is ${s.package_version}. ` +
          'Everything works; run `spec-kitty migrate` to refresh it (your edits there are kept). This note stops after that.',
      );
    }
  }

  #note(code: RuntimeNoteCode, message: string): void {
    if (this.#noted || this.#silent) return;
    this.#noted = true;
    this.#pending.push({ code, message });
  }

  #notFound(kind: AssetKind, mission: string, name: string): RuntimeError {
    const searched = candidates(kind, mission, name, this.#roots);
    const lines = searched.map((c, i) => `  ${i + 1}. ${c.tier.padEnd(15)} ${c.path}${c.legacy ? ' (pre-2.x location)' : ''}`);
    if (this.projectRoot === null)
      lines.unshift('  -  project tiers: skipped (not inside a spec-kitty project: no .kittify/ folder here or above)');
    const suggestions: string[] = [];
    const missions = this.listMissions();
    if (!missions.includes(mission)) {
      suggestions.push(`Mission "${mission}" is unknown here; known missions: ${missions.join(', ')}.`);
    } else if (kind !== 'mission') {
      const known = kind === 'template' ? this.listTemplates(mission) : this.listCommandTemplates(mission);
      suggestions.push(
        `Check the name; ${kind === 'template' ? 'templates' : 'command templates'} of "${mission}": ${known.join(', ') || '(none)'}.`,
      );
    }
    if (kind === 'mission') {
      suggestions.push(
        this.projectRoot === null
          ? `To add a mission for all your projects, create ${path.join(this.home, 'missions', mission, 'mission.yaml')}.`
          : `To add the mission, create ${path.join(this.projectRoot, '.kittify', 'missions', mission, 'mission.yaml')} (this project) or ${path.join(this.home, 'missions', mission, 'mission.yaml')} (all your projects).`,
      );
    } else {
      const sub = kind === 'template' ? 'templates' : 'command-templates';
      suggestions.push(
        this.projectRoot === null
          ? `To provide it for all your projects, create ${joinRel(path.join(this.home, sub), name)}.`
          : `To provide it, create ${joinRel(path.join(this.projectRoot, '.kittify', sub), name)} (this project) or ${joinRel(path.join(this.home, sub), name)} (all your projects).`,
      );
    }
    suggestions.push('If spec-kitty was just upgraded or reinstalled, run `spec-kitty migrate` and try again.');
    return new RuntimeError(
      'ASSET_NOT_FOUND',
      `${describeAsset(kind, mission, name)} was not found in any tier. Searched, in order:\n${lines.join('\n')}`,
      {
        suggestions,
        details: { kind, mission, name, searched: searched.map((c) => ({ tier: c.tier, path: c.path })) },
      },
    );
  }
}
