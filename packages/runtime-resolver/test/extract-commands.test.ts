import { describe, expect, it } from '@jest/globals';
import { extractSpecKittyCommands } from '../src/index.js';

const commands = (text: string): string[] => extractSpecKittyCommands(text).map((m) => m.command);

describe('extractSpecKittyCommands', () => {
  it('takes the lower-case words after spec-kitty and stops at flags, placeholders and punctuation', () => {
    expect(commands('Run `spec-kitty agent feature create-feature <feature-name> --json` now.')).toEqual(['agent feature create-feature']);
    expect(commands('spec-kitty implement WP01')).toEqual(['implement']);
    expect(commands('  spec-kitty agent tasks move-task <WPxx> --to for_review --agent __AGENT__')).toEqual(['agent tasks move-task']);
    expect(commands('then run spec-kitty merge.')).toEqual(['merge']);
    expect(commands('(spec-kitty accept) and "spec-kitty sync status"')).toEqual(['accept', 'sync status']);
    expect(commands('$ spec-kitty\tmigrate --dry-run')).toEqual(['migrate']);
  });

  it('finds several mentions per line and reports their line numbers', () => {
    const found = extractSpecKittyCommands('intro\n`spec-kitty config --show-origin` or `spec-kitty migrate`\n');
    expect(found.map((m) => [m.command, m.line])).toEqual([
      ['config', 2],
      ['migrate', 2],
    ]);
    expect(found[0]?.words).toEqual(['config']);
    expect(found[0]?.text).toBe('`spec-kitty config --show-origin` or `spec-kitty migrate`');
  });

  it('ignores mentions that are not commands', () => {
    expect(commands('/spec-kitty.plan writes the plan')).toEqual([]);
    expect(commands('.claude/commands/spec-kitty.implement.md')).toEqual([]);
    expect(commands('the `spec-kitty` CLI and spec-kitty-cli and @spec-kitty/x')).toEqual([]);
    expect(commands("spec-kitty's board, spec-kitty --version, Spec Kitty CLI")).toEqual([]);
  });

  it('keeps prose words, so a sentence like "spec-kitty keeps it" is reported (and fails the command check)', () => {
    expect(commands('spec-kitty keeps the board in sync')).toEqual(['keeps the board in sync']);
  });
});
