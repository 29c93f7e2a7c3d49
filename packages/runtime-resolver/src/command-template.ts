import { describeValue } from '@kitty/errors';
import { parseDocument } from 'yaml';
import { RuntimeError } from './errors.js';

/** A command template split into its frontmatter and the Markdown body an agent reads. */
export interface CommandTemplate {
  /** The one-line `description` from the frontmatter, or null. */
  readonly description: string | null;
  /** The whole frontmatter mapping (empty when the file has none). */
  readonly frontmatter: Readonly<Record<string, unknown>>;
  /** The Markdown after the frontmatter. Placeholders: `$ARGUMENTS` (the user's input) and `__AGENT__` (agent key). */
  readonly body: string;
}

/**
 * Splits a command template into frontmatter and body; `spec-kitty init` renders the body for each agent.
 * Throws INVALID_COMMAND_TEMPLATE when the frontmatter is not a YAML mapping.
 */
export function parseCommandTemplate(text: string, file = '(command template)'): CommandTemplate {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (match === null) return { description: null, frontmatter: {}, body: text };
  const doc = parseDocument(match[1] ?? '');
  const data: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    throw new RuntimeError(
      'INVALID_COMMAND_TEMPLATE',
      `The frontmatter of ${file} must be a YAML mapping; got ${doc.errors[0]?.message.split('\n')[0] ?? describeValue(data)}.`,
      {
        suggestions: [`Fix the block between the two --- lines at the top of ${file}, e.g. "description: Create a feature spec".`],
        details: { path: file },
      },
    );
  }
  const frontmatter = (data ?? {}) as Record<string, unknown>;
  const description = typeof frontmatter['description'] === 'string' ? frontmatter['description'] : null;
  return { description, frontmatter, body: text.slice(match[0].length) };
}
