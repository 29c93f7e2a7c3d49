/** One `spec-kitty …` command mentioned in a text. */
export interface CommandMention {
  /** The command words, e.g. `['agent', 'feature', 'create-feature']`. */
  readonly words: readonly string[];
  /** The words joined by spaces: the command id as users type it (`agent feature create-feature`). */
  readonly command: string;
  /** 1-based line of the mention. */
  readonly line: number;
  /** The line's text, trimmed (for error messages). */
  readonly text: string;
}

const START = /(?<![\w./@-])spec-kitty(?![\w.-])/g;
const WORD = /^[a-z][a-z0-9-]*$/;
const TRAILING = /[`'".,;:!?)\]]+$/;

/**
 * Finds every `spec-kitty <words…>` command in a text (templates tell agents which commands to run). The
 * command is the run of lower-case words after `spec-kitty`; it stops at a flag (`--json`), a placeholder
 * (`<WPxx>`, `WP01`), punctuation or the end of the line. Mentions with no words (`spec-kitty --version`,
 * `/spec-kitty.plan`, "the spec-kitty CLI") are skipped. Templates must therefore write arguments as
 * placeholders so the words are exactly the command.
 *
 * @example extractSpecKittyCommands('Run `spec-kitty agent tasks move-task <WPxx> --to done`.')[0]?.command
 * // => 'agent tasks move-task'
 */
export function extractSpecKittyCommands(text: string): CommandMention[] {
  const out: CommandMention[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    for (const match of lineText.matchAll(START)) {
      let rest = lineText.slice((match.index ?? 0) + match[0].length);
      const words: string[] = [];
      for (;;) {
        const token = /^[ \t]+(\S+)/.exec(rest);
        if (token === null || token[1] === undefined) break;
        const core = token[1].replace(TRAILING, '');
        if (!WORD.test(core)) break;
        words.push(core);
        if (core !== token[1]) break; // punctuation closes the command
        rest = rest.slice(token[0].length);
      }
      if (words.length > 0) out.push({ words, command: words.join(' '), line: index + 1, text: lineText.trim() });
    }
  });
  return out;
}
