import type { Lane, StatusSnapshot } from '@kitty/events';
import { compareText } from '../files/order.js';

/**
 * Text edits of the derived views: the Activity Log and Review Feedback sections of a work-package prompt, and
 * the generated status block of tasks.md. Every edit is line-based, keeps the file's line endings, and leaves
 * everything else byte-for-byte as it was.
 */

/** The markers of the generated status block in tasks.md (the Python CLI's). */
export const STATUS_BLOCK_START = '<!-- status-model:start -->';
export const STATUS_BLOCK_END = '<!-- status-model:end -->';

/** The EN DASH with spaces that separates the fields of an Activity Log line. */
const SEP = ' \u2013 ';

/** One Activity Log line. */
export interface ActivityEntry {
  readonly at: Date;
  readonly agent: string;
  readonly shellPid?: string | null;
  readonly lane: Lane;
  readonly note: string;
}

const oneLine = (s: string, max = 500): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** `- 2026-03-01T12:00:00Z – claude – shell_pid=123 – lane=in_progress – note` (shell_pid omitted when unknown). */
export function formatActivityEntry(e: ActivityEntry): string {
  const ts = e.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const pid = e.shellPid !== undefined && e.shellPid !== null && e.shellPid.trim() !== '' ? `shell_pid=${e.shellPid.trim()}${SEP}` : '';
  return `- ${ts}${SEP}${oneLine(e.agent, 80) || 'user'}${SEP}${pid}lane=${e.lane}${SEP}${oneLine(e.note) || `Moved to ${e.lane}`}`;
}

/** A parsed Activity Log line (either dash form, optional shell_pid). */
export interface ParsedActivity {
  readonly timestamp: string;
  readonly agent: string;
  readonly lane: string;
  readonly note: string;
}

const ACTIVITY = /^\s*-\s+(\S+)\s+[\u2013-]\s+(.+?)\s+[\u2013-]\s+(?:shell_pid=\S*\s+[\u2013-]\s+)?lane=([a-z_]+)(?:\s+[\u2013-]\s+(.*))?$/;

interface Lines {
  readonly lines: string[];
  readonly eol: string;
  readonly finalNewline: boolean;
}

function split(text: string): Lines {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = text.endsWith('\n');
  const body = finalNewline ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
  return { lines: body === '' ? [] : body.split(/\r?\n/), eol, finalNewline };
}

function join(l: Lines): string {
  return l.lines.join(l.eol) + (l.finalNewline && l.lines.length > 0 ? l.eol : '');
}

/** Indexes of lines outside fenced code blocks that are headings of level 1 or 2, with their text. */
function topHeadings(lines: readonly string[]): Array<{ index: number; level: number; text: string }> {
  const out: Array<{ index: number; level: number; text: string }> = [];
  let fence: string | null = null;
  // A leading YAML frontmatter block holds no headings (its comments start with # too).
  let skipUntil = -1;
  if ((lines[0] ?? '').trim() === '---') {
    const close = lines.findIndex((x, i) => i > 0 && /^(?:---|\.\.\.)\s*$/.test(x));
    skipUntil = close < 0 ? lines.length : close;
  }
  lines.forEach((line, index) => {
    if (index <= skipUntil) return;
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f !== null) {
      const mark = f[1] as string;
      if (fence === null) fence = mark[0] as string;
      else if (mark[0] === fence) fence = null;
      return;
    }
    if (fence !== null) return;
    const h = /^(#{1,2})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h !== null) out.push({ index, level: (h[1] as string).length, text: h[2] as string });
  });
  return out;
}

/** The [start, end) line range of the `## <title>` section (heading included), or null. */
function sectionRange(lines: readonly string[], title: RegExp): { start: number; end: number } | null {
  const heads = topHeadings(lines);
  const i = heads.findIndex((h) => h.level === 2 && title.test(h.text));
  if (i < 0) return null;
  const start = (heads[i] as { index: number }).index;
  const next = heads.slice(i + 1)[0];
  return { start, end: next === undefined ? lines.length : next.index };
}

/** Appends an entry at the end of the `## Activity Log` section (created at the end of the file when absent). */
export function appendActivity(text: string, entry: ActivityEntry): string {
  const l = split(text);
  const line = formatActivityEntry(entry);
  const range = sectionRange(l.lines, /^activity log$/i);
  if (range === null) {
    const lines = [...l.lines];
    while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
    lines.push('', '## Activity Log', '', line);
    return join({ ...l, lines, finalNewline: true });
  }
  let at = range.end;
  while (at > range.start + 1 && (l.lines[at - 1] as string).trim() === '') at--;
  const lines = [...l.lines];
  const insert = at === range.start + 1 ? ['', line] : [line];
  lines.splice(at, 0, ...insert);
  return join({ ...l, lines, finalNewline: true });
}

