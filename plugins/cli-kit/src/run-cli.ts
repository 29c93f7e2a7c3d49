import { Config, Errors, flush, handle, run } from '@oclif/core';
import type * as Levenshtein from 'fastest-levenshtein';
import { describeError } from './describe-error.js';
import { ExitCode } from './exit-codes.js';
import { jsonDocument } from './lean.js';

/** oclif's own message when no command matches the words given (config.runCommand). */
const NOT_FOUND = /^command (\S+) not found$/;

/**
 * Runs the CLI as oclif's `execute` does (run, flush, handle errors), except that words that name no command get
 * a usage error (exit 2) with the closest command as a suggestion that runs as written, and, with `--json`, that
 * error as the one JSON document on stdout.
 */
export async function runCli(options: { readonly args: readonly string[]; readonly dir: string }): Promise<void> {
  const args = [...options.args];
  try {
    await run(args, options.dir);
    await flush();
  } catch (err) {
    const id = err instanceof Errors.CLIError ? NOT_FOUND.exec(err.message)?.[1] : undefined;
    if (id === undefined) {
      await handle(err as Error);
      return;
    }
    const config = await Config.load(options.dir);
    // Loaded on this path only, not on every start. A CommonJS module: bundled, its exports sit under `default`.
    const lev = (await import('fastest-levenshtein')) as typeof Levenshtein & { default?: typeof Levenshtein };
    const error = unknownCommandError(id, args, config, lev.default?.distance ?? lev.distance);
    if (args.includes('--json')) {
      // The same error document every command prints (cli-kit's describeError), then the usage exit.
      const { body } = describeError(error);
      process.stdout.write(jsonDocument({ error: body }));
      await handle(new Errors.ExitError(ExitCode.USAGE)); // exits with the code, printing nothing more
      return;
    }
    await handle(error);
  }
}

/** The usage error for words that name no command, with the closest command (and the same arguments) to run instead. */
export function unknownCommandError(
  id: string,
  args: readonly string[],
  config: Pick<Config, 'bin' | 'commands' | 'findTopic'>,
  distance: (a: string, b: string) => number,
): Errors.CLIError & { code: string; suggestions: string[] } {
  const words = id.split(':');
  const typed = `${config.bin} ${words.join(' ')}`;
  const visible = config.commands.filter((c) => c.hidden !== true).flatMap((c) => [c.id, ...c.aliases]);
  // The typed words may be a command followed by its arguments (`implment WP01`): try every split.
  let best: { id: string; rest: string[]; cost: number } | null = null;
  for (let n = words.length; n >= 1; n -= 1) {
    const head = words.slice(0, n).join(':');
    for (const candidate of visible) {
      const cost = distance(head, candidate);
      if (cost <= Math.max(2, Math.floor(head.length / 4)) && (best === null || cost < best.cost)) {
        best = { id: candidate, rest: words.slice(n), cost };
      }
    }
  }
  const firstFlag = args.findIndex((a) => a.startsWith('-'));
  const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
  const topic = config.findTopic(words[0] ?? '') === undefined ? null : `${config.bin} ${words[0]} --help`;
  const suggestions: string[] = [];
  if (best !== null) {
    suggestions.push([config.bin, ...best.id.split(':'), ...best.rest, ...flags].join(' '));
  }
  suggestions.push(topic ?? `${config.bin} --help`);
  const message =
    best === null
      ? `\`${typed}\` is not a ${config.bin} command. ${topic === null ? 'The commands are' : `The commands of \`${words[0]}\` are`} listed by \`${suggestions[0]}\`.`
      : `\`${typed}\` is not a ${config.bin} command. Did you mean \`${[config.bin, ...best.id.split(':')].join(' ')}\`?`;
  const error = new Errors.CLIError(message, { exit: ExitCode.USAGE, suggestions }) as Errors.CLIError & {
    code: string;
    suggestions: string[];
  };
  error.code = 'UNKNOWN_COMMAND';
  return error;
}
