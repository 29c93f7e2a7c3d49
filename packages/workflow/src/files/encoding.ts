import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { writeFileAtomic } from './files.js';
import { listFeatures, resolveFeature } from '../project/features.js';
import { openProject } from '../project/project.js';
import type { WorkflowEnv } from '../ports.js';

/** Windows-1252 characters of bytes 0x80–0x9F (the rest of the byte range is Latin-1). */
const CP1252: Readonly<Record<number, string>> = {
  0x80: '€',
  0x82: '‚',
  0x83: 'ƒ',
  0x84: '„',
  0x85: '…',
  0x86: '†',
  0x87: '‡',
  0x88: 'ˆ',
  0x89: '‰',
  0x8a: 'Š',
  0x8b: '‹',
  0x8c: 'Œ',
  0x8e: 'Ž',
  0x91: '‘',
  0x92: '’',
  0x93: '“',
  0x94: '”',
  0x95: '•',
  0x96: '–',
  0x97: '—',
  0x98: '˜',
  0x99: '™',
  0x9a: 'š',
  0x9b: '›',
  0x9c: 'œ',
  0x9e: 'ž',
  0x9f: 'Ÿ',
};

/** One file that is not clean UTF-8. */
export interface EncodingProblem {
  readonly path: string;
  readonly issue: 'invalid_utf8' | 'bom';
  /** 1-based position of the first bad byte (invalid_utf8). */
  readonly line: number | null;
  readonly col: number | null;
  readonly fixed: boolean;
}

/** What `spec-kitty validate-encoding --json` prints. */
export interface EncodingReport {
  readonly feature: string | null;
  readonly files_checked: number;
  readonly problems: readonly EncodingProblem[];
  readonly fixed: number;
  readonly dry_run: boolean;
  readonly ok: boolean;
  readonly notes: readonly string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function firstBadByte(buf: Buffer): number {
  for (let i = 0; i < buf.length;) {
    const b = buf[i] as number;
    const len = b < 0x80 ? 1 : b >> 5 === 0b110 ? 2 : b >> 4 === 0b1110 ? 3 : b >> 3 === 0b11110 ? 4 : 0;
    if (len === 0) return i;
    try {
      utf8.decode(buf.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return -1;
}

/** Decodes bytes as Windows-1252 (what editors on Windows write when they are not told UTF-8). */
export function decodeCp1252(buf: Buffer): string {
  let s = '';
  for (const b of buf) s += CP1252[b] ?? String.fromCharCode(b);
  return s;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (/\.(md|txt|ya?ml|json|jsonl|csv)$/i.test(name)) out.push(p);
  }
}

/**
 * `spec-kitty validate-encoding [--feature F] [--fix] [--dry-run]`: checks that the planning files of one
 * feature (or all) are UTF-8 without a byte-order mark, as both CLIs read them. `--fix` rewrites a file that is
 * not UTF-8 from Windows-1252 and drops a BOM; `--dry-run` only says what `--fix` would change.
 */
export async function validateEncoding(
  options: WorkflowEnv & { readonly feature?: string | undefined; readonly fix?: boolean; readonly dryRun?: boolean },
): Promise<EncodingReport> {
  const project = await openProject({ cwd: options.cwd, git: options.git, env: options.env });
  const features =
    options.feature === undefined
      ? listFeatures(project.root)
      : [await resolveFeature({ project, git: options.git, flag: options.feature, env: options.env, command: 'validate-encoding' })];
  const files: string[] = [];
  for (const f of features) walk(f.dir, files);
  const fix = options.fix === true && options.dryRun !== true;
  const problems: EncodingProblem[] = [];
  for (const file of files) {
    const buf = readFileSync(file);
    const rel = path.relative(project.root, file).split(path.sep).join('/');
    const bad = firstBadByte(buf);
    if (bad >= 0) {
      const before = buf.subarray(0, bad).toString('latin1');
      const line = before.split('\n').length;
      const col = bad - before.lastIndexOf('\n');
      if (fix) writeFileAtomic(project.root, file, decodeCp1252(buf), { shownAs: rel });
      problems.push({ path: rel, issue: 'invalid_utf8', line, col, fixed: fix });
    } else if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
      if (fix) writeFileAtomic(project.root, file, buf.subarray(3).toString('utf8'), { shownAs: rel });
      problems.push({ path: rel, issue: 'bom', line: null, col: null, fixed: fix });
    }
  }
  const fixed = problems.filter((p) => p.fixed).length;
  const notes =
    problems.length > 0 && !fix
      ? [`${problems.length} file(s) are not clean UTF-8; run with --fix to rewrite them (--dry-run shows the list).`]
      : [];
  return {
    feature: options.feature === undefined ? null : (features[0]?.slug ?? null),
    files_checked: files.length,
    problems,
    fixed,
    dry_run: options.dryRun === true,
    ok: problems.every((p) => p.fixed),
    notes,
  };
}
