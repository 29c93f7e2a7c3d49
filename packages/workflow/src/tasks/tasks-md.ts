import type MarkdownIt from 'markdown-it';
import type { FileProblem } from '../errors.js';
import type { FeatureRef } from '../project/features.js';
import { openParseCache } from '../files/parse-cache.js';
import { locateFrontmatter } from '../files/frontmatter.js';
import { WP_ID } from '../project/slugs.js';

type Token = ReturnType<MarkdownIt['parse']>[number];

/** A work-package id mentioned at a position of tasks.md (1-based line and column). */
export interface WpMention {
  readonly id: string;
  readonly line: number;
  readonly col: number;
}

/** A subtask checkbox line `- [ ] T001 [P] …`. */
export interface SubtaskEntry {
  readonly id: string;
  readonly done: boolean;
  /** Marked `[P]` (can run in parallel). */
  readonly parallel: boolean;
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

/** One work-package section of tasks.md (`## Work Package WP01: Title`, `### WP01`, `## WP01 – Title`). */
export interface TasksMdSection {
  readonly id: string;
  readonly title: string;
  /** Line and column of the id in the heading. */
  readonly line: number;
  readonly col: number;
  /** Heading level (2 for `##`). */
  readonly level: number;
  /** Every work package the section says it depends on, in order of first mention, without duplicates. */
  readonly dependencies: readonly WpMention[];
  readonly subtasks: readonly SubtaskEntry[];
}

/** tasks.md parsed: its work-package sections, plus problems (errors) and warnings with positions. */
export interface TasksMd {
  readonly path: string;
  readonly sections: readonly TasksMdSection[];
  /** Subtask lines outside any work-package section. */
  readonly looseSubtasks: readonly SubtaskEntry[];
  /** Errors: invalid or duplicate work-package ids. A file with problems must not drive any write. */
  readonly problems: readonly FileProblem[];
  /** Things worth telling (odd subtask ids, duplicates) that do not block. */
  readonly warnings: readonly FileProblem[];
}

// markdown-it loads on first use: commands that never look inside tasks.md do not pay for it.
let md: Promise<MarkdownIt> | undefined;
const parser = (): Promise<MarkdownIt> => (md ??= import('markdown-it').then((m) => new m.default('commonmark')));

const HEADING = /^(?:work\s+package\s+)?(WP\d+)(?![\w])\s*(?:[:.\u2013\u2014-]\s*)?(.*)$/i;
const ID_RUN = String.raw`WP\d+(?:\s*(?:,|&|\/|\band\b|\bor\b)\s*WP\d+)*`;
const DEPENDS_ON = new RegExp(String.raw`\bdepends?\s+on\b\s*:?\s*(${ID_RUN})`, 'gi');
const DEPENDENCIES_LINE = /^[\s>*_-]*(?:\*\*|__)?\s*dependencies\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?(.*)$/i;
const LEADING_IDS = new RegExp(String.raw`^(${ID_RUN})\s*(?:$|[.;:(\u2013\u2014-])`);
const SUBTASK = /^\[([ xX])\]\s+(T\d+)(?![\w])\s*(\[P\])?\s*(.*)$/;
const WP_TOKEN = /\bWP\d+\b/g;

interface Located {
  readonly text: string;
  /** Maps an offset inside `text` to a file position. */
  pos(offset: number): { line: number; col: number };
}

/** Wraps an inline token's content with a mapping back to source positions. */
function locate(token: Token, lines: readonly string[], lineOffset: number): Located {
  const text = token.content;
  const start = token.map?.[0] ?? 0;
  const contentLines = text.split('\n');
  return {
    text,
    pos(offset) {
      let rest = offset;
      let i = 0;
      while (i < contentLines.length - 1 && rest > (contentLines[i] as string).length) {
        rest -= (contentLines[i] as string).length + 1;
        i++;
      }
      const src = lines[start + i] ?? '';
      const at = src.indexOf(contentLines[i] ?? '');
      return { line: start + i + 1 + lineOffset, col: (at < 0 ? 0 : at) + rest + 1 };
    },
  };
}

/**
 * Parses tasks.md with a real Markdown parser (headings in code blocks do not count): work-package sections,
 * their subtask checkboxes and the work packages they depend on ("Depends on WP01, WP02", "**Dependencies**:
 * WP01", or list items under a "Dependencies" heading). Every id has its line and column, so later checks can
 * report `tasks.md:12:14: …`. A leading YAML frontmatter block is skipped.
 *
 * @example
 * (await parseTasksMd('## Work Package WP02: API\nDepends on WP01.\n', 'tasks.md')).sections[0]?.dependencies // => [{ id: 'WP01', line: 2, col: 12 }]
 */
export async function parseTasksMd(text: string, shownAs: string): Promise<TasksMd> {
  const markdown = await parser();
  const problems: FileProblem[] = [];
  const warnings: FileProblem[] = [];
  let body = text;
  let lineOffset = 0;
  const fm = locateFrontmatter(text, shownAs);
  if (fm !== null && 'code' in fm) problems.push(fm);
  else if (fm !== null) {
    body = text.slice(fm.bodyStart);
    lineOffset = text.slice(0, fm.bodyStart).split('\n').length - 1;
  }
  const lines = body.split('\n').map((l) => l.replace(/\r$/, ''));
  const tokens = markdown.parse(body, {});

  const sections: Array<{
    id: string;
    title: string;
    line: number;
    col: number;
    level: number;
    deps: WpMention[];
    subtasks: SubtaskEntry[];
  }> = [];
  const looseSubtasks: SubtaskEntry[] = [];
  let current: (typeof sections)[number] | null = null;
  /** Heading level of the "Dependencies" sub-heading we are under, if any. */
  let depsHeading: number | null = null;
  const seen = new Map<string, number>();
  const subtaskSeen = new Map<string, number>();

  const addDep = (id: string, at: { line: number; col: number }): void => {
    if (current === null) return;
    if (!WP_ID.test(id)) {
      problems.push({
        path: shownAs,
        ...at,
        code: 'INVALID_WP_ID',
        message: `invalid work package id "${id}" in the dependencies of ${current.id} (must be WP and two digits, like WP01)`,
      });
      return;
    }
    if (!current.deps.some((d) => d.id === id)) current.deps.push({ id, ...at });
  };

  const scanDeps = (loc: Located, underDepsHeading: boolean): void => {
    for (const m of loc.text.matchAll(DEPENDS_ON)) {
      const run = m[1] ?? '';
      const runStart = (m.index ?? 0) + m[0].length - run.length;
      for (const id of run.matchAll(WP_TOKEN)) addDep(id[0], loc.pos(runStart + (id.index ?? 0)));
    }
    let offset = 0;
    for (const line of loc.text.split('\n')) {
      const d = DEPENDENCIES_LINE.exec(line);
      if (d !== null) {
        const restStart = offset + line.length - (d[1] ?? '').length;
        for (const id of (d[1] ?? '').matchAll(WP_TOKEN)) addDep(id[0], loc.pos(restStart + (id.index ?? 0)));
      }
      offset += line.length + 1;
    }
    if (underDepsHeading) {
      const lead = LEADING_IDS.exec(loc.text);
      if (lead !== null) for (const id of (lead[1] ?? '').matchAll(WP_TOKEN)) addDep(id[0], loc.pos(id.index ?? 0));
    }
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as Token;
    if (tok.type === 'heading_open') {
      const level = Number(tok.tag.slice(1));
      const inline = tokens[i + 1] as Token;
      const loc = locate(inline, lines, lineOffset);
      const h = HEADING.exec(inline.content.trim());
      if (current !== null && level <= current.level) current = null;
      if (depsHeading !== null && level <= depsHeading) depsHeading = null;
      if (h !== null) {
        const id = h[1] as string;
        const at = loc.pos(inline.content.indexOf(id));
        if (!/^WP/.test(id) || !WP_ID.test(id)) {
          problems.push({
            path: shownAs,
            ...at,
            code: 'INVALID_WP_ID',
            message: `invalid work package id "${id}" in a heading (must be WP and two digits, like WP01)`,
          });
          current = null;
        } else if (seen.has(id)) {
          problems.push({
            path: shownAs,
            ...at,
            code: 'DUPLICATE_WP',
            message: `${id} has a second section here; its first section starts on line ${seen.get(id)}`,
          });
          current = null;
        } else {
          seen.set(id, at.line);
          const title = (h[2] ?? '').replace(/\s*\((?:priority|prio)\s*:[^)]*\)\s*$/i, '').trim();
          current = { id, title, ...at, level, deps: [], subtasks: [] };
          sections.push(current);
        }
        depsHeading = null;
      } else if (current !== null) {
        if (/^dependencies\b/i.test(inline.content.trim())) depsHeading = level;
        scanDeps(loc, false);
      }
      i += 2;
      continue;
    }
    if (tok.type !== 'inline') continue;
    const loc = locate(tok, lines, lineOffset);
    const inListItem = tokens[i - 1]?.type === 'paragraph_open' && tokens[i - 2]?.type === 'list_item_open';
    if (inListItem) {
      const st = SUBTASK.exec(tok.content.split('\n')[0] ?? '');
      if (st !== null) {
        const id = st[2] as string;
        const at = loc.pos(tok.content.indexOf(id));
        const entry: SubtaskEntry = { id, done: st[1] !== ' ', parallel: st[3] !== undefined, text: (st[4] ?? '').trim(), ...at };
        if (!/^T\d{3}$/.test(id))
          warnings.push({
            path: shownAs,
            ...at,
            code: 'ODD_SUBTASK_ID',
            message: `subtask id "${id}" does not look like T001 (T and three digits)`,
          });
        const prev = subtaskSeen.get(id);
        if (prev !== undefined)
          warnings.push({
            path: shownAs,
            ...at,
            code: 'DUPLICATE_SUBTASK',
            message: `subtask ${id} is listed again (first on line ${prev})`,
          });
        else subtaskSeen.set(id, at.line);
        if (current !== null) current.subtasks.push(entry);
        else looseSubtasks.push(entry);
      }
    }
    if (current !== null) scanDeps(loc, depsHeading !== null && inListItem);
  }

  return {
    path: shownAs,
    sections: sections.map((s) => ({
      id: s.id,
      title: s.title,
      line: s.line,
      col: s.col,
      level: s.level,
      dependencies: s.deps,
      subtasks: s.subtasks,
    })),
    looseSubtasks,
    problems,
    warnings,
  };
}

const looksParsed = (v: Record<string, unknown>): boolean =>
  typeof v['path'] === 'string' && ['sections', 'looseSubtasks', 'problems', 'warnings'].every((k) => Array.isArray(v[k]));

/**
 * `parseTasksMd` of a feature's tasks.md, answered from the parse cache in the git dir when the same text was
 * parsed before (markdown-it is then not even loaded; see parse-cache.ts).
 */
export async function parseFeatureTasksMd(root: string, feature: FeatureRef, text: string, shownAs: string): Promise<TasksMd> {
  const cache = openParseCache<TasksMd>(root, feature, 'tasks-md', looksParsed);
  const key = `${shownAs}\0${text}`;
  const hit = cache?.lookup(key);
  if (hit !== undefined) {
    cache?.save();
    return hit;
  }
  const parsed = await parseTasksMd(text, shownAs);
  cache?.remember(key, parsed);
  cache?.save();
  return parsed;
}
