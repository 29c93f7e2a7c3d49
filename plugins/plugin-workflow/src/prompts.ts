import type { AgentSpec, InitPrompts } from '@kitty/workflow';

/** Questions for an interactive `spec-kitty init`, asked on stderr so stdout stays clean. */
export function terminalPrompts(): InitPrompts {
  const ask = async (question: string): Promise<string> => {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(question)).trim();
    } finally {
      rl.close();
    }
  };
  return {
    async chooseAgents(choices: readonly AgentSpec[], defaults: readonly string[]) {
      process.stderr.write(`AI agents: ${choices.map((c) => `${c.key} (${c.displayName})`).join(', ')}\n`);
      const answer = await ask(`Which agents should spec-kitty set up? (comma-separated) [${defaults.join(',')}] `);
      return answer === '' ? defaults : answer.split(/[,;]/).map((a) => a.trim());
    },
    async confirm(message: string) {
      return /^y(es)?$/i.test(await ask(`${message} [y/N] `));
    },
  };
}

/** True when the user can answer questions: a terminal on stdin and not turned off. */
export function isInteractive(flag: boolean): boolean {
  const env = (process.env['SPEC_KITTY_NON_INTERACTIVE'] ?? '').trim().toLowerCase();
  if (flag || ['1', 'true', 'yes', 'y', 'on'].includes(env)) return false;
  return process.stdin.isTTY === true;
}
