import { createInterface } from 'node:readline';

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
