import { runCli } from '@kitty/cli-kit';

/**
 * Runs the spec-kitty CLI with the given arguments (default: the process's own). The `bin/run.js` launcher
 * calls this; tests and embedders may too.
 */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  await runCli({ args: argv, dir: new URL('../package.json', import.meta.url).href });
}
