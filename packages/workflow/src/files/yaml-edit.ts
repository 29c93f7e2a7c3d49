import { isDeepStrictEqual } from 'node:util';
import { isMap, isPair, isScalar, isSeq, parse, parseDocument, Scalar, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { WorkflowError } from '../errors.js';

/** A scalar the editor can write. */
export type YamlScalar = string | number | boolean | null;
/** A value the editor can write: a scalar or a list of scalars. */
export type YamlValue = YamlScalar | readonly YamlScalar[];

/** One change: set the key at `path` (a chain of mapping keys) to `value`. */
export interface YamlSet {
  readonly path: readonly string[];
  readonly value: YamlValue;
  /** For a new key: sibling keys to insert it after, in order of preference (default: after the last key). */
  readonly after?: readonly string[];
}

/** Parse options shared by every reader of planning YAML: YAML 1.2 core schema, unique keys, few aliases. */
export const YAML_PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: true, strict: true } as const;

type Range = [number, number, number];

const editFailed = (what: string, detail: string): WorkflowError =>
  new WorkflowError('YAML_EDIT_FAILED', `Could not update ${what} without changing other content (${detail}); nothing was written.`, {
    suggestions: [`Check that ${what} is a plain YAML mapping, or edit the value by hand.`],
  });

/** Whether `s` reads back as the same string when written plain (unquoted) in the given context. */
function plainOk(s: string, flow: boolean): boolean {
  if (s === '' || s !== s.trim() || /[\r\n\t]/.test(s) || s.length > 200) return false;
  if (flow && /[,[\]{}]/.test(s)) return false;
  // Words YAML 1.1 readers (PyYAML) turn into booleans or null stay quoted, so both CLIs read the same value.
  if (/^(?:y|n|yes|no|on|off|true|false|null|~)$/i.test(s)) return false;
  // YAML 1.1 timestamps, base-60 and underscore numbers: PyYAML reads them as datetimes or numbers (and the
  // Python CLI then rewrites `…28.022Z` as `…28.022000Z`), so they stay quoted.
  if (yaml11Typed(s)) return false;
  try {
    const back = parse(flow ? `k: [${s}]` : `k: ${s}`) as { k?: unknown } | null;
    const got = flow ? (Array.isArray(back?.k) ? back.k[0] : undefined) : back?.k;
    return got === s && (!flow || (Array.isArray(back?.k) && back.k.length === 1));
  } catch {
    return false;
  }
}

/** True for strings a YAML 1.1 reader (PyYAML) resolves to a timestamp or a number although YAML 1.2 keeps them strings. */
export function yaml11Typed(s: string): boolean {
  return (
    /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::\d{2})?))?)?$/.test(s) ||
    /^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?$/.test(s) ||
    /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[\d_]*_[\d_]*(?:\.[\d_]*)?)$/.test(s)
  );
}

