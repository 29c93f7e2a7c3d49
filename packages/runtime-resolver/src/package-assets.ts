import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from './errors.js';
import { isDir, isFile, joinRel, listDirs, listFiles, normalizeEol, readBytes, sameText, sha256 } from './_fs.js';

/**
 * The package defaults directory shipped inside this package (`assets/`), found relative to this module so
 * it works from `src` (tests) and from `dist` (installed).
 */
export function defaultPackageRoot(): string {
  return fileURLToPath(new URL('../assets/', import.meta.url));
}

let cachedVersion: string | undefined;

/** The version of this package, which is the version of its default assets and of the runtime it installs. */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version?: unknown };
    cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  }
  return cachedVersion;
}

/** One file of the package defaults. */
export interface PackageAssetFile {
  /** POSIX path relative to the assets root, e.g. `missions/research/templates/spec-template.md`. */
  readonly rel: string;
  /** Absolute path. */
  readonly path: string;
}

/**
 * Read-only view of the package defaults: `missions/<key>/{mission.yaml,templates/,command-templates/}` plus
 * the base command templates in `command-templates/` that every mission inherits, and `superseded.json`
 * (hashes of older default versions, so stale unmodified copies are recognised).
 */
export class PackageDefaults {
  readonly root: string;
  readonly #missionFiles = new Map<string, ReadonlyMap<string, string>>();
  #missions: readonly string[] | undefined;
  #superseded: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  readonly #bytes = new Map<string, Buffer>();

  constructor(root: string) {
    this.root = root;
    if (!isDir(path.join(root, 'missions'))) {
      throw new RuntimeError(
        'PACKAGE_ASSETS_MISSING',
        `spec-kitty's default templates are missing: ${path.join(root, 'missions')} does not exist.`,
        {
          suggestions: ['Reinstall spec-kitty; the package ships its templates in @kitty/runtime-resolver/assets.'],
          details: { root },
        },
      );
    }
  }

  /** The built-in mission keys (directories with a `mission.yaml`), sorted. */
  missions(): readonly string[] {
    this.#missions ??= listDirs(path.join(this.root, 'missions')).filter((k) =>
      isFile(path.join(this.root, 'missions', k, 'mission.yaml')),
    );
    return this.#missions;
  }

  /** The names of the base command templates every mission inherits. */
  baseCommandTemplates(): readonly string[] {
    return listFiles(path.join(this.root, 'command-templates'));
  }

  /**
   * The complete default file set of a mission, keyed by path inside the mission directory
   * (`mission.yaml`, `templates/x`, `command-templates/y`); base command templates are included unless the
   * mission overrides them. Empty for an unknown key.
   */
  missionFiles(key: string): ReadonlyMap<string, string> {
    const cached = this.#missionFiles.get(key);
    if (cached !== undefined) return cached;
    const files = new Map<string, string>();
    if (this.missions().includes(key)) {
      const dir = path.join(this.root, 'missions', key);
      for (const name of this.baseCommandTemplates())
        files.set(`command-templates/${name}`, joinRel(path.join(this.root, 'command-templates'), name));
      for (const rel of listFiles(dir)) files.set(rel, joinRel(dir, rel));
    }
    const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.#missionFiles.set(key, sorted);
    return sorted;
  }

  /** The bytes of a default file (cached). */
  bytes(absPath: string): Buffer {
    let data = this.#bytes.get(absPath);
    if (data === undefined) {
      data = readBytes(absPath) ?? Buffer.alloc(0);
      this.#bytes.set(absPath, data);
    }
    return data;
  }

  /** Every file of the package defaults (mission files, base command templates), sorted by `rel`. */
  allFiles(): readonly PackageAssetFile[] {
    return listFiles(this.root)
      .filter((rel) => rel.startsWith('missions/') || rel.startsWith('command-templates/'))
      .map((rel) => ({ rel, path: joinRel(this.root, rel) }));
  }

  /** Hashes (of LF-normalised text) of older versions of each default, keyed like {@link PackageAssetFile.rel}. */
  superseded(): ReadonlyMap<string, ReadonlySet<string>> {
    if (this.#superseded === undefined) {
      const map = new Map<string, Set<string>>();
      const file = path.join(this.root, 'superseded.json');
      if (isFile(file)) {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        for (const [rel, hashes] of Object.entries(parsed)) {
          if (Array.isArray(hashes)) map.set(rel, new Set(hashes.filter((h): h is string => typeof h === 'string')));
        }
      }
      this.#superseded = map;
    }
    return this.#superseded;
  }

  /**
   * The assets-relative path of the default that `content` is an unmodified copy of (the current version, or
   * an older one listed in `superseded.json`), ignoring CRLF versus LF; null when it is not a copy.
   * `missionRel` is the path inside mission `key` (`templates/spec-template.md`).
   */
  stockMatch(key: string, missionRel: string, content: Buffer): string | null {
    const abs = this.missionFiles(key).get(missionRel);
    if (abs === undefined) return null;
    const rel = path.relative(this.root, abs).split(path.sep).join('/');
    if (sameText(content, this.bytes(abs))) return rel;
    return this.superseded()
      .get(rel)
      ?.has(sha256(normalizeEol(content))) === true
      ? rel
      : null;
  }
}
