import { createInterface } from 'node:readline';
import { InputError } from './input.js';

/** Asks one question on stderr and reads a line from stdin; with `hidden`, typed characters are not echoed. */
export async function promptLine(question: string, options: { readonly hidden?: boolean } = {}): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
  if (options.hidden) {
    // Mute echo: readline writes typed characters through _writeToOutput.
    const r = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
    r._writeToOutput = (s: string) => {
      if (s.includes(question)) r.output.write(s);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (options.hidden) process.stderr.write('\n');
    rl.close();
  }
}

/** Reads all of standard input (for `--password-stdin`), without the trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** The credential flags of a command that logs in: `-u`, `-p` and `--password-stdin`. */
export interface CredentialFlags {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly 'password-stdin'?: boolean | undefined;
}

/**
 * The username and password of a log-in: from the flags, the password from standard input with `--password-stdin`,
 * otherwise asked on the terminal (the password hidden) when `interactive`; a USAGE error naming the flag when a value
 * is missing and nobody can be asked.
 */
export async function readCredentials(flags: CredentialFlags, interactive: boolean): Promise<{ username: string; password: string }> {
  const need = (what: 'username' | 'password'): never => {
    throw new InputError('USAGE', `A ${what} is required: pass --${what}${what === 'password' ? ' or --password-stdin' : ''}.`);
  };
  const username = flags.username ?? (interactive ? await promptLine('Username: ') : need('username'));
  const password =
    flags.password ??
    (flags['password-stdin'] ? await readStdin() : interactive ? await promptLine('Password: ', { hidden: true }) : need('password'));
  return { username, password };
}