/** Renders a scalar inline; `quote` keeps an existing quote style for strings. */
export function renderYamlScalar(value: YamlScalar, flow = false, quote?: string): string {
  if (value === null) return flow ? 'null' : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new WorkflowError('INVALID_ARGUMENT', `Cannot write the number ${value} to YAML.`);
    return String(value);
  }
  if (quote === Scalar.QUOTE_SINGLE && !/[\r\n]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (quote === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (plainOk(value, flow)) return value;
  // Timestamps are written single-quoted, as PyYAML writes them (`created_at: '2026-01-01T00:00:00+00:00'`).
  if (yaml11Typed(value)) return `'${value}'`;
  return JSON.stringify(value);
}

/** Renders a value inline: scalars as they are, lists in flow style (`[WP01, WP02]`). */
export function renderYamlInline(value: YamlValue, quote?: string): string {
  if (Array.isArray(value)) return `[${(value as readonly YamlScalar[]).map((v) => renderYamlScalar(v, true)).join(', ')}]`;
  return renderYamlScalar(value as YamlScalar, false, quote);
}

const findPair = (map: YAMLMap, key: string): Pair<Node, Node | null> | undefined =>
  map.items.find((p): p is Pair<Node, Node | null> => isPair(p) && isScalar(p.key) && String(p.key.value) === key);

const rangeOf = (n: unknown): Range | undefined => (n as { range?: Range } | null)?.range ?? undefined;

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the line that holds `offset` (after its line break), appending one when the text has none. */
function afterLine(text: string, offset: number, eol: string): { text: string; at: number } {
  if (offset > 0 && text[offset - 1] === '\n') return { text, at: offset };
  const nl = text.indexOf('\n', offset);
  if (nl >= 0) return { text, at: nl + 1 };
  return { text: text + eol, at: text.length + eol.length };
}

function pairEnd(pair: Pair<Node, Node | null>): number {
  const v = rangeOf(pair.value);
  if (v !== undefined) {
    if (isSeq(pair.value) && !pair.value.flow && pair.value.items.length > 0) {
      // A block sequence's own range may swallow the comments after it; end at its last item instead.
      const last = rangeOf(pair.value.items[pair.value.items.length - 1]);
      if (last !== undefined) return last[1];
    }
    return v[1];
  }
  return rangeOf(pair.key)?.[1] ?? 0;
}

function colonEnd(text: string, pair: Pair<Node, Node | null>): number {
  const keyEnd = rangeOf(pair.key)?.[1] ?? 0;
  const colon = text.indexOf(':', keyEnd);
  return colon < 0 ? keyEnd : colon + 1;
}

function replaceValue(text: string, pair: Pair<Node, Node | null>, value: YamlValue, eol: string): string | null {
  const v = pair.value;
  if (v === null || (isScalar(v) && (v.source === '' || rangeOf(v)?.[0] === rangeOf(v)?.[1]) && v.value === null)) {
    const at = colonEnd(text, pair);
    const rendered = renderYamlInline(value);
    return rendered === '' ? text : `${text.slice(0, at)} ${rendered}${text.slice(at)}`;
  }
  const r = rangeOf(v);
  if (r === undefined) return null;
  if (isScalar(v) || ((isSeq(v) || isMap(v)) && v.flow === true)) {
    const quote = isScalar(v) && typeof value === 'string' ? v.type : undefined;
    const rendered = renderYamlInline(value, quote);
    if (rendered === '') return `${text.slice(0, colonEnd(text, pair))}${text.slice(r[1])}`;
    return `${text.slice(0, r[0])}${rendered}${text.slice(r[1])}`;
  }
  if (isSeq(v)) {
    const items = v.items;
    const lastItem = items[items.length - 1];
    const last = rangeOf(lastItem);
    if (last === undefined || !items.every((i) => isScalar(i))) return null;
    if (Array.isArray(value) && value.length > 0) {
      const indent = ' '.repeat(r[0] - lineStart(text, r[0]));
      const block = (value as readonly YamlScalar[]).map((item, i) => `${i === 0 ? '' : eol + indent}- ${renderYamlScalar(item)}`).join('');
      return `${text.slice(0, r[0])}${block}${text.slice(last[1])}`;
    }
    const rendered = renderYamlInline(value);
    return `${text.slice(0, colonEnd(text, pair))}${rendered === '' ? '' : ` ${rendered}`}${text.slice(last[1])}`;
  }
  return null;
}

function renderNested(keys: readonly string[], value: YamlValue, indent: number, eol: string): string {
  let out = '';
  keys.forEach((k, i) => {
    const pad = ' '.repeat(indent + 2 * i);
    const key = renderYamlScalar(k);
    if (i < keys.length - 1) out += `${pad}${key}:${eol}`;
    else {
      const rendered = renderYamlInline(value);
      out += `${pad}${key}:${rendered === '' ? '' : ` ${rendered}`}${eol}`;
    }
  });
  return out;
}

function insertKeys(
  text: string,
  map: YAMLMap,
  keys: readonly string[],
  value: YamlValue,
  after: readonly string[] | undefined,
  eol: string,
): string | null {
  if (map.flow === true) return null;
  const pairs = map.items.filter((p): p is Pair<Node, Node | null> => isPair(p));
  const first = pairs[0];
  if (first === undefined) return null;
  const firstKey = rangeOf(first.key);
  if (firstKey === undefined) return null;
  const indent = firstKey[0] - lineStart(text, firstKey[0]);
  let anchor: Pair<Node, Node | null> | undefined;
  for (const k of after ?? []) {
    anchor = findPair(map, k);
    if (anchor !== undefined) break;
  }
  anchor ??= pairs[pairs.length - 1];
  if (anchor === undefined) return null;
  const { text: base, at } = afterLine(text, pairEnd(anchor), eol);
  return `${base.slice(0, at)}${renderNested(keys, value, indent, eol)}${base.slice(at)}`;
}

function applyOne(text: string, set: YamlSet, eol: string): string | null {
  const doc = parseDocument(text, YAML_PARSE_OPTIONS);
  if (doc.errors.length > 0) return null;
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    const sep = text === '' || text.endsWith('\n') ? '' : eol;
    return `${text}${sep}${renderNested(set.path, set.value, 0, eol)}`;
  }
  if (!isMap(root)) return null;
  let map: YAMLMap = root;
  for (let i = 0; i < set.path.length; i++) {
    const key = set.path[i] as string;
    const pair = findPair(map, key);
    const lastKey = i === set.path.length - 1;
    if (pair === undefined) return insertKeys(text, map, set.path.slice(i), set.value, i === 0 || lastKey ? set.after : undefined, eol);
    if (lastKey) return replaceValue(text, pair, set.value, eol);
    if (isMap(pair.value)) {
      map = pair.value;
      continue;
    }
    if (pair.value === null || (isScalar(pair.value) && pair.value.value === null && (pair.value.source ?? '') === '')) {
      // `project:` with no value yet: write the nested keys on the lines under it.
      const keyRange = rangeOf(pair.key);
      if (keyRange === undefined) return null;
      const indent = keyRange[0] - lineStart(text, keyRange[0]) + 2;
      const { text: base, at } = afterLine(text, colonEnd(text, pair), eol);
      return `${base.slice(0, at)}${renderNested(set.path.slice(i + 1), set.value, indent, eol)}${base.slice(at)}`;
    }
    return null;
  }
  return null;
}

