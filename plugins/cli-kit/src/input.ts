import { readFile } from 'node:fs/promises';
import { KittyError, type ExitClassTable } from '@kitty/errors';

/** Codes of the CLI's own input handling: a flag combination or an input file the command cannot use. */
export type InputErrorCode = 'USAGE' | 'INPUT_NOT_READABLE';

/** Errors of the CLI's own input handling (both are bad input: exit class `usage`). */
export class InputError extends KittyError<InputErrorCode> {
  static override readonly exitClasses: ExitClassTable<InputErrorCode> = { USAGE: 'usage', INPUT_NOT_READABLE: 'usage' };
}

/** Reads a text input named on the command line: a file path, or `-` for standard input. */
export async function readTextInput(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(source, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message;
    throw new InputError('INPUT_NOT_READABLE', `Cannot read ${source}: ${reason}.`, {
      suggestions: ['Pass a readable file path, or - to read standard input.'],
      cause: e,
    });
  }
}
