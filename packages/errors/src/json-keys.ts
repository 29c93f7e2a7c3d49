/** `serverUrl` → `server_url`; keys already in snake_case (or not words, like `1-3`) are unchanged. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * A copy of a JSON-like result with every object key in snake_case, the style of every command's `--json`
 * (DESIGN §5). Values are not touched (dates stay dates, strings stay as they are). `aliases` lists camelCase
 * keys of the top-level object to keep as well, for one release, where something already reads them.
 */
export function snakeCaseKeys(value: object, aliases: readonly string[] = []): Record<string, unknown> {
  const convert = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(convert);
    if (v === null || typeof v !== 'object' || v instanceof Date) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [snakeCase(k), convert(x)]));
  };
  const out = convert(value);
  if (aliases.length === 0 || out === null || typeof out !== 'object' || Array.isArray(out)) return out as Record<string, unknown>;
  const top = value as Record<string, unknown>;
  const withAliases = { ...(out as Record<string, unknown>) };
  for (const k of aliases) if (k in top) withAliases[k] = convert(top[k]);
  return withAliases;
}