function setIn(obj: unknown, path: readonly string[], value: YamlValue): unknown {
  const root: Record<string, unknown> =
    obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? { ...(obj as Record<string, unknown>) } : {};
  const [head, ...rest] = path;
  if (head === undefined) return value;
  root[head] = rest.length === 0 ? (Array.isArray(value) ? [...value] : value) : setIn(root[head], rest, value);
  return root;
}

/**
 * Applies `sets` to a YAML document's text with the smallest possible textual change: only the values (or new
 * lines) concerned are rewritten, so comments, quoting, key order and layout elsewhere stay byte-for-byte the
 * same. Unchanged values are left alone, so the result equals `text` when nothing changes. The result is
 * re-parsed and compared with the intended data; anything unexpected throws YAML_EDIT_FAILED (no partial
 * output). Falls back to a full Document rewrite only for layouts it cannot splice (flow mappings).
 *
 * @example
 * editYaml('lane: planned # keep\n', [{ path: ['dependencies'], value: ['WP01'] }]) // => 'lane: planned # keep\ndependencies: [WP01]\n'
 */
export function editYaml(text: string, sets: readonly YamlSet[], what = 'the YAML file'): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const before = parseDocument(text, YAML_PARSE_OPTIONS);
  if (before.errors.length > 0) throw editFailed(what, before.errors[0]?.message.split('\n')[0] ?? 'parse error');
  let expected: unknown = before.toJS();
  let out = text;
  for (const set of sets) {
    if (set.path.length === 0) throw new WorkflowError('INVALID_ARGUMENT', 'editYaml needs a non-empty key path.');
    const current = parseDocument(out, YAML_PARSE_OPTIONS);
    const existing: unknown = current.getIn(set.path);
    const plain =
      existing !== null && typeof existing === 'object' && 'toJSON' in existing ? (existing as { toJSON(): unknown }).toJSON() : existing;
    const has = current.hasIn(set.path);
    expected = setIn(expected, set.path, set.value);
    if (has && isDeepStrictEqual(plain, set.value)) continue;
    const next = applyOne(out, set, eol);
    out = next ?? fallback(out, set);
  }
  const after = parseDocument(out, YAML_PARSE_OPTIONS);
  if (after.errors.length > 0 || !isDeepStrictEqual(after.toJS(), expected ?? {})) {
    throw editFailed(what, after.errors[0]?.message.split('\n')[0] ?? 'the result did not read back as intended');
  }
  return out;
}

function fallback(text: string, set: YamlSet): string {
  const doc: Document = parseDocument(text, YAML_PARSE_OPTIONS);
  const node = doc.createNode(Array.isArray(set.value) ? [...set.value] : set.value);
  if (isSeq(node)) node.flow = true;
  doc.setIn(set.path, node);
  return doc.toString({ lineWidth: 0 });
}