/** The entries of the `## Activity Log` section, oldest first. */
export function activityEntries(text: string): ParsedActivity[] {
  const l = split(text);
  const range = sectionRange(l.lines, /^activity log$/i);
  if (range === null) return [];
  const out: ParsedActivity[] = [];
  for (const line of l.lines.slice(range.start + 1, range.end)) {
    const m = ACTIVITY.exec(line);
    if (m !== null)
      out.push({ timestamp: m[1] as string, agent: (m[2] as string).trim(), lane: m[3] as string, note: (m[4] ?? '').trim() });
  }
  return out;
}

/** Whether a prompt body has a `## Activity Log` section. */
export function hasActivityLog(text: string): boolean {
  return sectionRange(split(text).lines, /^activity log$/i) !== null;
}

/**
 * Writes the `## Review Feedback` section (replacing an existing one, else placed before `## Activity Log`, else
 * at the end) with the reviewer, the verdict, the date, the stored feedback pointer and the feedback text.
 */
export function setReviewFeedback(
  text: string,
  fb: { readonly reviewer: string; readonly at: Date; readonly pointer: string; readonly feedback: string },
): string {
  const l = split(text);
  const body = fb.feedback.replace(/\r\n/g, '\n').trim().split('\n');
  const section = [
    '## Review Feedback',
    '',
    `**Reviewed by**: ${oneLine(fb.reviewer, 80)}`,
    '**Status**: \u274c Changes Requested',
    `**Date**: ${fb.at.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `**Feedback file**: ${fb.pointer}`,
    '',
    ...body,
    '',
  ];
  const lines = [...l.lines];
  const existing = sectionRange(lines, /^review feedback$/i);
  if (existing !== null) lines.splice(existing.start, existing.end - existing.start, ...section);
  else {
    const log = sectionRange(lines, /^activity log$/i);
    if (log !== null) lines.splice(log.start, 0, ...section);
    else {
      while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
      lines.push('', ...section);
    }
  }
  return join({ ...l, lines, finalNewline: true });
}

/** The generated status block for a snapshot (one line per work package, sorted). */
export function renderStatusBlock(snapshot: StatusSnapshot, eol = '\n'): string {
  const lines = [STATUS_BLOCK_START, '## Canonical Status (Generated)'];
  for (const [wp, state] of Object.entries(snapshot.work_packages).sort(([a], [b]) => compareText(a, b)))
    lines.push(`- ${wp}: ${state.lane}`);
  lines.push(STATUS_BLOCK_END);
  return lines.join(eol);
}

/** tasks.md with its generated status block replaced (or appended at the end when absent). */
export function upsertStatusBlock(text: string, snapshot: StatusSnapshot): string {
  const l = split(text);
  const block = renderStatusBlock(snapshot, l.eol).split(l.eol);
  const lines = [...l.lines];
  const start = lines.findIndex((x) => x.trim() === STATUS_BLOCK_START);
  const end = start < 0 ? -1 : lines.findIndex((x, i) => i > start && x.trim() === STATUS_BLOCK_END);
  if (start >= 0 && end > start) lines.splice(start, end - start + 1, ...block);
  else {
    while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
    if (lines.length > 0) lines.push('');
    lines.push(...block);
  }
  return join({ ...l, lines, finalNewline: true });
}

/**
 * Sets the checkbox of subtask lines: `lines` are the 1-based line numbers of the subtask ids (from
 * `parseTasksMd`), `done` the new state. Returns the new text; lines without a checkbox are left alone.
 */
export function setCheckboxes(
  text: string,
  targets: ReadonlyArray<{ readonly line: number; readonly col: number }>,
  done: boolean,
): string {
  const l = split(text);
  const lines = [...l.lines];
  for (const t of targets) {
    const i = t.line - 1;
    const src = lines[i];
    if (src === undefined) continue;
    const before = src.slice(0, Math.max(0, t.col - 1));
    const box = /\[[ xX]\](?=[^[]*$)/.exec(before);
    if (box === null) continue;
    lines[i] = `${before.slice(0, box.index)}${done ? '[x]' : '[ ]'}${before.slice(box.index + 3)}${src.slice(before.length)}`;
  }
  return join({ ...l, lines });
}
