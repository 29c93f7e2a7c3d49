/**
 * A short, safe rendering of a received value for error messages: strings are quoted, objects are JSON,
 * and anything longer than `max` characters is cut with an ellipsis.
 *
 * @example describeValue('WP1') // => '"WP1"'
 */
export function describeValue(value: unknown, max = 120): string {
  let text: string;
  if (value === undefined) text = 'undefined';
  else if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'function') text = '[function]';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The type name of a value as a user would say it ("null", "array", "string"…). */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
