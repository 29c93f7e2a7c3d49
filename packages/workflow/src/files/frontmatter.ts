import { parseDocument, type YAMLError } from 'yaml';
import type { FileProblem } from '../errors.js';
import { PlanningFileError } from '../errors.js';
import { editYaml, YAML_PARSE_OPTIONS, type YamlSet } from './yaml-edit.js';

/** Where the YAML frontmatter sits in a Markdown file. */
export interface FrontmatterBlock {
  /** The YAML text between the two fences (without them). */
  readonly yaml: string;
  /** Offset of the YAML text in the file text. */
  readonly yamlStart: number;
  /** Offset just after the YAML text (where the closing fence line starts). */
  readonly yamlEnd: number;
  /** Offset where the body starts (after the closing fence line). */
  readonly bodyStart: number;
  /** 1-based line number of the first YAML line. */
  readonly firstLine: number;
}

/** A parsed frontmatter block: its data, plus where it is in the text. */
export interface ParsedFrontmatter extends FrontmatterBlock {
  readonly data: Readonly<Record<string, unknown>>;
  readonly body: string;
}

/** Parse outcome: either the frontmatter, or every problem found (positions are in the whole file). */
export type FrontmatterResult =
  { readonly ok: true; readonly value: ParsedFrontmatter } | { readonly ok: false; readonly problems: readonly FileProblem[] };

const FENCE = /^---[ \t]*$/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/;

/**
 * Finds the frontmatter block of a Markdown text (BOM already removed). Returns null when the text does not
 * start with a `---` line, or a problem when the block is opened but malformed (`---js`, no closing fence).
 */
export function locateFrontmatter(text: string, shownAs: string): FrontmatterBlock | FileProblem | null {
  const firstNl = text.indexOf('\n');
  const firstLine = (firstNl < 0 ? text : text.slice(0, firstNl)).replace(/\r$/, '');
  if (!firstLine.startsWith('---')) return null;
  if (!FENCE.test(firstLine)) {
    return {
      path: shownAs,
      line: 1,
      col: 4,
      code: 'BAD_FENCE',
      message: `the frontmatter must open with a line holding only "---"; found ${JSON.stringify(firstLine.slice(0, 40))}`,
    };
  }
  if (firstNl < 0) return unclosed(shownAs);
  let pos = firstNl + 1;
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const content = text.slice(pos, end).replace(/\r$/, '');
    if (CLOSE.test(content)) {
      return {
        yaml: text.slice(firstNl + 1, pos),
        yamlStart: firstNl + 1,
        yamlEnd: pos,
        bodyStart: nl < 0 ? text.length : nl + 1,
        firstLine: 2,
      };
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  return unclosed(shownAs);
}

/** The problem of a frontmatter that opens on line 1 and never closes. */
function unclosed(shownAs: string): FileProblem {
  return {
    path: shownAs,
    line: 1,
    col: 1,
    code: 'UNCLOSED_FRONTMATTER',
    message: 'the frontmatter opened on line 1 is never closed with a "---" line',
  };
}

function yamlProblem(e: YAMLError, shownAs: string, firstLine: number): FileProblem {
  const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
  return {
    path: shownAs,
    line: pos.line + firstLine - 1,
    col: pos.col,
    code: e.code,
    message: e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.code,
  };
}

/**
 * Parses YAML text as planning data: YAML 1.2 core schema, unique keys, at most 100 aliases, no custom tags.
 * Positions in problems are shifted by `firstLine` so they point into the enclosing file.
 */
export function parseYamlMapping(
  yaml: string,
  shownAs: string,
  firstLine = 1,
  allowEmpty = true,
): { ok: true; data: Record<string, unknown> } | { ok: false; problems: FileProblem[] } {
  const doc = parseDocument(yaml, YAML_PARSE_OPTIONS);
  const problems = [...doc.errors, ...doc.warnings].map((e) => yamlProblem(e, shownAs, firstLine));
  if (problems.length > 0) return { ok: false, problems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, problems: [{ path: shownAs, line: firstLine, col: 1, code: 'ALIAS_LIMIT', message: (err as Error).message }] };
  }
  if (data === null || data === undefined) {
    return allowEmpty
      ? { ok: true, data: {} }
      : { ok: false, problems: [{ path: shownAs, line: firstLine, col: 1, code: 'EMPTY', message: 'the YAML is empty' }] };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    const node = doc.contents as { range?: [number, number, number] } | null;
    const offset = node?.range?.[0] ?? 0;
    const before = yaml.slice(0, offset);
    const line = (before.match(/\n/g)?.length ?? 0) + firstLine;
    const col = offset - (before.lastIndexOf('\n') + 1) + 1;
    return {
      ok: false,
      problems: [
        {
          path: shownAs,
          line,
          col,
          code: 'NOT_A_MAPPING',
          message: `expected a mapping of keys to values; got ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`,
        },
      ],
    };
  }
  return { ok: true, data: data as Record<string, unknown> };
}

/**
 * Parses the YAML frontmatter of a Markdown file. A file without frontmatter is a problem (`MISSING_FRONTMATTER`)
 * unless `optional` is set, in which case it reads as empty data.
 *
 * @example
 * parseFrontmatter('---\nwork_package_id: WP01\n---\n# Body\n', 'tasks/WP01-x.md') // => { ok: true, value: { data: { work_package_id: 'WP01' }, … } }
 */
export function parseFrontmatter(text: string, shownAs: string, options: { optional?: boolean } = {}): FrontmatterResult {
  const block = locateFrontmatter(text, shownAs);
  if (block === null) {
    if (options.optional === true)
      return { ok: true, value: { yaml: '', yamlStart: 0, yamlEnd: 0, bodyStart: 0, firstLine: 1, data: {}, body: text } };
    return {
      ok: false,
      problems: [
        {
          path: shownAs,
          line: 1,
          col: 1,
          code: 'MISSING_FRONTMATTER',
          message: 'the file must start with YAML frontmatter between two "---" lines',
        },
      ],
    };
  }
  if ('code' in block) return { ok: false, problems: [block] };
  const parsed = parseYamlMapping(block.yaml, shownAs, block.firstLine);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  return { ok: true, value: { ...block, data: parsed.data, body: text.slice(block.bodyStart) } };
}

/**
 * Returns `text` with its frontmatter updated by `sets` (minimal textual change, see `editYaml`); returns the
 * same string when nothing changes. Throws INVALID_FRONTMATTER when the frontmatter is malformed.
 */
export function updateFrontmatter(text: string, sets: readonly YamlSet[], shownAs: string): string {
  const block = locateFrontmatter(text, shownAs);
  if (block === null || 'code' in block) {
    const problem = block ?? {
      path: shownAs,
      line: 1,
      col: 1,
      code: 'MISSING_FRONTMATTER',
      message: 'the file must start with YAML frontmatter between two "---" lines',
    };
    throw new PlanningFileError('INVALID_FRONTMATTER', [problem]);
  }
  const parsed = parseYamlMapping(block.yaml, shownAs, block.firstLine);
  if (!parsed.ok) throw new PlanningFileError('INVALID_FRONTMATTER', parsed.problems);
  const yaml = editYaml(block.yaml, sets, `the frontmatter of ${shownAs}`);
  if (yaml === block.yaml) return text;
  return text.slice(0, block.yamlStart) + yaml + text.slice(block.yamlEnd);
}
