import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { MAX_FEEDBACK_BYTES, readFeedbackFile } from '../src/project/scratch.js';

afterAll(cleanupTempDirs);

describe('readFeedbackFile', () => {
  it('reads a feedback file and refuses a missing one, a directory, an oversized and an empty one with INVALID_FEEDBACK', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'ok.md'), 'Fix the parser.\n');
    expect(readFeedbackFile(dir, 'ok.md').text).toBe('Fix the parser.\n');
    const refused = (file: string): { code: string; message: string } => {
      try {
        readFeedbackFile(dir, file);
      } catch (e) {
        return { code: (e as { code: string }).code, message: (e as Error).message };
      }
      throw new Error(`${file} was accepted`);
    };
    expect(refused('missing.md')).toMatchObject({ code: 'INVALID_FEEDBACK', message: expect.stringContaining('(it does not exist)') });
    expect(refused('.')).toMatchObject({ code: 'INVALID_FEEDBACK', message: expect.stringContaining('(not a regular file)') });
    writeFileSync(path.join(dir, 'big.md'), 'x'.repeat(MAX_FEEDBACK_BYTES + 1));
    expect(refused('big.md').message).toContain(`at most ${MAX_FEEDBACK_BYTES} are accepted`);
    writeFileSync(path.join(dir, 'empty.md'), '  \n');
    expect(refused('empty.md').code).toBe('INVALID_FEEDBACK');
  });
});
