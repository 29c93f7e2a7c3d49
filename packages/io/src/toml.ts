import { parse, stringify, TomlError } from 'smol-toml';
import { IoError } from './errors.js';

/** A parsed TOML document. */
export type TomlTable = Record<string, unknown>;

/**
 * Parses a TOML document (smol-toml, TOML 1.0). Throws IO_TOML_INVALID with the line and column.
 *
 * @example
 * parseToml('a = 1\n') // => { a: 1 }
 */
export function parseToml(text: string, shownAs = 'TOML document'): TomlTable {
  try {
    return parse(text);
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    throw new IoError('IO_TOML_INVALID', `${shownAs} is not valid TOML${where}: ${((err as Error).message ?? '').split('\n')[0]}`, {
      suggestions: [`Fix ${shownAs} at the place shown (or remove it to start from defaults), then run the command again.`],
      details: { path: shownAs },
      cause: err,
    });
  }
}

/** Renders a table as a TOML document (smol-toml). */
export function stringifyToml(table: TomlTable): string {
  return stringify(table);
}

/** `text` as a TOML basic string, quotes included (`"…"`, every special character escaped by smol-toml). */
export function tomlString(text: string): string {
  return stringify({ v: text }).replace(/^v = /, '').replace(/\n$/, '');
}

/**
 * `text` escaped for the inside of a TOML multi-line basic string (`"""…"""`): newlines and tabs stay as they
 * are (so the file reads like the prompt it holds), backslashes and control characters are escaped, and no run
 * of three quotes (nor a quote right before the closing delimiter) is left. smol-toml has no multi-line output;
 * the tests check that smol-toml parses the result back to `text`.
 */
export function tomlMultilineBody(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n' || ch === '\t') out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  out = out.replace(/"""/g, '""\\"');
  // A quote right before the closing delimiter would merge with it, unless it is escaped already (an odd number
  // of backslashes before it: every backslash of the text was doubled above).
  const tail = /(\\*)"$/.exec(out);
  if (tail !== null && (tail[1] as string).length % 2 === 0) out = `${out.slice(0, -1)}\\"`;
  return out;
}
